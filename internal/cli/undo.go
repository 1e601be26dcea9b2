package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/registry"
)

// UndoOptions are the inputs of berth undo.
type UndoOptions struct {
	cmdBase
	rollFlags
	appArg
	ToRevision int
}

// NewCmdUndo builds berth undo.
func NewCmdUndo(f *Factory, runF func(context.Context, *UndoOptions) error) *cobra.Command {
	o := &UndoOptions{cmdBase: newBase(f, "text", "json", "yaml")}
	cmd := &cobra.Command{
		Use:               "undo [APP] [--to-revision N]",
		Short:             "Roll the whole app back to an earlier revision, as a new revision",
		Args:              cobra.MaximumNArgs(1),
		RunE:              runE(o, runF),
		ValidArgsFunction: f.completeApps,
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
	if o.ToRevision < 0 {
		return usageErrorf("--to-revision must be a revision number (see berth history)")
	}
	return o.check()
}

// Run rolls back.
func (o *UndoOptions) Run(ctx context.Context) error {
	start := time.Now()
	app, ns, c, err := o.f.AppOnCluster(o.App)
	if err != nil {
		return err
	}
	d := newDeployer(o.f, c, ns, o.IOStreams, o.format != "text", o.waits())
	outcome, err := d.Undo(ctx, deploy.UndoOptions{
		RollOptions: o.options(o.f, app), App: app, Namespace: ns, ToRevision: o.ToRevision,
		Meta: caller(), Images: &registry.Checker{},
	})
	run := rolloutRun{command: "undo", app: app, namespace: ns, start: start}
	e := run.deployEnded(outcome, err, o.DryRun)
	return run.report(o.f, o.IOStreams, o.format, e, err, o.DryRun, func(state string) string {
		return fmt.Sprintf("%s %s to revision %d, as revision %d in namespace %s: %s (%s)", o.f.paint("rolled back", green), app, outcome.RolledBack, outcome.Revision, ns, state, time.Since(start).Round(100*time.Millisecond))
	})
}
