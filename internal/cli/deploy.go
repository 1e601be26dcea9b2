package cli

import (
	"context"
	"fmt"
	"os"
	"os/user"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/berth-dev/berth/internal/build"
	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/gitinfo"
	"github.com/berth-dev/berth/internal/kube"
	"github.com/berth-dev/berth/internal/version"
)

// DeployOptions are the inputs of `berth deploy` and `berth apply`.
type DeployOptions struct {
	genericiooptions.IOStreams

	SetImages    []string
	DryRun       string
	Force        bool
	PruneVolumes bool
	// RecreateStatefulSets applies changes of volumeClaimTemplates.
	RecreateStatefulSets bool
	// Yes confirms the claims --prune-volumes deletes.
	Yes        bool
	Wait       bool
	Timeout    time.Duration
	Atomic     bool
	Cause      string
	HistoryMax int
	ResetScale bool
	// WaitLock is how long to wait for another berth deploying the app.
	WaitLock time.Duration
	// SkipPreflight skips the checks of berth preflight.
	SkipPreflight bool

	format string
	images map[string]string
	f      *Factory
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
	o := &DeployOptions{IOStreams: f.IOStreams, f: f, command: use}
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  noArgs,
		RunE:  runE(o, runF),
	}
	addDeployFlags(cmd.Flags(), o)
	cmd.Flags().BoolVarP(&o.Yes, "yes", "y", false, "delete the claims --prune-volumes lists without asking")
	return cmd
}

// addDeployFlags adds the flags of deploy, apply and up.
func addDeployFlags(fl *pflag.FlagSet, o *DeployOptions) {
	fl.StringArrayVar(&o.SetImages, "set-image", nil, "use image REF for SERVICE (SERVICE=REF; repeatable)")
	fl.StringVar(&o.DryRun, "dry-run", "none", `"server" sends a dry run to the API server, "client" only reports, "none" applies`)
	fl.BoolVar(&o.Force, "force-conflicts", false, "take over fields another tool (kubectl scale/edit, a controller) owns")
	fl.BoolVar(&o.PruneVolumes, "prune-volumes", false, "also delete PersistentVolumeClaims the new revision no longer has (their data is lost)")
	fl.BoolVar(&o.RecreateStatefulSets, "recreate-statefulset", false, "apply a change of a StatefulSet's volumes: expand its claims, delete it with its pods orphaned, create it again")
	fl.BoolVar(&o.Wait, "wait", true, "wait until every workload is healthy")
	fl.DurationVar(&o.Timeout, "timeout", 5*time.Minute, "how long the rollout may take: checks, apply, health wait and prune (the record is written after it)")
	fl.DurationVar(&o.WaitLock, "wait-lock", 0, "wait this long for another berth deploying the app to finish (0: fail at once, naming it)")
	fl.BoolVar(&o.Atomic, "atomic", false, "restore the previous revision if this one does not become healthy")
	fl.IntVar(&o.HistoryMax, "history-max", deploy.DefaultHistoryMax, "revisions to keep (the current and the last good one are always kept)")
	fl.BoolVar(&o.ResetScale, "reset-scale", false, "use berth.yaml's replicas for services scaled with berth scale (kept otherwise)")
	fl.StringVar(&o.Cause, "cause", "", "why this revision exists, shown by history (default: the git commit, else the command line)")
	fl.BoolVar(&o.SkipPreflight, "skip-preflight", false, "do not run berth preflight's checks first")
}

// Complete reads flags.
func (o *DeployOptions) Complete(*cobra.Command, []string) error {
	var err error
	if o.format, err = outputFormat(o.f, "text", "json", "yaml"); err != nil {
		return err
	}
	o.images, err = parseSetImages(o.SetImages)
	return err
}

// Validate checks flag values.
func (o *DeployOptions) Validate() error {
	var err error
	if o.DryRun, err = dryRunMode(o.DryRun); err != nil {
		return err
	}
	if o.Timeout <= 0 {
		return usageErrorf("--timeout must be positive")
	}
	if o.WaitLock < 0 {
		return usageErrorf("--wait-lock must not be negative")
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
	images, unbuilt, err := resolveImages(p, o.images)
	if err != nil {
		return err
	}
	return o.deploy(ctx, start, p, c, ns, o.pinFromRegistry(ctx, images, unbuilt))
}

// deploy checks the cluster (preflight), installs the charts, then rolls
// out p with the given images (deploy.Pipeline) and reports it.
func (o *DeployOptions) deploy(ctx context.Context, start time.Time, p *config.Project, c *kube.Client, ns string, images map[string]string) error {
	wait := o.Wait && o.DryRun == kube.DryRunNone
	pl := &deploy.Pipeline{
		Charts:   deployCharts(o.f, o.IOStreams, o.Timeout),
		Rollout:  newDeployer(o.f, c, ns, o.IOStreams, o.format != "text", wait),
		Reporter: o.f.report(),
	}
	if !o.SkipPreflight {
		pl.Preflight = deploy.PreflightFunc(func(ctx context.Context, p *config.Project, ns string, images map[string]string) error {
			return checkBeforeDeploy(ctx, o.f, o.IOStreams, c, p, ns, images)
		})
	}
	outcome, err := pl.Run(ctx, deploy.Options{
		RollOptions: deploy.RollOptions{
			DryRun: o.DryRun, Force: o.Force, PruneVolumes: o.PruneVolumes, RecreateStatefulSets: o.RecreateStatefulSets,
			ConfirmVolumes: confirmVolumes(o.f, p.Name, "--prune-volumes", "", o.Yes),
			Wait:           wait, Timeout: o.Timeout, Atomic: o.Atomic, HistoryMax: o.HistoryMax,
			Holder: holder(), WaitLock: o.WaitLock,
		},
		Project: p, Namespace: ns, Images: images, ResetScale: o.ResetScale,
		Meta: deploy.Meta{Images: images, Cause: o.cause(ctx, p), Commit: gitinfo.Commit(ctx, p.Dir), BerthVersion: version.Get().Version, User: whoami()},
	})
	run := rolloutRun{command: o.command, app: p.Name, namespace: ns, start: start}
	return run.report(o.f, o.IOStreams, o.format, outcome, err, o.DryRun, func(state string) string {
		return fmt.Sprintf("%s %s revision %d in namespace %s: %s (%s)", o.f.paint("deployed", green), p.Name, outcome.Revision, ns, state, time.Since(start).Round(100*time.Millisecond))
	})
}

// cause is --cause, else the git commit subject, else the command line.
func (o *DeployOptions) cause(ctx context.Context, p *config.Project) string {
	if o.Cause != "" {
		return o.Cause
	}
	if subject := gitinfo.Subject(ctx, p.Dir); subject != "" {
		return subject
	}
	return "berth " + strings.Join(os.Args[1:], " ")
}

// holder names this berth process to another that finds the app locked.
func holder() string {
	return fmt.Sprintf("%s pid %d (berth %s)", whoami(), os.Getpid(), strings.Join(os.Args[1:], " "))
}

func whoami() string {
	name := "unknown"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	host, _ := os.Hostname()
	return name + "@" + host
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

// interrupted says what was being done and the state of the app (hint)
// when ctx was cancelled (SIGINT, SIGTERM) before a rollout began;
// otherwise it returns err.
func interrupted(ctx context.Context, err error, what, hint string) error {
	if ctx.Err() == nil || err == nil {
		return err
	}
	return &deploy.StoppedError{While: what, State: hint, Err: ctx.Err()}
}
