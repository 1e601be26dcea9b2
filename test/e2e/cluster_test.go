package e2e_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/portforward"
	"k8s.io/client-go/transport/spdy"
)

// selector selects the pods of service svc of the app berth.yaml names (e2e).
func selector(svc string) string { return "app.kubernetes.io/component=" + svc }

// pods lists the pods of service svc that are not being deleted.
func (p *project) pods(ctx context.Context, svc string) []corev1.Pod {
	p.t.Helper()
	list, err := p.c.Clientset(p.t).CoreV1().Pods(p.ns).List(ctx, metav1.ListOptions{LabelSelector: selector(svc)})
	if err != nil {
		p.t.Fatal(err)
	}
	var out []corev1.Pod
	for _, pod := range list.Items {
		if pod.DeletionTimestamp == nil {
			out = append(out, pod)
		}
	}
	return out
}

func ready(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// readyPod waits (a minute at most) for a Ready pod of service svc that
// accept takes (nil: any) and returns it.
func (p *project) readyPod(svc string, accept func(*corev1.Pod) bool) *corev1.Pod {
	p.t.Helper()
	var found *corev1.Pod
	err := wait.PollUntilContextTimeout(p.t.Context(), 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		for _, pod := range p.pods(ctx, svc) {
			if ready(&pod) && (accept == nil || accept(&pod)) {
				found = &pod
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		p.t.Fatalf("no Ready pod of %s in %s: %v", svc, p.ns, err)
	}
	return found
}

// http sends an HTTP request to port 8080 of a Ready pod of service svc
// through a port-forward (the API server, then the kubelet and
// containerd), as `kubectl port-forward` does, and returns the status and
// body.
func (p *project) http(svc, method, path, body string) (int, string) {
	p.t.Helper()
	pod := p.readyPod(svc, nil)
	ctx, cancel := context.WithTimeout(p.t.Context(), 30*time.Second)
	defer cancel()
	code, text, err := p.forward(ctx, pod.Name, method, path, body)
	if err != nil {
		p.t.Fatalf("%s %s on pod %s through a port-forward: %v", method, path, pod.Name, err)
	}
	return code, text
}

func (p *project) forward(ctx context.Context, pod, method, path, body string) (int, string, error) {
	cfg, err := p.c.RESTConfig()
	if err != nil {
		return 0, "", err
	}
	transport, upgrader, err := spdy.RoundTripperFor(cfg)
	if err != nil {
		return 0, "", err
	}
	url := p.c.Clientset(p.t).CoreV1().RESTClient().Post().
		Resource("pods").Namespace(p.ns).Name(pod).SubResource("portforward").URL()
	dialer := spdy.NewDialer(upgrader, &http.Client{Transport: transport}, http.MethodPost, url)
	stop, readyCh := make(chan struct{}), make(chan struct{})
	defer close(stop)
	var errOut strings.Builder
	fw, err := portforward.NewOnAddresses(dialer, []string{"127.0.0.1"}, []string{"0:8080"}, stop, readyCh, io.Discard, &errOut)
	if err != nil {
		return 0, "", err
	}
	done := make(chan error, 1)
	go func() { done <- fw.ForwardPorts() }()
	select {
	case <-readyCh:
	case err := <-done:
		return 0, "", fmt.Errorf("port-forward: %w %s", err, errOut.String())
	case <-ctx.Done():
		return 0, "", ctx.Err()
	}
	ports, err := fw.GetPorts()
	if err != nil {
		return 0, "", err
	}
	req, err := http.NewRequestWithContext(ctx, method, fmt.Sprintf("http://127.0.0.1:%d%s", ports[0].Local, path), strings.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", fmt.Errorf("%w %s", err, errOut.String())
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// get is GET path from service svc, failing the test unless it answers 200.
func (p *project) get(svc, path string) string {
	p.t.Helper()
	code, body := p.http(svc, http.MethodGet, path, "")
	if code != http.StatusOK {
		p.t.Fatalf("GET %s: %d %s", path, code, body)
	}
	return body
}
