package e2e_test

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/internal/cli"
)

// TestUndo: v1 is healthy, v2 crashes (berth up exits 3 while v1 keeps
// serving: the rolling update never took its pod away), and berth undo
// brings v1 back as a new revision, serving v1 again.
func TestUndo(t *testing.T) {
	t.Parallel()
	p := newProject(t, webYAML)
	p.mustBerth(nil, "up", "--timeout", "2m")
	if got := p.get("web", "/"); got != "v1\n" {
		t.Fatalf("v1: GET / = %q", got)
	}
	stdout, stderr, code := p.berth(map[string]string{"VERSION": "v2", "CRASH": "1"}, "up", "--timeout", "20s")
	if code != cli.ExitUnhealthy || !strings.Contains(stderr, "Container web keeps crashing: it exited with code 1") {
		t.Fatalf("v2 (crashing): exit %d, want %d and the crash diagnosed\n%s\n%s", code, cli.ExitUnhealthy, stdout, stderr)
	}
	if got := p.get("web", "/"); got != "v1\n" {
		t.Errorf("while v2 crashes: GET / = %q, want v1 (the old pod)", got)
	}

	stdout, stderr = p.mustBerth(nil, "undo")
	if !strings.Contains(stdout+stderr, "rolled back e2e to revision 1, as revision 3") {
		t.Errorf("undo:\n%s\n%s", stdout, stderr)
	}
	d, err := p.c.Clientset(t).AppsV1().Deployments(p.ns).Get(t.Context(), "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range d.Spec.Template.Spec.Containers[0].Env {
		if (e.Name == "VERSION" && e.Value != "v1") || (e.Name == "CRASH" && e.Value != "0") {
			t.Errorf("after undo the Deployment has %s=%s", e.Name, e.Value)
		}
	}
	if got := p.get("web", "/"); got != "v1\n" {
		t.Errorf("after undo: GET / = %q, want v1", got)
	}
	for _, pod := range p.pods(t.Context(), "web") {
		if !ready(&pod) {
			t.Errorf("after undo pod %s is not Ready: %+v", pod.Name, pod.Status.ContainerStatuses)
		}
	}
}
