package cli

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/berth-dev/berth/internal/build"
	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/gitinfo"
	"github.com/berth-dev/berth/internal/kube"
)

// DeployOptions are the inputs of `berth deploy` and `berth apply`.
type DeployOptions struct {
	cmdBase
	rollFlags

	SetImages  []string
	Atomic     bool
	Cause      string
	ResetScale bool
	// SkipPreflight skips the checks of berth preflight.
	SkipPreflight bool

	images map[string]string
	// command is deploy, apply or up, for the finished event.
	command string
}

// NewCmdDeploy builds `berth deploy`.
func NewCmdDeploy(f *Factory, runF func(context.Context, *DeployOptions) error) *cobra.Command {
	return newDeployCmd(f, runF, "deploy", "Apply berth.yaml to the cluster, wait until healthy, record the revision")
}

// NewCmdApply builds `berth apply`: the same as deploy for images given or
// already built, without building anything.
func NewCmdApply(f *Factory, runF func(context.Context, *DeployOptions) error) *cobra.Command {
	cmd := newDeployCmd(f, runF, "apply", "Apply berth.yaml with the given images (never builds), wait, record")
	// The help of deploy, after what is different (help/apply.txtar).
	cmd.Long = helpSections("apply")["intro"] + "\n\n" + helpSections("deploy")["long"]
	return cmd
}

func newDeployCmd(f *Factory, runF func(context.Context, *DeployOptions) error, use, short string) *cobra.Command {
	o := &DeployOptions{cmdBase: newBase(f, "text", "json", "yaml"), command: use}
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  noArgs,
		RunE:  runE(o, runF),
	}
	addDeployFlags(cmd.Flags(), o)
	o.addYes(cmd.Flags())
	return cmd
}

// addDeployFlags adds the flags of deploy, apply and up.
func addDeployFlags(fl *pflag.FlagSet, o *DeployOptions) {
	o.add(fl, "applies", "the new revision no longer has", "checks, apply")
	fl.StringArrayVar(&o.SetImages, "set-image", nil, "use image REF for SERVICE (SERVICE=REF; repeatable)")
	fl.BoolVar(&o.Atomic, "atomic", false, "restore the previous revision if this one does not become healthy")
	fl.BoolVar(&o.ResetScale, "reset-scale", false, "use berth.yaml's replicas for services scaled with berth scale (kept otherwise)")
	fl.StringVar(&o.Cause, "cause", "", "why this revision exists, shown by history (default: the git commit, else the command line)")
	fl.BoolVar(&o.SkipPreflight, "skip-preflight", false, "do not run berth preflight's checks first")
}

// Complete reads flags.
func (o *DeployOptions) Complete(*cobra.Command, []string) error {
	var err error
	o.images, err = parseSetImages(o.SetImages)
	return err
}

// Validate checks flag values.
func (o *DeployOptions) Validate() error {
	if err := o.check(); err != nil {
		return err
	}
	if o.Atomic && !o.Wait {
		return usageErrorf("--atomic needs --wait: berth can only roll back what it saw fail")
	}
	return nil
}

// Run deploys.
func (o *DeployOptions) Run(ctx context.Context) error {
	start := time.Now()
	p, c, ns, err := o.f.ProjectOnCluster()
	if err != nil {
		return err
	}
	if err := o.f.OpenSecrets(p); err != nil {
		return err
	}
	p, advertised := o.f.advertised(ctx, p)
	images, unbuilt, err := resolveImages(p, o.images)
	if err != nil {
		return err
	}
	return o.deploy(ctx, start, p, c, ns, advertised.PullRefs(o.pinFromRegistry(ctx, images, unbuilt)))
}

// deploy checks the cluster (preflight), installs the charts, then rolls
// out p with the given images (deploy.Pipeline) and reports it.
func (o *DeployOptions) deploy(ctx context.Context, start time.Time, p *config.Project, c *kube.Client, ns string, images map[string]string) error {
	pl := &deploy.Pipeline{
		Charts:   deployCharts(o.f, o.IOStreams, o.Timeout),
		Rollout:  newDeployer(o.f, c, ns, o.IOStreams, o.format != "text", o.waits()),
		Reporter: o.f.report(),
	}
	if !o.SkipPreflight {
		pl.Preflight = deploy.PreflightFunc(func(ctx context.Context, p *config.Project, ns string, images map[string]string) error {
			return checkBeforeDeploy(ctx, o.f, o.IOStreams, c, p, ns, images)
		})
	}
	roll := o.options(o.f, p.Name)
	roll.Atomic = o.Atomic
	meta := caller()
	meta.Images, meta.Cause, meta.Commit = images, deploy.Cause(ctx, o.Cause, p.Dir, os.Args[1:]), gitinfo.Commit(ctx, p.Dir)
	outcome, err := pl.Run(ctx, deploy.Options{RollOptions: roll, Project: p, Namespace: ns, Images: images, ResetScale: o.ResetScale, Meta: meta})
	run := rolloutRun{command: o.command, app: p.Name, namespace: ns, start: start}
	e := run.deployEnded(outcome, err, o.DryRun)
	return run.report(o.f, o.IOStreams, o.format, e, err, o.DryRun, func(state string) string {
		return fmt.Sprintf("%s %s revision %d in namespace %s: %s (%s)", o.f.paint("deployed", green), p.Name, outcome.Revision, ns, state, time.Since(start).Round(100*time.Millisecond))
	})
}

// pinFromRegistry pins services without a local build record by asking
// the registry for their content tag (a CI job that did not build), and
// warns about those the registry does not have either.
func (o *DeployOptions) pinFromRegistry(ctx context.Context, images map[string]string, unbuilt []string) map[string]string {
	access := o.f.RegistryAccess()
	access.Attempts = 1
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	pinned, missing := build.PinAll(ctx, access, images, unbuilt)
	for _, svc := range missing {
		fmt.Fprintf(o.ErrOut, "%s %s has no build of its current sources here or in the registry; deploying %s (run berth build first, or berth up to build and deploy)\n", o.f.paint("warning:", yellow), svc, images[svc])
	}
	return pinned
}
