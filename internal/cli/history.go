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

const historyLong = `Show the revisions of the application, oldest first: one row per deploy,
undo, scale or Helm operation, with when it happened, how it ended, the
image of every service, why it was made and what it changed.

STATUS is deployed (what runs now), superseded (an earlier good revision),
failed (it did not become healthy; the description says why), rolled back
(undone by a later 'berth undo' or 'helm rollback') or pending (in
progress). CAUSE is 'berth deploy --cause', else the git commit (subject and
short sha), else the command line. The history is of the whole app, not of
one Deployment; 'berth rollout history SERVICE' shows kubectl's view of one.

With --revision N, show what that revision ran: its images, its values
(Secret values redacted) and, with --diff, a unified diff of its manifests
against revision M (default: the revision before N), Secret values masked.

The records are Helm releases, so 'helm history APP' shows the same
revisions. At most --history-max revisions are kept (berth deploy, default
10).`

const historyExample = `  # Every revision of the app
  berth history

  # What revision 3 ran, and what it changed against revision 2
  berth history --revision 3 --diff

  # Its changes against revision 1
  berth history --revision 3 --diff 1

  # For scripts
  berth history -o json`

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
		Use:     "history [--revision N [--diff [M]]]",
		Short:   "Show the app's revisions: images, cause, status; one revision in detail",
		Long:    historyLong,
		Example: historyExample,
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Complete(cmd, args); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return o.Run(cmd.Context())
		},
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
