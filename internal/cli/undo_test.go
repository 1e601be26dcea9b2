package cli

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/berth-dev/berth/internal/output"
	"github.com/berth-dev/berth/internal/rollout"
	"github.com/berth-dev/berth/internal/testutil"
)

// berthBinary builds cmd/berth once per test binary, for tests that send
// real signals to a real process.
var berthBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "berth-bin-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "berth")
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		return "", err
	}
	out, err := exec.Command("go", "build", "-o", bin, filepath.Join(root, "cmd", "berth")).CombinedOutput()
	if err != nil {
		return "", &buildError{out: string(out), err: err}
	}
	return bin, nil
})

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + e.out }

// copyExample copies examples/NAME into a temporary directory, so a test
// can change its berth.yaml, and returns the berth.yaml path there.
// NodePorts are dropped: tests run in parallel on one cluster.
func copyExample(t *testing.T, name string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	if err := os.CopyFS(dir, os.DirFS(filepath.Join(testutil.RepoRoot(t), "examples", name))); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "berth.yaml")
}

// edit rewrites file with the replacements (old, new, old, new...), each
// of which must apply.
func edit(t *testing.T, file string, pairs ...string) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	for i := 0; i < len(pairs); i += 2 {
		if !strings.Contains(s, pairs[i]) {
			t.Fatalf("edit %s: %q not found", file, pairs[i])
		}
		s = strings.Replace(s, pairs[i], pairs[i+1], 1)
	}
	if err := os.WriteFile(file, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func historyJSON(t *testing.T, args ...string) []rollout.Entry {
	t.Helper()
	stdout, _ := mustRun(t, append([]string{"history", "-o", "json"}, args...)...)
	var h output.History
	if err := json.Unmarshal([]byte(stdout), &h); err != nil || h.Kind != "History" {
		t.Fatalf("history -o json: %v\n%s", err, stdout)
	}
	return h.Revisions
}

type revisionRow struct {
	Revision int
	Status   string
	Cause    string
}

func rowsOf(h []rollout.Entry) []revisionRow {
	out := make([]revisionRow, len(h))
	for i, e := range h {
		out[i] = revisionRow{e.Revision, e.Status, e.Cause}
	}
	return out
}

// replicaSets returns the ReplicaSets of a Deployment by name.
func replicaSets(t *testing.T, cs kubernetes.Interface, ns, app, service string) map[string]appsv1.ReplicaSet {
	t.Helper()
	list, err := cs.AppsV1().ReplicaSets(ns).List(t.Context(), metav1.ListOptions{LabelSelector: "app.kubernetes.io/instance=" + app + ",app.kubernetes.io/component=" + service})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]appsv1.ReplicaSet{}
	for _, rs := range list.Items {
		out[rs.Name] = rs
	}
	return out
}

// TestRolloutStory is the reference rollout story on examples/recipes:
// v1, v2, a broken v3 that never becomes ready, the history, and an undo to
// v2 that restores images, env, config files and Services together.
//
// kwok fakes the kubelets and marks every scheduled pod Ready (probes do
// not run), so "readiness never passes" is played by asking for more CPU
// than any node has: the pods never become ready, as with a failing probe.
func TestRolloutStory(t *testing.T) {
	t.Parallel()
	c, ns, flags := onCluster(t)
	cs := c.Clientset(t)
	ctx := t.Context()
	reg := testutil.Registry(t)
	img := map[string]string{}
	for _, v := range []string{"v1", "v2", "v3"} {
		for _, svc := range []string{"recipe-api", "web-api"} {
			img[svc+v] = testutil.PushRandom(t, reg+"/recipes/"+svc+":"+v)
		}
	}
	file := copyExample(t, "recipes")
	edit(t, file, ", nodePort: 30080}", "}")
	deploy := func(v string, extra ...string) (string, string, int) {
		args := append([]string{"deploy", "-f", file, "--timeout", "1m", "--cause", "release " + v,
			"--set-image", "recipe-api=" + img["recipe-api"+v], "--set-image", "web-api=" + img["web-api"+v]}, flags...)
		return run(t, nil, append(args, extra...)...)
	}
	if _, stderr, code := deploy("v1"); code != 0 {
		t.Fatalf("v1: exit %d\n%s", code, stderr)
	}
	rs1 := replicaSets(t, cs, ns, "recipes", "recipe-api")

	// v2: new images, a config file, another port on web-api's Service.
	motd := filepath.Join(filepath.Dir(file), "motd.txt")
	writeFile(t, motd, "v2")
	edit(t, file,
		"      TARGET: recipe-api\n", "      TARGET: recipe-api\n    configFiles:\n      /etc/web/motd: motd.txt\n",
		"targetPort: 8080}\n    expose: NodePort\n", "targetPort: 8080}\n      - {name: admin, port: 9000}\n    expose: NodePort\n")
	if _, stderr, code := deploy("v2"); code != 0 {
		t.Fatalf("v2: exit %d\n%s", code, stderr)
	}
	v2web, err := cs.CoreV1().Services(ns).Get(ctx, "web-api", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}

	// v3: broken. Its config file and Service change too.
	writeFile(t, motd, "v3")
	edit(t, file,
		"      - {name: admin, port: 9000}\n", "",
		"    replicas: 5\n", "    replicas: 5\n    resources: {requests: {cpu: \"1000\"}}\n")
	start := time.Now()
	_, stderr, code := deploy("v3")
	if code != ExitUnhealthy || !strings.Contains(stderr, "Unschedulable") {
		t.Fatalf("v3: exit %d (want %d with a diagnosis)\n%s", code, ExitUnhealthy, stderr)
	}
	t.Logf("v3 failed after %s", time.Since(start).Round(time.Millisecond))

	want := []revisionRow{{1, "superseded", "release v1"}, {2, "deployed", "release v2"}, {3, "failed", "release v3"}}
	h := historyJSON(t, append([]string{"-f", file}, flags...)...)
	if diff := cmp.Diff(want, rowsOf(h)); diff != "" {
		t.Fatalf("history after v3 (-want +got):\n%s", diff)
	}
	if h[1].Images["recipe-api"] != img["recipe-apiv2"] || !strings.Contains(h[2].Description, "Unschedulable") || !strings.Contains(h[2].Description, "cpu") {
		t.Errorf("history entries: %+v", h)
	}
	table, _ := mustRun(t, append([]string{"history", "-f", file}, flags...)...)
	for _, s := range []string{"REVISION", "release v3", "failed", "recipe-api=sha256:" + strings.TrimPrefix(img["recipe-apiv2"], reg+"/recipes/recipe-api@sha256:")[:12]} {
		if !strings.Contains(table, s) {
			t.Errorf("history table lacks %q:\n%s", s, table)
		}
	}

	out, stderr := mustRun(t, append([]string{"undo", "-f", file, "--to-revision", "2", "--timeout", "1m"}, flags...)...)
	if !strings.Contains(stderr, "rolled back recipes to revision 2, as revision 4") {
		t.Errorf("undo said:\n%s%s", out, stderr)
	}
	want = append(want, revisionRow{4, "deployed", "rollback to 2"})
	want[1].Status = "superseded"
	h = historyJSON(t, append([]string{"-f", file}, flags...)...)
	if diff := cmp.Diff(want, rowsOf(h)); diff != "" {
		t.Errorf("history after undo (-want +got):\n%s", diff)
	}

	// Everything is v2 again: images, requests, config file, Service.
	d, err := cs.AppsV1().Deployments(ns).Get(ctx, "recipe-api", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ctr := d.Spec.Template.Spec.Containers[0]; ctr.Image != img["recipe-apiv2"] || len(ctr.Resources.Requests) != 0 {
		t.Errorf("recipe-api after undo: image %s, requests %v", ctr.Image, ctr.Resources.Requests)
	}
	if d.Status.ReadyReplicas != 5 || d.Status.UpdatedReplicas != 5 {
		t.Errorf("recipe-api after undo: %d ready, %d updated, want 5", d.Status.ReadyReplicas, d.Status.UpdatedReplicas)
	}
	web, err := cs.CoreV1().Services(ns).Get(ctx, "web-api", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(web.Spec.Ports) != len(v2web.Spec.Ports) || len(web.Spec.Ports) != 2 {
		t.Errorf("web-api Service after undo has ports %v, want v2's %v", web.Spec.Ports, v2web.Spec.Ports)
	}
	cms, err := cs.CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{LabelSelector: "app.kubernetes.io/component=web-api"})
	if err != nil || len(cms.Items) != 1 {
		t.Fatalf("web-api ConfigMaps: %v %v", cms, err)
	}
	for _, v := range cms.Items[0].Data {
		if v != "v2" {
			t.Errorf("config file after undo: %q, want v2", v)
		}
	}
	// Old ReplicaSets are kept at 0; v1's is among them.
	var live int
	for name, rs := range replicaSets(t, cs, ns, "recipes", "recipe-api") {
		if *rs.Spec.Replicas > 0 {
			live++
			if rs.Spec.Template.Spec.Containers[0].Image != img["recipe-apiv2"] {
				t.Errorf("ReplicaSet %s with %d replicas runs %s", name, *rs.Spec.Replicas, rs.Spec.Template.Spec.Containers[0].Image)
			}
		}
	}
	for name := range rs1 {
		if rs := replicaSets(t, cs, ns, "recipes", "recipe-api")[name]; *rs.Spec.Replicas != 0 {
			t.Errorf("v1's ReplicaSet %s has %d replicas, want 0", name, *rs.Spec.Replicas)
		}
	}
	if live != 1 {
		t.Errorf("%d ReplicaSets of recipe-api have replicas, want 1", live)
	}

	// kubectl rollout history shows berth's causes (the controllers copy
	// the workload's change-cause to its ReplicaSets).
	kh := string(c.Kubectl(t, "rollout", "history", "deployment/recipe-api", "-n", ns))
	for _, s := range []string{"release v1", "release v3"} {
		if !strings.Contains(kh, s) {
			t.Errorf("kubectl rollout history lacks %q:\n%s", s, kh)
		}
	}

	// Revision details: 4 against 3 shows the Service and config file
	// coming back.
	detail, _ := mustRun(t, append([]string{"history", "-f", file, "--revision", "4", "--diff", "3"}, flags...)...)
	for _, s := range []string{"Cause:        rollback to 2", "+    port: 9000", "Values (secret values redacted):", "cpu: 1k"} {
		if !strings.Contains(detail, s) {
			t.Errorf("history --revision 4 --diff 3 lacks %q:\n%s", s, detail)
		}
	}
}

func writeFile(t *testing.T, file, content string) {
	t.Helper()
	if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

const configApp = `apiVersion: berth/v1
name: shop
services:
  web:
    image: registry.example/web:1
    replicas: 2
    configFiles:
      /etc/web/app.conf: app.conf
`

// TestUndoConfigOnly: a revision that only changed a config file is undone
// by restoring the ConfigMap, and the pods roll back to the old
// ReplicaSet (the checksum annotation of the pod template), which kubectl
// rollout undo cannot do: it reverts a pod template, not a ConfigMap.
func TestUndoConfigOnly(t *testing.T) {
	t.Parallel()
	c, ns, flags := onCluster(t)
	cs := c.Clientset(t)
	file := writeConfig(t, configApp)
	conf := filepath.Join(filepath.Dir(file), "app.conf")
	writeFile(t, conf, "color = blue\n")
	mustRun(t, append([]string{"deploy", "-f", file, "--cause", "blue"}, flags...)...)
	first := replicaSets(t, cs, ns, "shop", "web")
	writeFile(t, conf, "color = green\n")
	out, _ := mustRun(t, append([]string{"deploy", "-f", file, "--cause", "green"}, flags...)...)
	if !strings.Contains(out, "configmap/web-files configured") || !strings.Contains(out, "deployment.apps/web configured") {
		t.Errorf("a config-only change:\n%s", out)
	}
	if n := len(replicaSets(t, cs, ns, "shop", "web")); n != 2 {
		t.Fatalf("%d ReplicaSets after a config change, want 2: the pods did not roll", n)
	}

	mustRun(t, append([]string{"undo", "-f", file}, flags...)...)
	cm, err := cs.CoreV1().ConfigMaps(ns).Get(t.Context(), "web-files", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range cm.Data {
		if v != "color = blue\n" {
			t.Errorf("config file after undo: %q", v)
		}
	}
	after := replicaSets(t, cs, ns, "shop", "web")
	if len(after) != 2 {
		t.Errorf("%d ReplicaSets after undo, want the 2 there were", len(after))
	}
	for name := range first {
		if rs := after[name]; rs.Spec.Replicas == nil || *rs.Spec.Replicas != 2 {
			t.Errorf("the first ReplicaSet %s is not back at 2 replicas: %v", name, rs.Spec.Replicas)
		}
	}
	h := historyJSON(t, append([]string{"-f", file}, flags...)...)
	want := []revisionRow{{1, "superseded", "blue"}, {2, rollout.StatusRolledBack, "green"}, {3, "deployed", "rollback to 1"}}
	if diff := cmp.Diff(want, rowsOf(h)); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
}

// TestUndoMissingImage: the images of the target revision are gone from
// the registry (garbage-collected): undo stops before touching the cluster
// and names them.
func TestUndoMissingImage(t *testing.T) {
	t.Parallel()
	c, ns, flags := onCluster(t)
	cs := c.Clientset(t)
	reg := testutil.Registry(t)
	v1 := testutil.PushRandom(t, reg+"/shop/web:v1")
	v2 := testutil.PushRandom(t, reg+"/shop/web:v2")
	file := writeConfig(t, "apiVersion: berth/v1\nname: shop\nservices:\n  web:\n    image: "+v1+"\n")
	mustRun(t, append([]string{"deploy", "-f", file}, flags...)...)
	mustRun(t, append([]string{"deploy", "-f", file, "--set-image", "web=" + v2}, flags...)...)
	testutil.DeleteManifest(t, v1)

	_, stderr, code := run(t, nil, append([]string{"undo", "-f", file}, flags...)...)
	if code != ExitFailure || !strings.Contains(stderr, v1) || !strings.Contains(stderr, "nothing was changed") || !strings.Contains(stderr, "hint:") {
		t.Errorf("undo to a revision whose image is gone: exit %d\n%s", code, stderr)
	}
	d, err := cs.AppsV1().Deployments(ns).Get(t.Context(), "web", metav1.GetOptions{})
	if err != nil || d.Spec.Template.Spec.Containers[0].Image != v2 {
		t.Errorf("web after a refused undo: %v %v", d, err)
	}
	if h := historyJSON(t, append([]string{"-f", file}, flags...)...); len(h) != 2 {
		t.Errorf("a refused undo recorded a revision: %+v", rowsOf(h))
	}
	// Errors that need no cluster change are clear too.
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--to-revision", "7"}, "shop has no revision 7"},
		{[]string{"--to-revision", "2"}, "revision 2 is the current revision of shop already"},
	} {
		_, stderr, code := run(t, nil, append(append([]string{"undo", "-f", file}, tc.args...), flags...)...)
		if code != ExitFailure || !strings.Contains(stderr, tc.want) {
			t.Errorf("undo %v: exit %d\n%s", tc.args, code, stderr)
		}
	}
}

// TestInterruptedUndo sends SIGINT, then SIGTERM, to a real berth process
// in the middle of an undo (while it waits for the restored revision): the
// revision ends failed, never pending, the lock is free, and the next berth
// command works. A revision left pending by a berth killed with SIGKILL is
// recovered by the next command (Helm's "another operation is in progress"
// must not exist here).
func TestInterruptedUndo(t *testing.T) {
	t.Parallel()
	bin, err := berthBinary()
	if err != nil {
		t.Fatal(err)
	}
	c, ns, flags := onCluster(t)
	cs := c.Clientset(t)
	// Revision 1 can never become ready; it is recorded with --wait=false.
	stuck := writeConfig(t, "apiVersion: berth/v1\nname: shop\nservices:\n  web:\n    image: registry.example/web:1\n    resources: {requests: {cpu: \"1000\"}}\n")
	good := writeConfig(t, "apiVersion: berth/v1\nname: shop\nservices:\n  web:\n    image: registry.example/web:2\n")
	mustRun(t, append([]string{"deploy", "-f", stuck, "--wait=false"}, flags...)...)
	mustRun(t, append([]string{"deploy", "-f", good}, flags...)...)

	undo := func(sig os.Signal) string {
		cmd := exec.Command(bin, append([]string{"undo", "-f", good, "--to-revision", "1", "--timeout", "2m"}, flags...)...)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the undo's pending revision", func() bool {
			list, err := cs.CoreV1().Secrets(ns).List(t.Context(), metav1.ListOptions{LabelSelector: "owner=helm,name=shop,status=pending-upgrade"})
			return err == nil && len(list.Items) == 1
		})
		if err := cmd.Process.Signal(sig); err != nil {
			t.Fatal(err)
		}
		if err := cmd.Wait(); err == nil && sig != os.Kill {
			t.Fatalf("an interrupted undo exited 0:\n%s", stderr.String())
		}
		return stderr.String()
	}
	for _, sig := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
		undo(sig)
		if _, err := cs.CoordinationV1().Leases(ns).Get(t.Context(), "berth-lock-shop", metav1.GetOptions{}); err == nil {
			t.Errorf("%v: the lock survived an interrupted undo", sig)
		}
		h := historyJSON(t, append([]string{"-f", good}, flags...)...)
		last := h[len(h)-1]
		if last.Status != "failed" || !strings.Contains(last.Description, "interrupted") {
			t.Errorf("%v: the interrupted undo's revision: %+v", sig, last)
		}
	}

	// SIGKILL: nothing can clean up; the revision stays pending until the
	// next berth command that takes the lock recovers it.
	undo(os.Kill)
	_ = cs.CoordinationV1().Leases(ns).Delete(t.Context(), "berth-lock-shop", metav1.DeleteOptions{}) // as if its 30 s had run out
	_, stderr := mustRun(t, append([]string{"deploy", "-f", good}, flags...)...)
	if !strings.Contains(stderr, "was interrupted (berth stopped before it finished); marked failed") {
		t.Errorf("the deploy after a killed undo did not say it recovered:\n%s", stderr)
	}
	h := historyJSON(t, append([]string{"-f", good}, flags...)...)
	for _, e := range h {
		if strings.HasPrefix(e.Status, "pending") {
			t.Errorf("revision %d still %s", e.Revision, e.Status)
		}
	}
	if last := h[len(h)-1]; last.Status != "deployed" {
		t.Errorf("the deploy after recovery: %+v", last)
	}
}

// waitFor polls cond until it holds, failing t after 30 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
