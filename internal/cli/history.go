package cli

import (
	"context"
	"strconv"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/output"
	"github.com/berth-dev/berth/internal/rollout"
)

// HistoryOptions are the inputs of berth history.
type HistoryOptions struct {
	genericiooptions.IOStreams
	Revision int
	// Diff is the revision to diff against: -1 for the one before Revision,
	// 0 for no diff.
	Diff int

	format string
	now    func() time.Time
	f      *Factory
}

// NewCmdHistory builds berth history.
func NewCmdHistory(f *Factory, runF func(context.Context, *HistoryOptions) error) *cobra.Command {
	o := &HistoryOptions{IOStreams: f.IOStreams, f: f, now: time.Now}
	cmd := &cobra.Command{
		Use:   "history [--revision N [--diff [M]]]",
		Short: "Show the app's revisions: images, cause, status; one revision in detail",
		Args:  cobra.MaximumNArgs(1),
		RunE:  runE(o, runF),
	}
	cmd.Flags().IntVar(&o.Revision, "revision", 0, "show this revision in detail (default with --diff: the newest)")
	_ = cmd.RegisterFlagCompletionFunc("revision", f.completeRevisions)
	cmd.Flags().IntVar(&o.Diff, "diff", 0, "with --revision: diff its manifests against revision M (default: the one before it)")
	cmd.Flags().Lookup("diff").NoOptDefVal = "-1"
	return cmd
}

// Complete reads the flags; `--diff M` may give M as an argument.
func (o *HistoryOptions) Complete(cmd *cobra.Command, args []string) error {
	var err error
	if o.format, err = outputFormat(o.f, "table", "json", "yaml"); err != nil {
		return err
	}
	if len(args) == 1 {
		m, err := strconv.Atoi(args[0])
		if o.Diff != -1 || err != nil || m <= 0 {
			return usageErrorf("%s takes no arguments (a revision to diff against follows --diff), got %q", cmd.CommandPath(), args)
		}
		o.Diff = m
	}
	if o.Revision < 0 || o.Diff < -1 {
		return usageErrorf("revisions are positive numbers")
	}
	return nil
}

// Run prints the history, or one revision.
func (o *HistoryOptions) Run(ctx context.Context) error {
	p, c, ns, err := o.f.ProjectOnCluster()
	if err != nil {
		return err
	}
	h, err := newRecords(c, ns).History(ctx, p.Name)
	if err != nil {
		return err
	}
	if len(h) == 0 {
		return rolloutError(o.f, o.ErrOut, &deploy.NotDeployedError{App: p.Name, Namespace: ns})
	}
	if o.Revision == 0 && o.Diff == 0 {
		entries := rollout.History(h)
		if o.format != "table" {
			return output.Data(o.Out, o.format, output.NewHistory(p.Name, ns, entries))
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
	return output.Revision(o.Out, p.Name, ns, d, o.now())
}
