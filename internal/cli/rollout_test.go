package cli

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

func twinApp(v string) string {
	svc := "    image: registry.example/app:" + v + "\n    replicas: 2\n    env: {VERSION: \"" + v + "\"}\n"
	return "apiVersion: berth/v1\nname: twins\nservices:\n  a:\n" + svc + "  b:\n" + svc + "  db:\n    image: registry.example/db:" + v + "\n    stateful: true\n"
}

// twin makes output about a comparable with output about b: names, the
// component label and the pod-template hash differ by construction.
var twinHash = regexp.MustCompile(`(pod-template-hash[=:] ?)\S+`)

func twin(s string) string {
	s = twinHash.ReplaceAllString(s, "${1}HASH")
	s = strings.ReplaceAll(s, "deployment.apps/a", "deployment.apps/b")
	s = strings.ReplaceAll(s, `deployment "a"`, `deployment "b"`)
	s = strings.ReplaceAll(s, "component=a", "component=b")
	s = strings.ReplaceAll(s, "Containers:\n   a:", "Containers:\n   b:")
	return s
}

// rsSummary is the ReplicaSets of a Deployment by revision: replicas and
// change-cause.
func rsSummary(t *testing.T, cs kubernetes.Interface, ns, service string) []string {
	t.Helper()
	var out []string
	for _, rs := range replicaSets(t, cs, ns, "twins", service) {
		out = append(out, fmt.Sprintf("revision %s: %d replicas, cause %q, image %s", rs.Annotations["deployment.kubernetes.io/revision"],
			*rs.Spec.Replicas, rs.Annotations["kubernetes.io/change-cause"], rs.Spec.Template.Spec.Containers[0].Image))
	}
	sort.Strings(out)
	return out
}

// TestRolloutSideBySide drives two identical Deployments through the same
// revisions, then undoes one with kubectl rollout undo and the other with
// berth rollout undo: pod templates, ReplicaSets and every command's
// output must be the same.
func TestRolloutSideBySide(t *testing.T) {
	t.Parallel()
	c, ns, flags := onCluster(t)
	cs := c.Clientset(t)
	ctx := t.Context()
	var file string
	for _, v := range []string{"1", "2", "3"} {
		file = writeConfig(t, twinApp(v))
		mustRun(t, append([]string{"deploy", "-f", file, "--cause", "release " + v}, flags...)...)
	}
	berth := func(args ...string) string {
		t.Helper()
		out, _ := mustRun(t, append(append([]string{"rollout"}, args...), append([]string{"-f", file}, flags...)...)...)
		return out
	}
	kubectl := func(args ...string) string {
		t.Helper()
		return string(c.Kubectl(t, append(args, "-n", ns)...))
	}

	kh, bh := kubectl("rollout", "history", "deployment/a"), berth("history", "b")
	if diff := cmp.Diff(twin(kh), bh); diff != "" {
		t.Errorf("rollout history (-kubectl +berth):\n%s", diff)
	}
	for _, s := range []string{"release 1", "release 2", "release 3"} {
		if !strings.Contains(bh, s) {
			t.Errorf("berth rollout history lacks the change-cause %q:\n%s", s, bh)
		}
	}
	if diff := cmp.Diff(twin(kubectl("rollout", "history", "deployment/a", "--revision", "2")), twin(berth("history", "b", "--revision", "2"))); diff != "" {
		t.Errorf("rollout history --revision 2 (-kubectl +berth):\n%s", diff)
	}

	ku, bu := kubectl("rollout", "undo", "deployment/a", "--to-revision", "1"), berth("undo", "b", "--to-revision", "1")
	if twin(ku) != bu || bu != "deployment.apps/b rolled back\n" {
		t.Errorf("rollout undo: kubectl %q, berth %q", ku, bu)
	}
	if ks, bs := kubectl("rollout", "status", "deployment/a", "--timeout", "1m"), berth("status", "b", "--timeout", "1m"); !strings.HasSuffix(bs, "deployment \"b\" successfully rolled out\n") || !strings.HasSuffix(twin(ks), "deployment \"b\" successfully rolled out\n") {
		t.Errorf("rollout status: kubectl %q, berth %q", ks, bs)
	}
	da, err := cs.AppsV1().Deployments(ns).Get(ctx, "a", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	db, err := cs.AppsV1().Deployments(ns).Get(ctx, "b", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ta, tb := da.Spec.Template.DeepCopy(), db.Spec.Template.DeepCopy()
	ta.Labels["app.kubernetes.io/component"] = "b"
	ta.Spec.Containers[0].Name = "b"
	if diff := cmp.Diff(ta, tb); diff != "" {
		t.Errorf("pod templates after undo (-kubectl +berth):\n%s", diff)
	}
	if tb.Spec.Containers[0].Image != "registry.example/app:1" {
		t.Errorf("b after undo to 1 runs %s", tb.Spec.Containers[0].Image)
	}
	if diff := cmp.Diff(rsSummary(t, cs, ns, "a"), rsSummary(t, cs, ns, "b")); diff != "" {
		t.Errorf("ReplicaSets after undo (-kubectl +berth):\n%s", diff)
	}
	if diff := cmp.Diff(twin(kubectl("rollout", "history", "deployment/a")), berth("history", "b")); diff != "" {
		t.Errorf("rollout history after undo (-kubectl +berth):\n%s", diff)
	}

	// Errors are kubectl's.
	_, kerr := c.KubectlErr("rollout", "undo", "deployment/a", "--to-revision", "99", "-n", ns)
	_, stderr, code := run(t, nil, append([]string{"rollout", "undo", "b", "--to-revision", "99", "-f", file}, flags...)...)
	if kerr == nil || code != ExitFailure || !strings.Contains(stderr, "unable to find specified revision 99 in history") || !strings.Contains(kerr.Error(), "unable to find specified revision 99 in history") {
		t.Errorf("undo to a missing revision: kubectl %v; berth exit %d %s", kerr, code, stderr)
	}
	if _, stderr, code := run(t, nil, append([]string{"rollout", "status", "bb", "-f", file}, flags...)...); code != ExitUsage || !strings.Contains(stderr, `did you mean "b"?`) {
		t.Errorf("unknown service: exit %d %s", code, stderr)
	}

	// restart, pause, resume.
	before := len(replicaSets(t, cs, ns, "twins", "b"))
	if out := berth("restart", "b"); out != "deployment.apps/b restarted\n" {
		t.Errorf("restart: %q", out)
	}
	berth("status", "b", "--timeout", "1m")
	if after := len(replicaSets(t, cs, ns, "twins", "b")); after != before+1 {
		t.Errorf("restart: %d ReplicaSets, want %d", after, before+1)
	}
	if out := berth("pause", "b"); out != "deployment.apps/b paused\n" {
		t.Errorf("pause: %q", out)
	}
	if d, _ := cs.AppsV1().Deployments(ns).Get(ctx, "b", metav1.GetOptions{}); d == nil || !d.Spec.Paused {
		t.Error("b is not paused")
	}
	if _, stderr, code := run(t, nil, append([]string{"rollout", "pause", "b", "-f", file}, flags...)...); code != ExitFailure || !strings.Contains(stderr, "already paused") {
		t.Errorf("pause twice: exit %d %s", code, stderr)
	}
	if out := berth("resume", "b"); out != "deployment.apps/b resumed\n" {
		t.Errorf("resume: %q", out)
	}

	// A StatefulSet service.
	if kh, bh := kubectl("rollout", "history", "statefulset/db"), berth("history", "db"); kh != bh || !strings.Contains(bh, "release 3") {
		t.Errorf("statefulset history: kubectl %q, berth %q", kh, bh)
	}
	if out := berth("restart", "db"); out != "statefulset.apps/db restarted\n" {
		t.Errorf("statefulset restart: %q", out)
	}
	if out := berth("status", "db", "--timeout", "1m"); !strings.Contains(out, "partitioned roll out complete") && !strings.Contains(out, "roll out complete") {
		t.Errorf("statefulset status: %q", out)
	}
}
