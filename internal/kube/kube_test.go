package kube_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	"github.com/berth-dev/berth/internal/build"
	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/kube"
	"github.com/berth-dev/berth/internal/render"
	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/internal/testutil"
)

var cluster *testcluster.Cluster

func TestMain(m *testing.M) { os.Exit(testcluster.Main(m, &cluster)) }

// setup returns a client on the sandbox and a fresh namespace.
func setup(t *testing.T) (*kube.Client, string) {
	t.Helper()
	c := testcluster.Require(t, cluster)
	ns := c.Namespace(t)
	cfg, err := c.RESTConfig()
	if err != nil {
		t.Fatal(err)
	}
	kc, err := kube.NewClientFromConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return kc, ns
}

// renderYAML renders a berth.yaml text into objects for namespace ns.
func renderYAML(t *testing.T, ns, text string) []*unstructured.Unstructured {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "berth.yaml")
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return renderFile(t, ns, file)
}

func renderFile(t *testing.T, ns, file string) []*unstructured.Unstructured {
	t.Helper()
	p, _, err := config.Load(file, config.Options{LookupEnv: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatal(err)
	}
	images := map[string]string{}
	for name, s := range p.Services {
		if s.Build != nil {
			images[name] = build.Repository(p, name) + ":test"
		}
	}
	r, err := render.Render(p, render.Options{Namespace: ns, Images: images, ShowSecrets: true})
	if err != nil {
		t.Fatal(err)
	}
	docs := make([][]byte, len(r.Objects))
	for i, o := range r.Objects {
		docs[i] = o.YAML
	}
	objs, err := kube.Decode(docs)
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

func actions(rs []kube.Result) map[string]kube.Action {
	out := map[string]kube.Action{}
	for _, r := range rs {
		out[r.Ref.String()] = r.Action
	}
	return out
}

const webApp = `apiVersion: berth/v1
name: shop
services:
  web:
    image: nginx:1.27
    replicas: 2
    ports: [{name: http, port: 80}]
    env: {MODE: %s}
  api:
    image: api:1
    ports: [{name: http, port: 8080}]
`

func TestApplyVocabulary(t *testing.T) {
	t.Parallel()
	kc, ns := setup(t)
	ctx := t.Context()
	v1 := renderYAML(t, ns, strings.Replace(webApp, "%s", "one", 1))

	rs, err := kc.Apply(ctx, v1, kube.ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for name, a := range actions(rs) {
		if a != kube.Created {
			t.Errorf("first apply: %s %s, want created", name, a)
		}
	}
	if err := kc.Wait(ctx, refs(rs), kube.WaitOptions{Timeout: time.Minute}); err != nil {
		t.Fatal(err)
	}
	rsBefore := replicaSets(t, kc, ns)

	rs, err = kc.Apply(ctx, v1, kube.ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for name, a := range actions(rs) {
		if a != kube.Unchanged {
			t.Errorf("re-apply: %s %s, want unchanged", name, a)
		}
	}
	if after := replicaSets(t, kc, ns); !slices.Equal(rsBefore, after) {
		t.Errorf("an unchanged apply changed the ReplicaSets: %v → %v", rsBefore, after)
	}

	v2 := renderYAML(t, ns, strings.Replace(webApp, "%s", "two", 1))
	rs, err = kc.Apply(ctx, v2, kube.ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := actions(rs)
	if got["deployment.apps/web"] != kube.Configured || got["deployment.apps/api"] != kube.Unchanged || got["service/web"] != kube.Unchanged {
		t.Errorf("env change: %v, want web configured and the rest unchanged", got)
	}
	if err := kc.Wait(ctx, refs(rs), kube.WaitOptions{Timeout: time.Minute}); err != nil {
		t.Fatal(err)
	}
	// The env change rolled the Deployment: a new ReplicaSet, the old one at 0.
	list, err := kc.Clientset.AppsV1().ReplicaSets(ns).List(ctx, metav1.ListOptions{LabelSelector: "app.kubernetes.io/component=web"})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 2 {
		t.Fatalf("web has %d ReplicaSets after an env change, want 2", len(list.Items))
	}
	zero := 0
	for _, r := range list.Items {
		if *r.Spec.Replicas == 0 {
			zero++
		}
	}
	if zero != 1 {
		t.Errorf("want the old ReplicaSet scaled to 0, got %d at zero", zero)
	}
}

func TestApplyDryRun(t *testing.T) {
	t.Parallel()
	kc, ns := setup(t)
	objs := renderYAML(t, ns, strings.Replace(webApp, "%s", "one", 1))
	for _, mode := range []string{kube.DryRunServer, kube.DryRunClient} {
		rs, err := kc.Apply(t.Context(), objs, kube.ApplyOptions{DryRun: mode})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			if r.Action != kube.Created || !strings.HasSuffix(r.String(), "created ("+mode+" dry run)") {
				t.Errorf("%s dry run: %q", mode, r.String())
			}
		}
	}
	if got := replicaSets(t, kc, ns); len(got) != 0 {
		t.Errorf("a dry run created objects: %v", got)
	}
	// On live objects a server dry run (Check's) tells a change from none.
	if _, err := kc.Apply(t.Context(), objs, kube.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	for text, want := range map[string]kube.Action{"one": kube.Unchanged, "two": kube.Configured} {
		rs, err := kc.Apply(t.Context(), renderYAML(t, ns, strings.Replace(webApp, "%s", text, 1)), kube.ApplyOptions{DryRun: kube.DryRunServer, Selector: "app.kubernetes.io/instance=shop"})
		if err != nil {
			t.Fatal(err)
		}
		if got := actions(rs)["deployment.apps/web"]; got != want {
			t.Errorf("server dry run of %q over \"one\": web %s, want %s", text, got, want)
		}
	}
}

// TestConflict plays `kubectl scale` (another field manager takes
// spec.replicas) and checks berth reports the conflict, then takes the
// field back with Force.
func TestConflict(t *testing.T) {
	t.Parallel()
	kc, ns := setup(t)
	ctx := t.Context()
	objs := renderYAML(t, ns, strings.Replace(webApp, "%s", "one", 1))
	if _, err := kc.Apply(ctx, objs, kube.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	patch := []byte(`{"spec":{"replicas":5}}`)
	if _, err := kc.Clientset.AppsV1().Deployments(ns).Patch(ctx, "web", types.MergePatchType, patch, metav1.PatchOptions{FieldManager: "kubectl-scale"}); err != nil {
		t.Fatal(err)
	}
	_, err := kc.Apply(ctx, objs, kube.ApplyOptions{})
	var ce *kube.ConflictError
	if !errors.As(err, &ce) {
		t.Fatalf("want a ConflictError, got %v", err)
	}
	if !strings.Contains(ce.Error(), "spec.replicas") || !strings.Contains(ce.Error(), "kubectl-scale") || !strings.Contains(ce.Hint(), "--force-conflicts") {
		t.Errorf("conflict error lacks the field, the manager or the way out: %v / %s", ce, ce.Hint())
	}
	rs, err := kc.Apply(ctx, objs, kube.ApplyOptions{Force: true})
	if err != nil {
		t.Fatal(err)
	}
	if a := actions(rs)["deployment.apps/web"]; a != kube.Configured {
		t.Errorf("forced apply: web %s, want configured", a)
	}
	d, err := kc.Clientset.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
	if err != nil || *d.Spec.Replicas != 2 {
		t.Errorf("replicas after --force-conflicts: %v %v, want 2", d.Spec.Replicas, err)
	}
}

func TestPruneKeepsClaims(t *testing.T) {
	t.Parallel()
	kc, ns := setup(t)
	ctx := t.Context()
	const both = `apiVersion: berth/v1
name: shop
services:
  files:
    image: minio:1
    strategy: Recreate
    volumes: [{name: data, mountPath: /data, size: 1Gi}]
  db:
    image: mongo:6
    stateful: true
    volumes: [{name: data, mountPath: /data/db, size: 1Gi}]
  web:
    image: nginx:1.27
`
	v1 := renderYAML(t, ns, both)
	rs, err := kc.Apply(ctx, v1, kube.ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := kc.Wait(ctx, refs(rs), kube.WaitOptions{Timeout: 2 * time.Minute}); err != nil {
		t.Fatal(err)
	}
	v2 := renderYAML(t, ns, "apiVersion: berth/v1\nname: shop\nservices:\n  web:\n    image: nginx:1.27\n")
	stale := kube.Stale(refsOf(v1), refsOf(v2))
	pruned, err := kc.Prune(ctx, stale, kube.PruneOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := actions(pruned)
	want := map[string]kube.Action{
		"deployment.apps/files":            kube.Pruned,
		"statefulset.apps/db":              kube.Pruned,
		"service/db-headless":              kube.Pruned,
		"persistentvolumeclaim/files-data": kube.Kept,
		"persistentvolumeclaim/data-db-0":  kube.Kept,
	}
	for k, a := range want {
		if got[k] != a {
			t.Errorf("%s: %s, want %s (all: %v)", k, got[k], a, got)
		}
	}
	for _, claim := range []string{"files-data", "data-db-0"} {
		if _, err := kc.Clientset.CoreV1().PersistentVolumeClaims(ns).Get(ctx, claim, metav1.GetOptions{}); err != nil {
			t.Errorf("claim %s is gone: %v", claim, err)
		}
	}
	if _, err := kc.Clientset.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{}); err != nil {
		t.Errorf("web was pruned: %v", err)
	}
}

func TestWaitTimesOutOnUnschedulable(t *testing.T) {
	t.Parallel()
	kc, ns := setup(t)
	objs := renderYAML(t, ns, `apiVersion: berth/v1
name: shop
services:
  big:
    image: nginx:1.27
    resources: {requests: {cpu: "1000"}}
`)
	rs, err := kc.Apply(t.Context(), objs, kube.ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var updates int
	err = kc.Wait(t.Context(), refs(rs), kube.WaitOptions{Timeout: 4 * time.Second, OnUpdate: func(kube.Progress) { updates++ }})
	var we *kube.WaitError
	if !errors.As(err, &we) || !we.TimedOut || len(we.NotReady) != 1 || we.NotReady[0].Ref.Name != "big" {
		t.Fatalf("want a timeout naming deployment big, got %v", err)
	}
	if updates == 0 {
		t.Errorf("no progress updates while waiting")
	}
}

// TestExamplesBecomeHealthy applies every example to the sandbox and waits
// until all of it is ready (kwok runs no containers: any image name works).
func TestExamplesBecomeHealthy(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join(testutil.RepoRoot(t), "examples", "*", "berth.yaml"))
	if err != nil || len(files) < 5 {
		t.Fatalf("examples: %v %v", files, err)
	}
	for _, file := range files {
		t.Run(filepath.Base(filepath.Dir(file)), func(t *testing.T) {
			t.Parallel()
			kc, ns := setup(t)
			objs := renderFile(t, ns, file)
			ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
			defer cancel()
			rs, err := kc.Apply(ctx, objs, kube.ApplyOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var waited []kube.Ref
			for _, r := range rs {
				if kube.Waited(r.Ref.Kind) {
					waited = append(waited, r.Ref)
				}
			}
			if err := kc.Wait(ctx, waited, kube.WaitOptions{Timeout: 2 * time.Minute}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func refs(rs []kube.Result) []kube.Ref {
	var out []kube.Ref
	for _, r := range rs {
		if kube.Waited(r.Ref.Kind) {
			out = append(out, r.Ref)
		}
	}
	return out
}

func refsOf(objs []*unstructured.Unstructured) []kube.Ref {
	out := make([]kube.Ref, len(objs))
	for i, o := range objs {
		out[i] = kube.RefOf(o)
	}
	return out
}

func replicaSets(t *testing.T, kc *kube.Client, ns string) []string {
	t.Helper()
	list, err := kc.Clientset.AppsV1().ReplicaSets(ns).List(t.Context(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range list.Items {
		names = append(names, r.Name)
	}
	slices.Sort(names)
	return names
}

func TestDiff(t *testing.T) {
	t.Parallel()
	kc, ns := setup(t)
	ctx := t.Context()
	const app = `apiVersion: berth/v1
name: shop
services:
  web:
    image: nginx:1.27
    env: {MODE: %s, PW: {secretRef: {name: db, key: pw}}}
  old:
    image: nginx:1.27
secrets:
  db: {pw: "planted-%s"}
`
	v1 := renderYAML(t, ns, strings.ReplaceAll(app, "%s", "one"))
	applied, err := kc.Apply(ctx, v1, kube.ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Wait so the controllers have made their ReplicaSets: the check at the
	// end compares them before and after the diff.
	if err := kc.Wait(ctx, refs(applied), kube.WaitOptions{Timeout: time.Minute}); err != nil {
		t.Fatal(err)
	}
	before := replicaSets(t, kc, ns)
	diffs, err := kc.Diff(ctx, v1, nil, kube.ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(diffs) != 0 {
		t.Fatalf("diff of what is applied: %+v", diffs)
	}
	v2 := renderYAML(t, ns, strings.ReplaceAll(strings.Replace(app, "  old:\n    image: nginx:1.27\n", "", 1), "%s", "two"))
	diffs, err = kc.Diff(ctx, v2, kube.Stale(refsOf(v1), refsOf(v2)), kube.ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	changes := map[string]string{}
	var text strings.Builder
	for _, d := range diffs {
		changes[d.Ref.String()] = d.Change
		text.WriteString(d.Unified)
	}
	want := map[string]string{"deployment.apps/web": kube.ChangeUpdate, "secret/db": kube.ChangeUpdate, "deployment.apps/old": kube.ChangeDelete}
	for k, v := range want {
		if changes[k] != v {
			t.Errorf("%s: %q, want %q (all: %v)", k, changes[k], v, changes)
		}
	}
	out := text.String()
	for _, s := range []string{"-          value: one", "+          value: two", "*** (before)", "*** (after)"} {
		if !strings.Contains(out, s) {
			t.Errorf("diff lacks %q:\n%s", s, out)
		}
	}
	for _, s := range []string{"planted", "cGxhbnRlZC", "managedFields", "resourceVersion"} {
		if strings.Contains(out, s) {
			t.Errorf("diff shows %q:\n%s", s, out)
		}
	}
	if got := replicaSets(t, kc, ns); len(before) != 2 || !slices.Equal(got, before) {
		t.Errorf("diff changed the cluster: ReplicaSets %v, before %v", got, before)
	}
}
