package release_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	hrelease "helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage/driver"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/internal/release"
)

// row is what these tests compare of a revision.
type row struct {
	Version     int
	Status      hrelease.Status
	Description string
}

func rows(h []release.Revision) []row {
	out := make([]row, 0, len(h))
	for _, r := range h {
		out = append(out, row{r.Release.Version, r.Release.Info.Status, r.Release.Info.Description})
	}
	return out
}

func history(t *testing.T, s *release.Store, app string) []release.Revision {
	t.Helper()
	h, err := s.History(t.Context(), app)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func metaOf(v string) release.Meta {
	return release.Meta{
		Images:       map[string]string{"web": "registry.example/web:" + v + "@sha256:" + strings.Repeat(v, 64)[:64], "worker": "registry.example/worker:" + v},
		Cause:        "deploy of " + v,
		Commit:       strings.Repeat("c"+v, 20)[:40],
		BerthVersion: "v0.4." + v + "+dirty", // not a valid label value
		User:         "alice@laptop",
	}
}

// TestRecords walks an app through installs, an upgrade, a failure and an
// interrupted deploy, checking statuses, descriptions, contents and metadata
// after each step.
func TestRecords(t *testing.T) {
	t.Parallel()
	cs, ns, s := setup(t)
	ctx := t.Context()
	const app = "web"
	lock(t, cs, ns, app)

	if cur, err := s.Current(ctx, app); err != nil || cur != nil {
		t.Fatalf("Current before any deploy = %v, %v; want nil, nil", cur, err)
	}
	if h := history(t, s, app); len(h) != 0 {
		t.Fatalf("History before any deploy has %d revisions", len(h))
	}

	// Revision 1: pending-install, then deployed.
	rel, err := s.Begin(ctx, app, testChart(values("1")), values("1"), configMap(app, "1"), metaOf("1"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]row{{1, hrelease.StatusPendingInstall, "deploy of 1"}}, rows(history(t, s, app))); diff != "" {
		t.Errorf("after Begin (-want +got):\n%s", diff)
	}
	if err := s.Succeed(ctx, rel); err != nil {
		t.Fatal(err)
	}

	deploy(t, s, app, "2", "", metaOf("2"))
	deploy(t, s, app, "3", "web did not become ready: ImagePullBackOff", metaOf("3"))
	deploy(t, s, app, "4", "", release.Meta{}) // no metadata at all
	deploy(t, s, app, "5", "pending", metaOf("5"))

	want := []row{
		{1, hrelease.StatusSuperseded, "deploy of 1"},
		{2, hrelease.StatusSuperseded, "deploy of 2"},
		{3, hrelease.StatusFailed, "web did not become ready: ImagePullBackOff"},
		{4, hrelease.StatusDeployed, "berth deploy"},
		{5, hrelease.StatusPendingUpgrade, "deploy of 5"},
	}
	h := history(t, s, app)
	if diff := cmp.Diff(want, rows(h)); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}

	// Contents and metadata of every revision, after their status updates.
	for _, r := range h {
		v := fmt.Sprint(r.Release.Version)
		wantMeta := metaOf(v)
		if v == "4" {
			wantMeta = release.Meta{}
		}
		if diff := cmp.Diff(wantMeta, r.Meta); diff != "" {
			t.Errorf("revision %s: History meta (-want +got):\n%s", v, diff)
		}
		m, err := s.Meta(ctx, app, r.Release.Version)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(wantMeta, m); diff != "" {
			t.Errorf("revision %s: Meta (-want +got):\n%s", v, diff)
		}
		got, err := s.Get(ctx, app, r.Release.Version)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(jsonish(t, values(v)), got.Config); diff != "" {
			t.Errorf("revision %s: values (-want +got):\n%s", v, diff)
		}
		if diff := cmp.Diff(jsonish(t, values(v)), got.Chart.Values); diff != "" {
			t.Errorf("revision %s: chart values (-want +got):\n%s", v, diff)
		}
		if got.Manifest != configMap(app, v) {
			t.Errorf("revision %s: manifest %q, want %q", v, got.Manifest, configMap(app, v))
		}
		if got.Namespace != ns || got.Name != app || got.Chart.Metadata.Name != "app" || len(got.Chart.Templates) != 1 {
			t.Errorf("revision %s: name %s/%s, chart %s with %d templates", v, got.Namespace, got.Name, got.Chart.Metadata.Name, len(got.Chart.Templates))
		}
		wantLabels := map[string]string{release.LabelManagedBy: "berth"}
		if wantMeta.Commit != "" {
			wantLabels[release.LabelCommit] = wantMeta.Commit // the berth version has a "+": no label
		}
		if diff := cmp.Diff(wantLabels, got.Labels); diff != "" {
			t.Errorf("revision %s: Get labels (-want +got):\n%s", v, diff)
		}
		if diff := cmp.Diff(wantLabels, r.Release.Labels); diff != "" {
			t.Errorf("revision %s: History labels (-want +got):\n%s", v, diff)
		}
		if !got.Info.FirstDeployed.Equal(h[0].Release.Info.FirstDeployed) {
			t.Errorf("revision %s: first deployed %v, want revision 1's %v", v, got.Info.FirstDeployed, h[0].Release.Info.FirstDeployed)
		}
	}

	cur, err := s.Current(ctx, app)
	if err != nil {
		t.Fatal(err)
	}
	if cur == nil || cur.Version != 4 {
		t.Fatalf("Current = %v, want revision 4", cur)
	}

	// The Secrets are in Helm's format.
	sec, err := cs.CoreV1().Secrets(ns).Get(ctx, "sh.helm.release.v1.web.v2", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sec.Type != "helm.sh/release.v1" {
		t.Errorf("Secret type %q", sec.Type)
	}
	for k, v := range map[string]string{"owner": "helm", "name": app, "status": "superseded", "version": "2", release.LabelManagedBy: "berth"} {
		if sec.Labels[k] != v {
			t.Errorf("Secret label %s=%q, want %q (labels %v)", k, sec.Labels[k], v, sec.Labels)
		}
	}
	// Meta travels inside the release (its chart's metadata), not on the
	// Secret, so that every writer of the release keeps it.
	if len(sec.Annotations) != 0 {
		t.Errorf("Secret annotations %v, want none", sec.Annotations)
	}

	// Revision 6 finds 5 pending: berth was killed. It is marked interrupted.
	deploy(t, s, app, "6", "", metaOf("6"))
	want = []row{
		{1, hrelease.StatusSuperseded, "deploy of 1"},
		{2, hrelease.StatusSuperseded, "deploy of 2"},
		{3, hrelease.StatusFailed, "web did not become ready: ImagePullBackOff"},
		{4, hrelease.StatusSuperseded, "berth deploy"},
		{5, hrelease.StatusFailed, release.Interrupted},
		{6, hrelease.StatusDeployed, "deploy of 6"},
	}
	h = history(t, s, app)
	if diff := cmp.Diff(want, rows(h)); diff != "" {
		t.Errorf("history after an interrupted deploy (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(metaOf("5"), h[4].Meta); diff != "" {
		t.Errorf("interrupted revision's meta (-want +got):\n%s", diff)
	}

	// Delete removes every record.
	deleted, err := s.Delete(ctx, app)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int{1, 2, 3, 4, 5, 6}, deleted); diff != "" {
		t.Errorf("Delete (-want +got):\n%s", diff)
	}
	if h := history(t, s, app); len(h) != 0 {
		t.Errorf("History after Delete: %v", rows(h))
	}
	if cur, err := s.Current(ctx, app); err != nil || cur != nil {
		t.Errorf("Current after Delete = %v, %v", cur, err)
	}
	secs, err := cs.CoreV1().Secrets(ns).List(ctx, metav1.ListOptions{LabelSelector: "owner=helm"})
	if err != nil {
		t.Fatal(err)
	}
	if len(secs.Items) != 0 {
		t.Errorf("%d Secrets left after Delete", len(secs.Items))
	}
	// Deleting again is no error.
	if deleted, err := s.Delete(ctx, app); err != nil || len(deleted) != 0 {
		t.Errorf("second Delete = %v, %v", deleted, err)
	}
}

// TestAppsApart checks that the records of two apps in one namespace do not
// mix.
func TestAppsApart(t *testing.T) {
	t.Parallel()
	cs, ns, s := setup(t)
	lock(t, cs, ns, "web")
	lock(t, cs, ns, "web2")
	deploy(t, s, "web", "1", "", metaOf("1"))
	deploy(t, s, "web2", "1", "", metaOf("1"))
	deploy(t, s, "web2", "2", "", metaOf("2"))
	if diff := cmp.Diff([]row{{1, hrelease.StatusDeployed, "deploy of 1"}}, rows(history(t, s, "web"))); diff != "" {
		t.Errorf("web (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]row{{1, hrelease.StatusSuperseded, "deploy of 1"}, {2, hrelease.StatusDeployed, "deploy of 2"}}, rows(history(t, s, "web2"))); diff != "" {
		t.Errorf("web2 (-want +got):\n%s", diff)
	}
}

// TestRecoverPending checks that revisions left pending are marked failed,
// and only they.
func TestRecoverPending(t *testing.T) {
	t.Parallel()
	cs, ns, s := setup(t)
	ctx := t.Context()
	const app = "api"
	lock(t, cs, ns, app)
	deploy(t, s, app, "1", "pending", metaOf("1"))

	// The first revision was interrupted; as in Helm, the next one upgrades it.
	rel, err := s.Begin(ctx, app, testChart(values("2")), values("2"), configMap(app, "2"), metaOf("2"))
	if err != nil {
		t.Fatal(err)
	}
	want := []row{{1, hrelease.StatusFailed, release.Interrupted}, {2, hrelease.StatusPendingUpgrade, "deploy of 2"}}
	if diff := cmp.Diff(want, rows(history(t, s, app))); diff != "" {
		t.Errorf("after Begin (-want +got):\n%s", diff)
	}

	recovered, err := s.RecoverPending(ctx, app)
	if err != nil {
		t.Fatal(err)
	}
	if len(recovered) != 1 || recovered[0].Version != 2 {
		t.Fatalf("RecoverPending recovered %v, want revision 2", recovered)
	}
	recovered, err = s.RecoverPending(ctx, app)
	if err != nil || len(recovered) != 0 {
		t.Fatalf("second RecoverPending = %v, %v; want nothing", recovered, err)
	}
	// The caller that still holds rel may record its outcome.
	if err := s.Succeed(ctx, rel); err != nil {
		t.Fatal(err)
	}
	want = []row{{1, hrelease.StatusFailed, release.Interrupted}, {2, hrelease.StatusDeployed, "deploy of 2"}}
	if diff := cmp.Diff(want, rows(history(t, s, app))); diff != "" {
		t.Errorf("after Succeed (-want +got):\n%s", diff)
	}
}

// TestPrune checks that Prune deletes the oldest revisions down to max but
// keeps the current deployed revision, the last good one, the newest and
// pending ones.
func TestPrune(t *testing.T) {
	t.Parallel()
	cs, ns, s := setup(t)
	tests := []struct {
		name     string
		outcomes []string // per revision: "" deployed, "pending", or a failure reason
		max      int
		deleted  []int
		left     []int
	}{
		{"under max", []string{"", "", ""}, 10, nil, []int{1, 2, 3}},
		{"no limit", []string{"", "", "", "", ""}, 0, nil, []int{1, 2, 3, 4, 5}},
		{"oldest go first", []string{"", "", "", "", ""}, 3, []int{1, 2}, []int{3, 4, 5}},
		{"max 1 keeps the current and the last good one", []string{"", "", "", ""}, 1, []int{1, 2}, []int{3, 4}},
		{"failures after the current", []string{"", "", "x", "x", "x", "x"}, 2, []int{3, 4, 5}, []int{1, 2, 6}},
		{"failures before the current", []string{"x", "x", "", "x", ""}, 2, []int{1, 2, 4}, []int{3, 5}},
		{"nothing ever deployed", []string{"x", "x", "x"}, 1, []int{1, 2}, []int{3}},
		{"pending kept", []string{"", "", "", "pending"}, 1, []int{1}, []int{2, 3, 4}},
		{"max 2 in a long history", []string{"", "x", "", "", "x", "", "x", "", "", ""}, 2, []int{1, 2, 3, 4, 5, 6, 7, 8}, []int{9, 10}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			app := fmt.Sprintf("app%d", i)
			lock(t, cs, ns, app)
			for v, outcome := range tt.outcomes {
				if outcome == "pending" && v != len(tt.outcomes)-1 {
					t.Fatal("only the newest revision can be pending: Begin recovers the others")
				}
				deploy(t, s, app, fmt.Sprint(v+1), outcome, metaOf(fmt.Sprint(v+1)))
			}
			deleted, err := s.Prune(ctx, app, tt.max)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.deleted, deleted); diff != "" {
				t.Errorf("deleted (-want +got):\n%s", diff)
			}
			var left []int
			for _, r := range history(t, s, app) {
				left = append(left, r.Release.Version)
			}
			if diff := cmp.Diff(tt.left, left); diff != "" {
				t.Errorf("left (-want +got):\n%s", diff)
			}
		})
	}
}

// TestBeginNeedsLock checks that Begin refuses to record (and to recover
// pending revisions) while no berth holds the app's lock.
func TestBeginNeedsLock(t *testing.T) {
	t.Parallel()
	cs, ns, s := setup(t)
	ctx := t.Context()
	_, err := s.Begin(ctx, "web", testChart(values("1")), values("1"), configMap("web", "1"), release.Meta{})
	if !errors.Is(err, release.ErrNotLocked) {
		t.Fatalf("Begin without the lock: %v, want ErrNotLocked", err)
	}
	l, err := release.Acquire(ctx, cs, ns, "web", "me", 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Begin(ctx, "web", testChart(values("1")), values("1"), configMap("web", "1"), release.Meta{}); err != nil {
		t.Fatalf("Begin with the lock: %v", err)
	}
	if err := l.Release(ctx); err != nil {
		t.Fatal(err)
	}
	_, err = s.Begin(ctx, "web", testChart(values("2")), values("2"), configMap("web", "2"), release.Meta{})
	if !errors.Is(err, release.ErrNotLocked) {
		t.Fatalf("Begin after Release: %v, want ErrNotLocked", err)
	}
	if diff := cmp.Diff([]row{{1, hrelease.StatusPendingInstall, "berth deploy"}}, rows(history(t, s, "web"))); diff != "" {
		t.Errorf("the pending revision must stay pending (-want +got):\n%s", diff)
	}
}

// TestMissing checks the answers about apps and revisions that do not exist,
// and names Helm cannot store.
func TestMissing(t *testing.T) {
	t.Parallel()
	_, _, s := setup(t)
	ctx := t.Context()
	if _, err := s.Get(ctx, "nope", 3); !errors.Is(err, driver.ErrReleaseNotFound) {
		t.Errorf("Get of a missing revision: %v, want ErrReleaseNotFound", err)
	}
	if _, err := s.Meta(ctx, "nope", 3); !errors.Is(err, driver.ErrReleaseNotFound) {
		t.Errorf("Meta of a missing revision: %v, want ErrReleaseNotFound", err)
	}
	if deleted, err := s.Prune(ctx, "nope", 1); err != nil || deleted != nil {
		t.Errorf("Prune of a missing app = %v, %v", deleted, err)
	}
	if got, err := s.RecoverPending(ctx, "nope"); err != nil || got != nil {
		t.Errorf("RecoverPending of a missing app = %v, %v", got, err)
	}
	for _, bad := range []string{"Web", "web_1", strings.Repeat("a", 54), ""} {
		if _, err := s.History(ctx, bad); err == nil || !strings.Contains(err.Error(), "cannot be a Helm release name") {
			t.Errorf("History(%q): %v, want an invalid-name error", bad, err)
		}
	}
}

// TestStoreDriver checks a Store on Helm's in-memory driver, with no
// cluster: it records, marks and prunes revisions as the Secrets one does,
// and checks no lock.
func TestStoreDriver(t *testing.T) {
	t.Parallel()
	s := release.NewStoreDriver(driver.NewMemory(), "shop-ns")
	deploy(t, s, "web", "1", "", release.Meta{Cause: "first"})
	deploy(t, s, "web", "2", "crashed", release.Meta{})
	deploy(t, s, "web", "3", "pending", release.Meta{})
	v := deploy(t, s, "web", "4", "", release.Meta{Cause: "fixed"})
	h, err := s.History(t.Context(), "web")
	if err != nil {
		t.Fatal(err)
	}
	want := []row{
		{1, hrelease.StatusSuperseded, "first"},
		{2, hrelease.StatusFailed, "crashed"},
		{3, hrelease.StatusFailed, release.Interrupted},
		{4, hrelease.StatusDeployed, "fixed"},
	}
	if diff := cmp.Diff(want, rows(h)); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
	if h[3].Release.Namespace != "shop-ns" || v != 4 {
		t.Errorf("revision %d in namespace %q", v, h[3].Release.Namespace)
	}
	deleted, err := s.Prune(t.Context(), "web", 2)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int{2, 3}, deleted); diff != "" {
		t.Errorf("pruned (-want +got):\n%s", diff)
	}
}
