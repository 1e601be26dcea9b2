package release_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	hrelease "helm.sh/helm/v3/pkg/release"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/berth-dev/berth/internal/release"
	"github.com/berth-dev/berth/internal/render"
	"github.com/berth-dev/berth/internal/testutil"
)

// helmCLI runs the real Helm 3 CLI against the sandbox, with its own
// cache, config and data folders.
type helmCLI struct {
	t    *testing.T
	path string
	dir  string
}

func newHelm(t *testing.T) *helmCLI {
	t.Helper()
	return &helmCLI{t: t, path: testutil.Tool(t, "helm", "make tools"), dir: t.TempDir()}
}

func (h *helmCLI) run(args ...string) []byte {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(h.t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, h.path, append(args, "--kubeconfig", cluster.Kubeconfig)...)
	cmd.Env = []string{
		"HOME=" + h.dir,
		"HELM_CACHE_HOME=" + h.dir + "/cache",
		"HELM_CONFIG_HOME=" + h.dir + "/config",
		"HELM_DATA_HOME=" + h.dir + "/data",
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		h.t.Fatalf("helm %v: %v\n%s", args, err, stderr.String())
	}
	return stdout.Bytes()
}

func (h *helmCLI) json(v any, args ...string) {
	h.t.Helper()
	out := h.run(append(args, "-o", "json")...)
	if err := json.Unmarshal(out, v); err != nil {
		h.t.Fatalf("helm %v: %v\n%s", args, err, out)
	}
}

// helmListed and helmRevision are the fields of helm list -o json and helm
// history -o json these tests check.
type helmListed struct {
	Name       string `json:"name"`
	Namespace  string `json:"namespace"`
	Revision   string `json:"revision"`
	Status     string `json:"status"`
	Chart      string `json:"chart"`
	AppVersion string `json:"app_version"`
}

type helmRevision struct {
	Revision    int    `json:"revision"`
	Status      string `json:"status"`
	Chart       string `json:"chart"`
	AppVersion  string `json:"app_version"`
	Description string `json:"description"`
}

// TestHelmReadsBerthRecords checks that the Helm CLI lists, shows the
// history, values and manifests of revisions berth recorded.
func TestHelmReadsBerthRecords(t *testing.T) {
	t.Parallel()
	cs, ns, s := setup(t)
	helm := newHelm(t)
	lock(t, cs, ns, "web")
	lock(t, cs, ns, "api")
	deploy(t, s, "web", "1", "", metaOf("1"))
	deploy(t, s, "web", "2", "", metaOf("2"))
	deploy(t, s, "web", "3", "web did not become ready: ImagePullBackOff", metaOf("3"))
	deploy(t, s, "api", "1", "", metaOf("1"))

	var listed []helmListed
	helm.json(&listed, "list", "-n", ns)
	want := []helmListed{
		{Name: "api", Namespace: ns, Revision: "1", Status: "deployed", Chart: "app-0.1.0", AppVersion: "1.2.3"},
		{Name: "web", Namespace: ns, Revision: "3", Status: "failed", Chart: "app-0.1.0", AppVersion: "1.2.3"},
	}
	if diff := cmp.Diff(want, listed); diff != "" {
		t.Errorf("helm list (-want +got):\n%s", diff)
	}
	// Release labels select in helm list.
	listed = nil
	helm.json(&listed, "list", "-n", ns, "--selector", release.LabelCommit+"="+metaOf("1").Commit)
	if len(listed) != 1 || listed[0].Name != "api" {
		t.Errorf("helm list --selector commit: %+v, want api only", listed)
	}

	var history []helmRevision
	helm.json(&history, "history", "web", "-n", ns)
	wantHistory := []helmRevision{
		{1, "superseded", "app-0.1.0", "1.2.3", "deploy of 1"},
		{2, "deployed", "app-0.1.0", "1.2.3", "deploy of 2"},
		{3, "failed", "app-0.1.0", "1.2.3", "web did not become ready: ImagePullBackOff"},
	}
	if diff := cmp.Diff(wantHistory, history); diff != "" {
		t.Errorf("helm history (-want +got):\n%s", diff)
	}

	for _, rev := range []string{"1", "2", "3"} {
		var got map[string]any
		helm.json(&got, "get", "values", "web", "-n", ns, "--revision", rev)
		if diff := cmp.Diff(jsonish(t, values(rev)), any(got)); diff != "" {
			t.Errorf("helm get values --revision %s (-want +got):\n%s", rev, diff)
		}
		if got, want := string(helm.run("get", "manifest", "web", "-n", ns, "--revision", rev)), configMap("web", rev)+"\n"; got != want {
			t.Errorf("helm get manifest --revision %s:\n%s\nwant:\n%s", rev, got, want)
		}
	}
	// Without --revision, helm shows the newest revision, even failed.
	var latest map[string]any
	helm.json(&latest, "get", "values", "web", "-n", ns)
	if diff := cmp.Diff(jsonish(t, values("3")), any(latest)); diff != "" {
		t.Errorf("helm get values (-want +got):\n%s", diff)
	}
}

// applyConfigMaps creates or updates the ConfigMaps of a manifest written by
// configMap, as berth's apply would.
func applyConfigMaps(t *testing.T, cs kubernetes.Interface, ns string, cms map[string]string) {
	t.Helper()
	ctx := t.Context()
	for name, v := range cms {
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name}, Data: map[string]string{"v": v}}
		_, err := cs.CoreV1().ConfigMaps(ns).Create(ctx, cm, metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) {
			_, err = cs.CoreV1().ConfigMaps(ns).Update(ctx, cm, metav1.UpdateOptions{})
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestHelmRollback checks that helm rollback works on a history berth
// wrote (it applies the old manifest), and that berth reads and continues
// the history Helm wrote.
func TestHelmRollback(t *testing.T) {
	t.Parallel()
	cs, ns, s := setup(t)
	ctx := t.Context()
	helm := newHelm(t)
	const app = "web"
	l := lock(t, cs, ns, app)

	deploy(t, s, app, "1", "", metaOf("1"))
	applyConfigMaps(t, cs, ns, map[string]string{"web": "1"})
	rel, err := s.Begin(ctx, app, testChart(values("2")), values("2"), configMap(app, "2", "extra"), metaOf("2"))
	if err != nil {
		t.Fatal(err)
	}
	applyConfigMaps(t, cs, ns, map[string]string{"web": "2", "web-extra": "2"})
	if err := s.Succeed(ctx, rel); err != nil {
		t.Fatal(err)
	}

	// A person runs helm rollback while no berth runs.
	if err := l.Release(ctx); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	helm.run("rollback", app, "1", "-n", ns)
	t.Logf("helm rollback took %s", time.Since(t0).Round(time.Millisecond))

	// It applied revision 1's manifest: data back to 1, the extra ConfigMap
	// of revision 2 deleted.
	cm, err := cs.CoreV1().ConfigMaps(ns).Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if cm.Data["v"] != "1" || cm.Labels["app.kubernetes.io/managed-by"] != "Helm" {
		t.Errorf("ConfigMap after rollback: data %v, labels %v", cm.Data, cm.Labels)
	}
	if _, err := cs.CoreV1().ConfigMaps(ns).Get(ctx, "web-extra", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("web-extra after rollback: %v, want NotFound", err)
	}

	h := history(t, s, app)
	want := []row{
		{1, hrelease.StatusSuperseded, "deploy of 1"},
		{2, hrelease.StatusSuperseded, "deploy of 2"},
		{3, hrelease.StatusDeployed, "Rollback to 1"},
	}
	if diff := cmp.Diff(want, rows(h)); diff != "" {
		t.Fatalf("history after helm rollback (-want +got):\n%s", diff)
	}
	rb := h[2].Release
	if diff := cmp.Diff(jsonish(t, values("1")), rb.Config); diff != "" {
		t.Errorf("rollback revision's values (-want +got):\n%s", diff)
	}
	if rb.Manifest != configMap(app, "1") {
		t.Errorf("rollback revision's manifest %q", rb.Manifest)
	}
	// Helm copies revision 1's labels to the revision it writes.
	if diff := cmp.Diff(map[string]string{release.LabelManagedBy: "berth", release.LabelCommit: metaOf("1").Commit}, rb.Labels); diff != "" {
		t.Errorf("rollback revision's labels (-want +got):\n%s", diff)
	}
	// Berth's metadata lives in the release's chart: revision 2, which Helm
	// re-wrote as superseded, keeps it, and Helm's rollback revision copies
	// revision 1's chart, so it carries revision 1's (images, scale).
	gotMeta := []release.Meta{h[0].Meta, h[1].Meta, h[2].Meta}
	if diff := cmp.Diff([]release.Meta{metaOf("1"), metaOf("2"), metaOf("1")}, gotMeta); diff != "" {
		t.Errorf("metadata after helm rollback (-want +got):\n%s", diff)
	}
	if cur, err := s.Current(ctx, app); err != nil || cur == nil || cur.Version != 3 {
		t.Fatalf("Current after helm rollback = %v, %v; want revision 3", cur, err)
	}

	// Berth deploys on top of Helm's revision.
	lock(t, cs, ns, app)
	deploy(t, s, app, "4", "", metaOf("4"))
	want = []row{
		{1, hrelease.StatusSuperseded, "deploy of 1"},
		{2, hrelease.StatusSuperseded, "deploy of 2"},
		{3, hrelease.StatusSuperseded, "Rollback to 1"},
		{4, hrelease.StatusDeployed, "deploy of 4"},
	}
	if diff := cmp.Diff(want, rows(history(t, s, app))); diff != "" {
		t.Errorf("history after berth deploys again (-want +got):\n%s", diff)
	}
	var hh []helmRevision
	helm.json(&hh, "history", app, "-n", ns)
	wantHelm := []helmRevision{
		{1, "superseded", "app-0.1.0", "1.2.3", "deploy of 1"},
		{2, "superseded", "app-0.1.0", "1.2.3", "deploy of 2"},
		{3, "superseded", "app-0.1.0", "1.2.3", "Rollback to 1"},
		{4, "deployed", "app-0.1.0", "1.2.3", "deploy of 4"},
	}
	if diff := cmp.Diff(wantHelm, hh); diff != "" {
		t.Errorf("helm history after berth deploys again (-want +got):\n%s", diff)
	}
}

// TestHelmBerthChart records a revision with berth's own chart (charts/app
// as render.LoadChart builds it) and checks that helm reads it.
func TestHelmBerthChart(t *testing.T) {
	t.Parallel()
	cs, ns, s := setup(t)
	helm := newHelm(t)
	const app = "shop"
	lock(t, cs, ns, app)
	vals := map[string]any{"services": map[string]any{}}
	valuesYAML, err := json.Marshal(vals)
	if err != nil {
		t.Fatal(err)
	}
	ch, err := render.LoadChart(app, valuesYAML)
	if err != nil {
		t.Fatal(err)
	}
	rel, err := s.Begin(t.Context(), app, ch, vals, configMap(app, "1"), metaOf("1"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Succeed(t.Context(), rel); err != nil {
		t.Fatal(err)
	}
	var history []helmRevision
	helm.json(&history, "history", app, "-n", ns)
	if len(history) != 1 || history[0].Status != "deployed" || history[0].Chart != ch.Metadata.Name+"-"+ch.Metadata.Version {
		t.Errorf("helm history: %+v", history)
	}
	var got map[string]any
	helm.json(&got, "get", "values", app, "-n", ns)
	if diff := cmp.Diff(jsonish(t, vals), any(got)); diff != "" {
		t.Errorf("helm get values (-want +got):\n%s", diff)
	}
}
