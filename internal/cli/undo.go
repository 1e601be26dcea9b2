package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/registry"
)

// UndoOptions are the inputs of berth undo.
type UndoOptions struct {
	genericiooptions.IOStreams
	rollFlags
	ToRevision int

	format string
	f      *Factory
}

// NewCmdUndo builds berth undo.
func NewCmdUndo(f *Factory, runF func(context.Context, *UndoOptions) error) *cobra.Command {
	o := &UndoOptions{IOStreams: f.IOStreams, f: f}
	cmd := &cobra.Command{
		Use:   "undo [--to-revision N]",
		Short: "Roll the whole app back to an earlier revision, as a new revision",
		Args:  noArgs,
		RunE:  runE(o, runF),
	}
	fl := cmd.Flags()
	fl.IntVar(&o.ToRevision, "to-revision", 0, "the revision to return to (default: the last good one before the newest)")
	_ = cmd.RegisterFlagCompletionFunc("to-revision", f.completeRevisions)
	o.add(fl, "rolls back", "the revision did not have", "apply")
	o.addYes(fl)
	return cmd
}

// Complete reads and checks the flags.
func (o *UndoOptions) Complete(*cobra.Command, []string) error {
	var err error
	if o.format, err = outputFormat(o.f, "text", "json", "yaml"); err != nil {
		return err
	}
	if o.ToRevision < 0 {
		return usageErrorf("--to-revision must be a revision number (see berth history)")
	}
	return o.check()
}

// Run rolls back.
func (o *UndoOptions) Run(ctx context.Context) error {
	start := time.Now()
	p, c, ns, err := o.f.ProjectOnCluster()
	if err != nil {
		return err
	}
	d := newDeployer(o.f, c, ns, o.IOStreams, o.format != "text", o.waits())
	outcome, err := d.Undo(ctx, deploy.UndoOptions{
		RollOptions: o.options(o.f, p.Name), App: p.Name, Namespace: ns, ToRevision: o.ToRevision,
		Meta: caller(), Images: &registry.Checker{},
	})
	run := rolloutRun{command: "undo", app: p.Name, namespace: ns, start: start}
	e := run.deployEnded(outcome, err, o.DryRun)
	return run.report(o.f, o.IOStreams, o.format, e, err, o.DryRun, func(state string) string {
		return fmt.Sprintf("%s %s to revision %d, as revision %d in namespace %s: %s (%s)", o.f.paint("rolled back", green), p.Name, outcome.RolledBack, outcome.Revision, ns, state, time.Since(start).Round(100*time.Millisecond))
	})
}
