package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/output"
)

// DiffOptions are the inputs of `berth diff`.
type DiffOptions struct {
	cmdBase
	SetImages  []string
	ExitCode   bool
	ResetScale bool
	Force      bool

	images map[string]string
}

// NewCmdDiff builds `berth diff`.
func NewCmdDiff(f *Factory, runF func(context.Context, *DiffOptions) error) *cobra.Command {
	o := &DiffOptions{cmdBase: newBase(f, "text", "json", "yaml")}
	cmd := &cobra.Command{
		Use:   "diff",
		Short: "Show what a deploy would change in the cluster",
		Args:  noArgs,
		RunE:  runE(o, runF),
	}
	cmd.Flags().StringArrayVar(&o.SetImages, "set-image", nil, "use image REF for SERVICE (SERVICE=REF; repeatable)")
	cmd.Flags().BoolVar(&o.ExitCode, "exit-code", false, "exit 1 when the cluster differs from berth.yaml")
	cmd.Flags().BoolVar(&o.Force, "force-conflicts", false, "as berth deploy --force-conflicts: show the change with the fields other tools own taken over")
	cmd.Flags().BoolVar(&o.ResetScale, "reset-scale", false, "as berth deploy --reset-scale: berth.yaml's replicas for services scaled with berth scale")
	return cmd
}

// Complete takes the arguments and flags.
func (o *DiffOptions) Complete(_ *cobra.Command, _ []string) error {
	var err error
	o.images, err = parseSetImages(o.SetImages)
	return err
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
	p, advertised := o.f.advertised(ctx, p)
	images, _, err := resolveImages(p, o.images)
	if err != nil {
		return err
	}
	images = advertised.PullRefs(images)
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
