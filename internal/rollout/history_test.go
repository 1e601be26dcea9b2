package rollout_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"helm.sh/helm/v3/pkg/chart"
	hrelease "helm.sh/helm/v3/pkg/release"
	helmtime "helm.sh/helm/v3/pkg/time"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/release"
	"github.com/berth-dev/berth/internal/render"
	"github.com/berth-dev/berth/internal/rollout"
)

// revision renders a two-service app at version v as a recorded revision.
func revision(t testing.TB, version int, v string, status hrelease.Status, desc string, meta release.Meta) release.Revision {
	t.Helper()
	p, _, err := config.Parse("berth.yaml", []byte(fmt.Sprintf(`apiVersion: berth/v1
name: shop
services:
  web: {image: "registry.example/web:%[1]s", env: {V: "%[1]s"}}
  api: {image: "registry.example/api@sha256:%[2]s"}
secrets:
  db: {password: hunter2}
`, v, strings.Repeat("ab", 32))), config.Options{LookupEnv: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatal(err)
	}
	res, err := render.Render(p, render.Options{ShowSecrets: true})
	if err != nil {
		t.Fatal(err)
	}
	when := helmtime.Time{Time: time.Date(2026, 11, 23, 10, version, 0, 0, time.UTC)}
	if desc == "" {
		desc = meta.Cause
	}
	ch := *res.Chart
	md := *ch.Metadata
	ch.Metadata = &md
	return release.Revision{
		Release: &hrelease.Release{
			Name: "shop", Version: version, Manifest: string(res.Manifest), Config: res.Chart.Values, Chart: (*chart.Chart)(&ch),
			Info: &hrelease.Info{LastDeployed: when, Status: status, Description: desc},
		},
		Meta: meta,
	}
}

func TestHistory(t *testing.T) {
	t.Parallel()
	h := []release.Revision{
		revision(t, 1, "1", hrelease.StatusSuperseded, "", release.Meta{Cause: "one"}),
		revision(t, 2, "2", hrelease.StatusSuperseded, "", release.Meta{Cause: "two"}),
		revision(t, 3, "3", hrelease.StatusFailed, "pod/web-x: Unschedulable: 0/3 nodes", release.Meta{Cause: "three"}),
		revision(t, 4, "1", hrelease.StatusSuperseded, "", release.Meta{Cause: "rollback to 1"}),
		// helm rollback to 2 copies revision 2's chart, hence its Meta.
		revision(t, 5, "2", hrelease.StatusSuperseded, "Rollback to 2", release.Meta{Cause: "two"}),
		// helm upgrade with a chart of its own: no Meta.
		revision(t, 6, "2", hrelease.StatusDeployed, "Upgrade complete", release.Meta{}),
	}
	type row struct {
		Rev                       int
		Status, Cause, Desc, Imgs string
	}
	var got []row
	for _, e := range rollout.History(h) {
		imgs := fmt.Sprint(e.Images["web"], " ", rollout.Short(e.Images["api"]))
		got = append(got, row{e.Revision, e.Status, e.Cause, e.Description, imgs})
	}
	want := []row{
		{1, "superseded", "one", "first revision: 3 objects", "registry.example/web:1 sha256:abababababab"},
		{2, "rolled back", "two", "changed deployment/web", "registry.example/web:2 sha256:abababababab"},
		{3, "failed", "three", "pod/web-x: Unschedulable: 0/3 nodes", "registry.example/web:3 sha256:abababababab"},
		{4, "rolled back", "rollback to 1", "changed deployment/web", "registry.example/web:1 sha256:abababababab"},
		{5, "superseded", "helm rollback to 2", "changed deployment/web", "registry.example/web:2 sha256:abababababab"},
		{6, "deployed", "Upgrade complete", "Upgrade complete", "registry.example/web:2 sha256:abababababab"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("History (-want +got):\n%s", diff)
	}
}

func TestDescribeRedactsAndDiffs(t *testing.T) {
	t.Parallel()
	h := []release.Revision{
		revision(t, 1, "1", hrelease.StatusSuperseded, "", release.Meta{Cause: "one"}),
		revision(t, 2, "2", hrelease.StatusDeployed, "", release.Meta{Cause: "two"}),
	}
	d, err := rollout.Describe(h, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(d.Values["secrets"]) != "map[db:map[data:map[password:(redacted)]]]" {
		t.Errorf("values of revision 2: secrets %v", d.Values["secrets"])
	}
	var all strings.Builder
	for _, df := range d.Diff {
		all.WriteString(df.Unified)
	}
	if !strings.Contains(all.String(), "+++ revision-2/deployment.apps/web") || !strings.Contains(all.String(), "+          value: \"2\"") {
		t.Errorf("diff of revision 2 against 1:\n%s", all.String())
	}
	if strings.Contains(all.String(), "hunter2") || strings.Contains(fmt.Sprint(d), "hunter2") {
		t.Error("a secret value leaked")
	}
	if _, err := rollout.Describe(h, 9, 0); err == nil || !strings.Contains(err.Error(), "history has 1 to 2") {
		t.Errorf("unknown revision: %v", err)
	}
}

func TestDiffTarget(t *testing.T) {
	t.Parallel()
	var h []release.Revision
	for _, v := range []int{3, 4, 6} {
		h = append(h, release.Revision{Release: &hrelease.Release{Name: "shop", Version: v}})
	}
	for _, tc := range []struct {
		name                 string
		rev, diff            int
		wantRev, wantAgainst int
		wantErr              string
	}{
		{name: "newest, no diff", wantRev: 6},
		{name: "newest against the one before", diff: -1, wantRev: 6, wantAgainst: 4},
		{name: "one against the one before", rev: 4, diff: -1, wantRev: 4, wantAgainst: 3},
		{name: "one against a given one", rev: 6, diff: 3, wantRev: 6, wantAgainst: 3},
		{name: "one, no diff", rev: 3, wantRev: 3},
		{name: "the oldest has nothing before it", rev: 3, diff: -1, wantErr: "revision 3 is the oldest recorded: there is nothing before it to diff against"},
		{name: "an unknown one neither", rev: 9, diff: -1, wantErr: "revision 9 is the oldest recorded: there is nothing before it to diff against"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rev, against, err := rollout.DiffTarget(h, tc.rev, tc.diff)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("DiffTarget(%d, %d) error %v, want %q", tc.rev, tc.diff, err, tc.wantErr)
				}
				return
			}
			if err != nil || rev != tc.wantRev || against != tc.wantAgainst {
				t.Errorf("DiffTarget(%d, %d) = %d, %d, %v; want %d, %d", tc.rev, tc.diff, rev, against, err, tc.wantRev, tc.wantAgainst)
			}
		})
	}
}

func TestShort(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"nginx":                         "latest",
		"nginx:1.27":                    "1.27",
		"localhost:5000/web":            "latest",
		"localhost:5000/web:v2":         "v2",
		"r/web@sha256:0123456789abcdef": "sha256:0123456789ab",
	} {
		if got := rollout.Short(in); got != want {
			t.Errorf("Short(%q) = %q, want %q", in, got, want)
		}
	}
}

// BenchmarkHistory: the history of 10 revisions (issue #5's berth history
// target, 300 ms, is for the whole command; this is its computing part).
func BenchmarkHistory(b *testing.B) {
	var h []release.Revision
	for v := 1; v <= 10; v++ {
		h = append(h, revision(b, v, fmt.Sprint(v), hrelease.StatusSuperseded, "", release.Meta{Cause: fmt.Sprint("release ", v)}))
	}
	b.ReportAllocs()
	for b.Loop() {
		rollout.History(h)
	}
}
