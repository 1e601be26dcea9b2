package cli

import (
	"context"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/output"
	"github.com/berth-dev/berth/internal/rollout"
)

// HistoryOptions are the inputs of berth history.
type HistoryOptions struct {
	cmdBase
	// App is the app named as an argument ("": berth.yaml's).
	App      string
	Revision int
	// Diff is the revision to diff against: -1 for the one before Revision,
	// 0 for no diff.
	Diff int

	now func() time.Time
}

// NewCmdHistory builds berth history.
func NewCmdHistory(f *Factory, runF func(context.Context, *HistoryOptions) error) *cobra.Command {
	o := &HistoryOptions{cmdBase: newBase(f, "table", "json", "yaml"), now: time.Now}
	cmd := &cobra.Command{
		Use:               "history [APP] [--revision N [--diff [M]]]",
		Short:             "Show the app's revisions: images, cause, status; one revision in detail",
		Args:              cobra.MaximumNArgs(2),
		RunE:              runE(o, runF),
		ValidArgsFunction: f.completeApps,
	}
	cmd.Flags().IntVar(&o.Revision, "revision", 0, "show this revision in detail (default with --diff: the newest)")
	_ = cmd.RegisterFlagCompletionFunc("revision", f.completeRevisions)
	cmd.Flags().IntVar(&o.Diff, "diff", 0, "with --revision: diff its manifests against revision M (default: the one before it)")
	cmd.Flags().Lookup("diff").NoOptDefVal = "-1"
	return cmd
}

// Complete reads the flags and arguments: a number right after a bare
// --diff is M, any other argument the app.
func (o *HistoryOptions) Complete(cmd *cobra.Command, args []string) error {
	for _, a := range args {
		if m, err := strconv.Atoi(a); err == nil && o.Diff == -1 && m > 0 {
			o.Diff = m
		} else if o.App == "" {
			o.App = a
		} else {
			return usageErrorf("%s takes one app (and, after --diff, a revision to diff against), got %q", cmd.CommandPath(), args)
		}
	}
	if o.Revision < 0 || o.Diff < -1 {
		return usageErrorf("revisions are positive numbers")
	}
	return nil
}

// Run prints the history, or one revision.
func (o *HistoryOptions) Run(ctx context.Context) error {
	app, ns, c, err := o.f.AppOnCluster(o.App)
	if err != nil {
		return err
	}
	rec := newRecords(c, ns)
	h, err := rec.History(ctx, app)
	if err != nil {
		return err
	}
	if len(h) == 0 {
		return deploy.NotDeployed(ctx, rec, app, ns)
	}
	if o.Revision == 0 && o.Diff == 0 {
		entries := rollout.History(h)
		if o.format != "table" {
			return output.Data(o.Out, o.format, output.NewHistory(app, ns, entries))
		}
		return output.HistoryTable(o.Out, entries, o.now())
	}
	rev, against, err := rollout.DiffTarget(h, o.Revision, o.Diff)
	if err != nil {
		return &UsageError{Err: err}
	}
	d, err := rollout.Describe(h, rev, against)
	if err != nil {
		return &UsageError{Err: err}
	}
	if o.format != "table" {
		return output.Data(o.Out, o.format, output.Versioned("Revision", d))
	}
	return output.Revision(o.Out, app, ns, d, o.now())
}
