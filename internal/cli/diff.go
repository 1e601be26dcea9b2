package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/output"
)

const diffLong = `Show what 'berth deploy' would change, object by object, as unified diffs of
the live objects against the result of a server-side dry-run apply.
Managed fields, status and other server bookkeeping are left out; Secret
values are masked (*** — with (before)/(after) where they change). Objects
the last revision had and berth.yaml no longer renders show as deletions
(claims are never pruned, so they never show). A volume change that berth
deploy would refuse, or make only with --recreate-statefulset, is an error
that says so, with the ways out, as deploy says it; so is an object the API
server would refuse (a field another tool owns, a node port another
Service holds, an admission policy), found by the same dry run that deploy
makes before its first write.

With --exit-code, berth diff exits 1 when anything would change: a drift
check for CI.`

const diffExample = `  # Review a change before deploying it
  berth diff -e production

  # Fail a CI job when the cluster drifted from berth.yaml
  berth diff --exit-code`

// DiffOptions are the inputs of `berth diff`.
type DiffOptions struct {
	genericiooptions.IOStreams
	SetImages  []string
	ExitCode   bool
	ResetScale bool
	Force      bool

	format string
	images map[string]string
	f      *Factory
}

// NewCmdDiff builds `berth diff`.
func NewCmdDiff(f *Factory, runF func(context.Context, *DiffOptions) error) *cobra.Command {
	o := &DiffOptions{IOStreams: f.IOStreams, f: f}
	cmd := &cobra.Command{
		Use:     "diff",
		Short:   "Show what a deploy would change in the cluster",
		Long:    diffLong,
		Example: diffExample,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if o.format, err = outputFormat(f, "text", "json", "yaml"); err != nil {
				return err
			}
			if o.images, err = parseSetImages(o.SetImages); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return o.Run(cmd.Context())
		},
	}
	cmd.Flags().StringArrayVar(&o.SetImages, "set-image", nil, "use image REF for SERVICE (SERVICE=REF; repeatable)")
	cmd.Flags().BoolVar(&o.ExitCode, "exit-code", false, "exit 1 when the cluster differs from berth.yaml")
	cmd.Flags().BoolVar(&o.Force, "force-conflicts", false, "as berth deploy --force-conflicts: show the change with the fields other tools own taken over")
	cmd.Flags().BoolVar(&o.ResetScale, "reset-scale", false, "as berth deploy --reset-scale: berth.yaml's replicas for services scaled with berth scale")
	return cmd
}

// ErrDiffers is returned with --exit-code when there are differences;
// ExitCode maps it to ExitFailure, as diff(1) exits 1.
var ErrDiffers = errors.New("the cluster differs from berth.yaml")

// Run computes and prints the diff.
func (o *DiffOptions) Run(ctx context.Context) error {
	p, c, ns, err := o.f.ProjectOnCluster()
	if err != nil {
		return err
	}
	if err := o.f.OpenSecrets(p); err != nil {
		return err
	}
	images, _, err := resolveImages(p, o.images)
	if err != nil {
		return err
	}
	d := &deploy.Deployer{Cluster: c, Records: newRecords(c, ns)}
	diffs, _, err := d.Diff(ctx, deploy.Options{Project: p, Namespace: ns, Images: images, ResetScale: o.ResetScale, RollOptions: deploy.RollOptions{Force: o.Force}})
	if err != nil {
		return err
	}
	if o.format != "text" {
		if err := output.Data(o.Out, o.format, output.NewDiffResult(p.Name, ns, diffs)); err != nil {
			return err
		}
	} else {
		for _, d := range diffs {
			fmt.Fprint(o.Out, d.Unified)
		}
		if len(diffs) == 0 {
			fmt.Fprintf(o.ErrOut, "no differences: the cluster matches %s\n", o.f.ConfigPath())
		} else {
			fmt.Fprintf(o.ErrOut, "%s would change\n", output.Plural(len(diffs), "object"))
		}
	}
	if o.ExitCode && len(diffs) > 0 {
		// The diff said it all; ExitCode maps ErrDiffers to ExitFailure.
		return &silentError{err: ErrDiffers}
	}
	return nil
}
