package cli

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"sigs.k8s.io/yaml"

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
			return output.Data(o.Out, o.format, History{APIVersion: output.APIVersion, Kind: "History", App: p.Name, Namespace: ns, Revisions: entries})
		}
		o.printTable(entries)
		return nil
	}
	rev := o.Revision
	if rev == 0 {
		rev = h[len(h)-1].Release.Version
	}
	against := o.Diff
	if against == -1 {
		against = 0
		for i, r := range h {
			if r.Release.Version == rev && i > 0 {
				against = h[i-1].Release.Version
			}
		}
		if against == 0 {
			return usageErrorf("revision %d is the oldest recorded: there is nothing before it to diff against", rev)
		}
	}
	d, err := rollout.Describe(h, rev, against)
	if err != nil {
		return &UsageError{Err: err}
	}
	if o.format != "table" {
		return output.Data(o.Out, o.format, output.Versioned("Revision", d))
	}
	return o.printDetail(p.Name, ns, d)
}

func (o *HistoryOptions) printTable(entries []rollout.Entry) {
	tw := tabwriter.NewWriter(o.Out, 0, 4, 3, ' ', 0)
	fmt.Fprintln(tw, "REVISION\tUPDATED\tSTATUS\tIMAGES\tCAUSE\tDESCRIPTION")
	for _, e := range entries {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", e.Revision, o.when(e.Updated), e.Status,
			shortImages(e.Images), oneLine(e.Cause, 60), oneLine(e.Description, 70))
	}
	tw.Flush()
}

func (o *HistoryOptions) printDetail(app, ns string, d *rollout.Detail) error {
	w := o.Out
	fmt.Fprintf(w, "Revision:     %d of %s (namespace %s)\n", d.Revision, app, ns)
	fmt.Fprintf(w, "Status:       %s\n", d.Status)
	fmt.Fprintf(w, "Updated:      %s\n", o.when(d.Updated))
	fmt.Fprintf(w, "Cause:        %s\n", d.Cause)
	fmt.Fprintf(w, "Description:  %s\n", d.Description)
	if d.User != "" || d.BerthVersion != "" {
		fmt.Fprintf(w, "By:           %s with berth %s\n", output.OrDash(d.User), output.OrDash(d.BerthVersion))
	}
	if d.Commit != "" {
		fmt.Fprintf(w, "Commit:       %s\n", d.Commit)
	}
	for _, s := range slices.Sorted(maps.Keys(d.Scaled)) {
		fmt.Fprintf(w, "Scaled:       %s to %d replicas by berth scale (berth.yaml: %d)\n", s, d.Scaled[s].Replicas, d.Scaled[s].Config)
	}
	fmt.Fprintln(w, "Images:")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, s := range slices.Sorted(maps.Keys(d.Images)) {
		fmt.Fprintf(tw, "  %s\t%s\n", s, d.Images[s])
	}
	tw.Flush()
	values, err := yaml.Marshal(d.Values)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Values (secret values redacted):\n%s", output.Indent(string(values), "  "))
	if !strings.HasSuffix(string(values), "\n") {
		fmt.Fprintln(w)
	}
	if d.Against == 0 {
		return nil
	}
	if len(d.Diff) == 0 {
		fmt.Fprintf(w, "Manifest changes against revision %d: none\n", d.Against)
		return nil
	}
	fmt.Fprintf(w, "Manifest changes against revision %d (secret values masked):\n", d.Against)
	for _, df := range d.Diff {
		fmt.Fprint(w, df.Unified)
	}
	return nil
}

// when is "2026-11-23 10:04:05 (3m ago)" in local time.
func (o *HistoryOptions) when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04:05") + " (" + duration.HumanDuration(o.now().Sub(t)) + " ago)"
}

// shortImages is "api=v2, web=sha256:1a2b3c4d5e6f", by service.
func shortImages(images map[string]string) string {
	var parts []string
	for _, s := range slices.Sorted(maps.Keys(images)) {
		parts = append(parts, s+"="+rollout.Short(images[s]))
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

// oneLine fits s on one table line of at most n runes.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return "-"
	}
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// History is the -o json|yaml shape of berth history; one revision
// (--revision, --diff) is kind Revision, rollout.Detail's fields.
type History struct {
	APIVersion string          `json:"apiVersion"`
	Kind       string          `json:"kind"`
	App        string          `json:"app"`
	Namespace  string          `json:"namespace"`
	Revisions  []rollout.Entry `json:"revisions"`
}
