// Package rollout reads berth's app-level rollout story from the release
// records: the history of every revision of an app, what one revision ran
// and how it differs from another. Undo and scale live in package deploy,
// whose rollout pipeline (lock, apply, wait, prune, record) they reuse.
package rollout

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	hrelease "helm.sh/helm/v3/pkg/release"

	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/kube"
	"github.com/berth-dev/berth/internal/release"
	"github.com/berth-dev/berth/internal/render"
)

// Statuses of an Entry beyond Helm's own (deployed, superseded, failed,
// pending-*).
const (
	// StatusRolledBack is a revision that was healthy and was then undone:
	// the next healthy revision after it is a rollback to an older one.
	StatusRolledBack = "rolled back"
)

// Entry is one revision of an app, as berth history shows it.
type Entry struct {
	Revision int       `json:"revision"`
	Updated  time.Time `json:"updated"`
	Status   string    `json:"status"`
	// Images are the images of the app's services (the first container of
	// each workload), by service.
	Images map[string]string `json:"images"`
	// Cause is why the revision exists: berth deploy --cause, else the git
	// commit, else the command line; "rollback to N" for an undo, "helm
	// rollback to N" for one done with Helm.
	Cause string `json:"cause"`
	// Description is what happened: the failure of a failed revision,
	// Helm's description of one Helm wrote, else what changed since the
	// revision before it.
	Description string `json:"description"`
	// RollbackOf is N when the revision is a rollback to N.
	RollbackOf   int                      `json:"rollbackOf,omitempty"`
	Scaled       map[string]release.Scale `json:"scaled,omitempty"`
	User         string                   `json:"user,omitempty"`
	Commit       string                   `json:"commit,omitempty"`
	BerthVersion string                   `json:"berthVersion,omitempty"`
}

var (
	helmRollback  = regexp.MustCompile(`^Rollback to (\d+)$`)
	berthRollback = regexp.MustCompile(`^rollback to (\d+)$`)
)

// History turns release records (oldest first) into entries, oldest first.
func History(h []release.Revision) []Entry {
	return history(h, manifests(h))
}

// manifests parses the manifest of each revision of h, once.
func manifests(h []release.Revision) []*render.Manifest {
	out := make([]*render.Manifest, len(h))
	for i, r := range h {
		out[i] = render.ParseManifest(r.Release.Manifest)
	}
	return out
}

// history is History with the manifests of h parsed.
func history(h []release.Revision, ms []*render.Manifest) []Entry {
	out := make([]Entry, len(h))
	for i, r := range h {
		rel := r.Release
		e := Entry{
			Revision:     rel.Version,
			Images:       serviceImages(ms[i]),
			Cause:        r.Meta.Cause,
			Scaled:       r.Meta.Scaled,
			User:         r.Meta.User,
			Commit:       r.Meta.Commit,
			BerthVersion: r.Meta.BerthVersion,
		}
		var desc string
		if rel.Info != nil {
			e.Updated = rel.Info.LastDeployed.Time
			e.Status = rel.Info.Status.String()
			desc = rel.Info.Description
		}
		if m := helmRollback.FindStringSubmatch(desc); m != nil {
			// Helm's rollback copies the target's chart, hence its Meta:
			// the cause is Helm's.
			e.RollbackOf, _ = strconv.Atoi(m[1])
			e.Cause = "helm rollback to " + m[1]
			e.User, e.Commit, e.BerthVersion = "", "", ""
		} else if m := berthRollback.FindStringSubmatch(e.Cause); m != nil {
			e.RollbackOf, _ = strconv.Atoi(m[1])
		}
		switch {
		case rel.Info != nil && (rel.Info.Status == hrelease.StatusFailed || rel.Info.Status.IsPending()):
			e.Description = desc
		case e.Cause == "":
			// Written by Helm with a chart of its own: Helm's words.
			e.Cause, e.Description = desc, desc
		default:
			var prev *render.Manifest
			if i > 0 {
				prev = ms[i-1]
			}
			e.Description = changes(prev, ms[i], i == 0)
		}
		out[i] = e
	}
	markRolledBack(out)
	return out
}

// markRolledBack marks superseded revisions that a rollback undid.
func markRolledBack(es []Entry) {
	for i := range es {
		if es[i].Status != hrelease.StatusSuperseded.String() {
			continue
		}
		for j := i + 1; j < len(es); j++ {
			if es[j].Status != hrelease.StatusDeployed.String() && es[j].Status != hrelease.StatusSuperseded.String() {
				continue // failed ones did not replace it
			}
			if es[j].RollbackOf != 0 && es[j].RollbackOf < es[i].Revision {
				es[i].Status = StatusRolledBack
			}
			break
		}
	}
}

// serviceImages maps each service of a manifest to the image of its first
// container.
func serviceImages(m *render.Manifest) map[string]string {
	out := map[string]string{}
	for _, w := range deploy.Workloads(m) {
		for _, c := range w.Containers {
			if !c.Init {
				out[w.Service] = c.Image
				break
			}
		}
	}
	return out
}

// changes summarises what a revision changed against the one before it.
func changes(prev, cur *render.Manifest, first bool) string {
	objs := cur.Objects()
	if first {
		return fmt.Sprintf("first revision: %d objects", len(objs))
	}
	before := map[string]string{}
	for _, o := range prev.Objects() {
		before[key(o)] = string(o.YAML)
	}
	var changed, added []string
	for _, o := range objs {
		k := key(o)
		old, ok := before[k]
		switch {
		case !ok:
			added = append(added, k)
		case !sameIgnoringCause(old, string(o.YAML)):
			changed = append(changed, k)
		}
		delete(before, k)
	}
	removed := make([]string, 0, len(before))
	for k := range before {
		removed = append(removed, k)
	}
	sort.Strings(removed)
	var parts []string
	for _, p := range []struct {
		verb string
		keys []string
	}{{"changed", changed}, {"added", added}, {"removed", removed}} {
		if len(p.keys) > 0 {
			parts = append(parts, p.verb+" "+strings.Join(p.keys, ", "))
		}
	}
	if len(parts) == 0 {
		return "no changes"
	}
	return strings.Join(parts, "; ")
}

func key(o render.Object) string { return strings.ToLower(o.Kind) + "/" + o.Name }

// sameIgnoringCause compares two manifests of an object without their
// change-cause lines: a new cause alone is no change of the app.
func sameIgnoringCause(a, b string) bool {
	strip := func(s string) string {
		lines := strings.Split(s, "\n")
		out := lines[:0]
		for _, l := range lines {
			if !strings.Contains(l, "kubernetes.io/change-cause:") {
				out = append(out, l)
			}
		}
		return strings.Join(out, "\n")
	}
	return a == b || strip(a) == strip(b)
}

// Short is an image reference shortened for a table: its digest (12 hex
// digits) when it has one, else its tag ("latest" when it has neither).
func Short(image string) string {
	if _, d, ok := strings.Cut(image, "@"); ok {
		alg, hex, _ := strings.Cut(d, ":")
		if len(hex) > 12 {
			hex = hex[:12]
		}
		return alg + ":" + hex
	}
	if i := strings.LastIndex(image, ":"); i > strings.LastIndex(image, "/") {
		return image[i+1:]
	}
	return "latest"
}

// Detail is one revision with what it ran, and optionally how its manifest
// differs from another revision's.
type Detail struct {
	Entry
	// Values are the chart values it was rendered with, Secret data
	// redacted.
	Values map[string]any `json:"values"`
	// Against is the revision Diff compares with (0: none).
	Against int         `json:"against,omitempty"`
	Diff    []kube.Diff `json:"diff,omitempty"`
}

// Redacted is what Secret values are replaced by.
const Redacted = "(redacted)"

// RedactValues returns a copy of chart values with Secret data replaced.
func RedactValues(values map[string]any) map[string]any {
	out := make(map[string]any, len(values))
	for k, v := range values {
		out[k] = v
	}
	secrets, _ := values["secrets"].(map[string]any)
	if secrets == nil {
		return out
	}
	red := map[string]any{}
	for name, s := range secrets {
		sm, _ := s.(map[string]any)
		data, _ := sm["data"].(map[string]any)
		rd := map[string]any{}
		for k := range data {
			rd[k] = Redacted
		}
		red[name] = map[string]any{"data": rd}
	}
	out["secrets"] = red
	return out
}

// Describe details revision rev of h, diffed against revision against
// when it is not 0.
func Describe(h []release.Revision, rev, against int) (*Detail, error) {
	ms := manifests(h)
	entries := history(h, ms)
	find := func(v int) (int, error) {
		for i, r := range h {
			if r.Release.Version == v {
				return i, nil
			}
		}
		return 0, &RevisionError{Revision: v, History: h}
	}
	i, err := find(rev)
	if err != nil {
		return nil, err
	}
	d := &Detail{Entry: entries[i], Values: RedactValues(h[i].Release.Config)}
	if against == 0 {
		return d, nil
	}
	j, err := find(against)
	if err != nil {
		return nil, err
	}
	from, err := kube.Decode(docs(ms[j]))
	if err != nil {
		return nil, fmt.Errorf("revision %d: %w", against, err)
	}
	to, err := kube.Decode(docs(ms[i]))
	if err != nil {
		return nil, fmt.Errorf("revision %d: %w", rev, err)
	}
	d.Against = against
	d.Diff, err = kube.DiffObjects(from, to, fmt.Sprintf("revision-%d", against), fmt.Sprintf("revision-%d", rev))
	return d, err
}

func docs(m *render.Manifest) [][]byte {
	objs := m.Objects()
	out := make([][]byte, len(objs))
	for i, o := range objs {
		out[i] = o.YAML
	}
	return out
}

// RevisionError names a revision the history does not have.
type RevisionError struct {
	Revision int
	History  []release.Revision
}

func (e *RevisionError) Error() string {
	if len(e.History) == 0 {
		return fmt.Sprintf("there is no revision %d: the app has no revisions", e.Revision)
	}
	return fmt.Sprintf("there is no revision %d (the history has %d to %d; older ones are pruned beyond --history-max)",
		e.Revision, e.History[0].Release.Version, e.History[len(e.History)-1].Release.Version)
}

// DiffTarget picks what berth history --revision rev --diff diff shows:
// rev 0 is the newest revision of h; diff -1 is the revision before rev,
// 0 no diff, else the revision to diff against. It is an error when rev
// has no revision before it to diff against.
func DiffTarget(h []release.Revision, rev, diff int) (revision, against int, err error) {
	if rev == 0 && len(h) > 0 {
		rev = h[len(h)-1].Release.Version
	}
	if diff != -1 {
		return rev, diff, nil
	}
	for i, r := range h {
		if r.Release.Version == rev && i > 0 {
			against = h[i-1].Release.Version
		}
	}
	if against == 0 {
		return rev, 0, fmt.Errorf("revision %d is the oldest recorded: there is nothing before it to diff against", rev)
	}
	return rev, against, nil
}
