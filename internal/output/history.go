package output

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"k8s.io/apimachinery/pkg/util/duration"
	"sigs.k8s.io/yaml"

	"github.com/berth-dev/berth/internal/rollout"
)

// History is the -o json|yaml shape of berth history; one revision
// (--revision, --diff) is kind Revision, rollout.Detail's fields.
type History struct {
	APIVersion string          `json:"apiVersion"`
	Kind       string          `json:"kind"`
	App        string          `json:"app"`
	Namespace  string          `json:"namespace"`
	Revisions  []rollout.Entry `json:"revisions"`
}

// NewHistory is the History of app in namespace ns.
func NewHistory(app, ns string, entries []rollout.Entry) History {
	return History{APIVersion: APIVersion, Kind: "History", App: app, Namespace: ns, Revisions: entries}
}

// HistoryTable writes the revisions as berth history's table, with times
// relative to now.
func HistoryTable(w io.Writer, entries []rollout.Entry, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 4, 3, ' ', 0)
	fmt.Fprintln(tw, "REVISION\tUPDATED\tSTATUS\tIMAGES\tCAUSE\tDESCRIPTION")
	for _, e := range entries {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", e.Revision, when(e.Updated, now), e.Status,
			shortImages(e.Images), oneLine(e.Cause, 60), oneLine(e.Description, 70))
	}
	return tw.Flush()
}

// Revision writes one revision of app in namespace ns as berth history
// --revision shows it: what it ran, its values and, when d.Against is
// set, its manifest changes.
func Revision(w io.Writer, app, ns string, d *rollout.Detail, now time.Time) error {
	fmt.Fprintf(w, "Revision:     %d of %s (namespace %s)\n", d.Revision, app, ns)
	fmt.Fprintf(w, "Status:       %s\n", d.Status)
	fmt.Fprintf(w, "Updated:      %s\n", when(d.Updated, now))
	fmt.Fprintf(w, "Cause:        %s\n", d.Cause)
	fmt.Fprintf(w, "Description:  %s\n", d.Description)
	if d.User != "" || d.BerthVersion != "" {
		fmt.Fprintf(w, "By:           %s with berth %s\n", OrDash(d.User), OrDash(d.BerthVersion))
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
	if err := tw.Flush(); err != nil {
		return err
	}
	values, err := yaml.Marshal(d.Values)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Values (secret values redacted):\n%s\n", Indent(strings.TrimSuffix(string(values), "\n"), "  "))
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
func when(t, now time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04:05") + " (" + duration.HumanDuration(now.Sub(t)) + " ago)"
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
