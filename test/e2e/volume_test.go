package e2e_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
)

// volumeYAML is webYAML with a volume /data the server writes files to
// (GET and PUT /files/NAME); KIND is the lines that choose the workload.
const volumeYAML = `apiVersion: berth/v1
name: e2e
services:
  web:
    build:
      args: {BASE: REGISTRY/busybox:1}
KIND
    ports: [{name: http, port: 80, targetPort: 8080}]
    env: {VERSION: "${VERSION:-v1}", DATA_DIR: /data}
    probes:
      readiness: {http: {path: /readyz, port: http}, period: 1s}
    resources:
      requests: {cpu: 10m, memory: 16Mi}
      limits: {memory: 64Mi}
    volumes:
      - {name: data, mountPath: /data, size: 16Mi}
`

// put writes a file on the volume through the server.
func (p *project) put(name, text string) {
	p.t.Helper()
	if code, body := p.http("web", http.MethodPut, "/files/"+name, text); code != http.StatusOK {
		p.t.Fatalf("PUT /files/%s: %d %s", name, code, body)
	}
}

// TestStatefulVolume: a stateful service's pod writes to its claim (the
// sandbox provisioner's hostPath volume, written by the container's root
// user); the pod is deleted, the StatefulSet starts web-0 again, and it
// reads the same data.
func TestStatefulVolume(t *testing.T) {
	t.Parallel()
	p := newProject(t, strings.Replace(volumeYAML, "KIND", "    stateful: true", 1))
	p.mustBerth(nil, "up", "--timeout", "2m")
	const text = "kept across pods\n"
	p.put("note", text)
	old := p.readyPod("web", nil)
	if err := p.c.Clientset(t).CoreV1().Pods(p.ns).Delete(t.Context(), old.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	repl := p.readyPod("web", func(pod *corev1.Pod) bool { return pod.UID != old.UID })
	if repl.Name != "web-0" {
		t.Errorf("the new pod is %s, want web-0", repl.Name)
	}
	if got := p.get("web", "/files/note"); got != text {
		t.Errorf("after the pod was replaced: GET /files/note = %q, want %q", got, text)
	}
}

// TestRecreate: a Deployment with a ReadWriteOnce claim and strategy
// Recreate never runs two pods at once during a rollout (watched from
// before the rollout to its end), and the new version reads what the old
// one wrote on the claim.
func TestRecreate(t *testing.T) {
	t.Parallel()
	p := newProject(t, strings.Replace(volumeYAML, "KIND", "    replicas: 1\n    strategy: Recreate", 1))
	p.mustBerth(nil, "up", "--timeout", "2m")
	cs := p.c.Clientset(t)
	d, err := cs.AppsV1().Deployments(p.ns).Get(t.Context(), "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType {
		t.Errorf("strategy %s, want Recreate", d.Spec.Strategy.Type)
	}
	const text = "written by v1\n"
	p.put("note", text)

	ctx, cancel := context.WithCancel(t.Context())
	w, err := cs.CoreV1().Pods(p.ns).Watch(ctx, metav1.ListOptions{LabelSelector: selector("web")})
	if err != nil {
		t.Fatal(err)
	}
	most := make(chan []string, 1)
	go func() { most <- mostAtOnce(w) }()
	p.mustBerth(map[string]string{"VERSION": "v2"}, "up", "--timeout", "2m")
	w.Stop()
	cancel()
	if pods := <-most; len(pods) != 1 {
		t.Errorf("during the rollout %d pods ran at once (%v), want 1", len(pods), pods)
	}
	if got := p.get("web", "/"); got != "v2\n" {
		t.Errorf("GET / = %q, want v2", got)
	}
	if got := p.get("web", "/files/note"); got != text {
		t.Errorf("v2 reads %q from the claim, want %q", got, text)
	}
}

// mostAtOnce reads the watch until it stops and returns the largest set of
// pods that were active at once: placed on a node and not finished.
func mostAtOnce(w watch.Interface) []string {
	active := map[string]bool{}
	var most []string
	for ev := range w.ResultChan() {
		pod, ok := ev.Object.(*corev1.Pod)
		if !ok {
			continue
		}
		finished := pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed
		if ev.Type == watch.Deleted || finished || pod.Spec.NodeName == "" {
			delete(active, pod.Name)
		} else {
			active[pod.Name] = true
		}
		if len(active) > len(most) {
			most = most[:0]
			for name := range active {
				most = append(most, name)
			}
		}
	}
	return most
}
