package e2e_test

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/internal/testutil"
)

// webYAML is berth.yaml of app e2e: service web, the server built on the
// sandbox registry's busybox, its behaviour chosen by ${VAR}s (berth's
// environment in the test), no registry (the cluster advertises one).
const webYAML = `apiVersion: berth/v1
name: e2e
services:
  web:
    build:
      args: {BASE: REGISTRY/busybox:1}
    ports: [{name: http, port: 80, targetPort: 8080}]
    env:
      VERSION: ${VERSION:-v1}
      CRASH: ${CRASH:-0}
      READY_STATUS: ${READY_STATUS:-200}
      ALLOC: ${ALLOC:-0Mi}
    probes:
      readiness: {http: {path: /readyz, port: http}, period: 1s}
    resources:
      requests: {cpu: 10m, memory: 16Mi}
      limits: {memory: ${MEMORY:-64Mi}}
`

// TestServe: berth up builds the server into the registry the cluster
// advertises (and says so), the readiness probe passes on the real
// kubelet, and the app serves v1 through a port-forward; berth logs prints
// its lines, and berth logs -f follows a new one until cancelled.
func TestServe(t *testing.T) {
	t.Parallel()
	p := newProject(t, webYAML)
	t0 := time.Now()
	_, stderr := p.mustBerth(nil, "up", "--timeout", "2m")
	t.Logf("berth up (build, push, apply, Ready) %.1fs", time.Since(t0).Seconds())
	announced := "registry: using " + p.c.Registry + ", advertised by the cluster (kube-public/local-registry-hosting)"
	if !strings.Contains(stderr, announced) || !strings.Contains(stderr, "healthy") {
		t.Errorf("berth up: stderr lacks %q or healthy:\n%s", announced, stderr)
	}
	if got := p.get("web", "/"); got != "v1\n" {
		t.Errorf("GET / = %q, want v1", got)
	}
	pod := p.readyPod("web", nil)
	if img := pod.Spec.Containers[0].Image; !strings.HasPrefix(img, p.c.Registry+"/e2e-web:") || !strings.Contains(img, "@sha256:") {
		t.Errorf("pod image %s, want %s/e2e-web:TAG@sha256:… (the advertised registry, pinned)", img, p.c.Registry)
	}

	out, _ := p.mustBerth(nil, "logs", "web")
	for _, want := range []string{"[pod/" + pod.Name + "/web] server v1 listening on :8080", "/web] GET /\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("berth logs web lacks %q:\n%s", want, out)
		}
	}

	// -f: the history, then a line the server prints later.
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var stdout, errOut testutil.SyncBuffer
	done := make(chan int, 1)
	go func() {
		_, _, code := p.berthStreams(ctx, nil, &stdout, &errOut, "logs", "web", "-f")
		done <- code
	}()
	eventually(t, "berth logs -f printed no history", &stdout, &errOut, func(s string) bool { return strings.Contains(s, "listening on :8080") })
	marker := "followed line " + p.ns
	p.get("web", "/log?msg="+strings.ReplaceAll(marker, " ", "+"))
	eventually(t, "berth logs -f did not follow a new line", &stdout, &errOut, func(s string) bool {
		return strings.Contains(s, "/web] "+marker+"\n")
	})
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("berth logs -f: exit %d when cancelled:\n%s", code, errOut.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("berth logs -f did not stop when cancelled")
	}
}

// eventually waits (30 s at most) until cond holds for out's text.
func eventually(t *testing.T, what string, out, errOut *testutil.SyncBuffer, cond func(string) bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond(out.String()) {
		if time.Now().After(deadline) {
			t.Fatalf("%s; stdout:\n%s\nstderr:\n%s", what, out.String(), errOut.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestPodReplaced: a deleted pod is replaced by its Deployment on the real
// node, and berth status reports the app healthy again.
func TestPodReplaced(t *testing.T) {
	t.Parallel()
	p := newProject(t, webYAML)
	p.mustBerth(nil, "up", "--timeout", "2m")
	old := p.readyPod("web", nil)
	if err := p.c.Clientset(t).CoreV1().Pods(p.ns).Delete(t.Context(), old.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	repl := p.readyPod("web", func(pod *corev1.Pod) bool { return pod.Name != old.Name })
	t.Logf("pod %s deleted, %s Ready", old.Name, repl.Name)
	// The Deployment counts the new pod ready a moment after the pod is.
	healthy := func(stdout string, code int) bool {
		return code == 0 && strings.Contains(stdout, "web      Deployment  1/1") && !strings.Contains(stdout, "not healthy")
	}
	stdout, stderr, code := "", "", -1
	for deadline := time.Now().Add(time.Minute); !healthy(stdout, code) && time.Now().Before(deadline); {
		stdout, stderr, code = p.berth(nil, "status")
		if !healthy(stdout, code) {
			time.Sleep(500 * time.Millisecond)
		}
	}
	if !healthy(stdout, code) {
		t.Fatalf("berth status after the pod was replaced: exit %d\n%s\n%s", code, stdout, stderr)
	}
	// containerd reports an image pulled by digest by its ID; berth status
	// names the image the pod runs.
	if !strings.Contains(stdout, " "+p.c.Registry+"/e2e-web:") || strings.Contains(stdout, " sha256:") {
		t.Errorf("berth status IMAGES: want %s/e2e-web:TAG@DIGEST:\n%s", p.c.Registry, stdout)
	}
	if got := p.get("web", "/"); got != "v1\n" {
		t.Errorf("GET / on the new pod = %q, want v1", got)
	}
}
