package testcluster_test

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"github.com/berth-dev/berth/internal/testcluster"
)

// TestRealNode starts a real-node sandbox and runs containers on it: a
// busybox httpd from the local registry becomes Ready through an HTTP
// readiness probe, its logs and exec come through the API server (kubelet
// webhook authn/authz), a container that exits 1 shows the real terminated state,
// and down leaves no process (also one recorded in DIR/pids besides the
// sandbox's own), address, table, link, mount or cgroup behind.
func TestRealNode(t *testing.T) {
	if testing.Short() {
		t.Skip("no sandbox under -short")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	t0 := time.Now()
	c, err := testcluster.StartRealNode(ctx)
	switch {
	case errors.Is(err, testcluster.ErrNoRealNode) && !testcluster.InCI():
		t.Skip(err)
	case err != nil:
		t.Fatal(err)
	}
	t.Logf("real-node sandbox up in %.1fs (%s, registry %s)", time.Since(t0).Seconds(), c.Dir, c.Registry)
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = c.Stop()
		}
	})
	cs := c.Clientset(t)
	cm, err := cs.CoreV1().ConfigMaps("kube-public").Get(ctx, "local-registry-hosting", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := cm.Data["localRegistryHosting.v1"]; !strings.Contains(got, `host: "`+c.Registry+`"`) {
		t.Errorf("local-registry-hosting = %q, want host %q", got, c.Registry)
	}
	t.Run("pods", func(t *testing.T) {
		ns := c.Namespace(t) // deleted at the end of this subtest, before down
		t.Run("ready-and-logs", func(t *testing.T) {
			checkWeb(ctx, t, cs, ns, "web", c.Registry)
			checkWeb(ctx, t, cs, ns, "web-again", c.Registry) // the image is there now
			// exec goes through the API server to the kubelet (webhook authz).
			if got := string(c.Kubectl(t, "exec", "-n", ns, "web", "--", "cat", "/www/index.html")); got != "hello\n" {
				t.Errorf("kubectl exec cat /www/index.html = %q, want hello", got)
			}
		})
		t.Run("exit-1", func(t *testing.T) { checkExit1(ctx, t, cs, ns, c.Registry) })
	})

	// A process started for the sandbox (as scripts/demo starts its
	// provisioner): down stops it too.
	extra := exec.Command("bash", "-c", `nohup bash -c 'exec -a "berth-extra $0" sleep 600' "$1" >/dev/null 2>&1 &
echo $! >"$1/pids/extra.pid"`, "start", c.Dir)
	if out, err := extra.CombinedOutput(); err != nil {
		t.Fatalf("starting an extra process: %v\n%s", err, out)
	}

	dir := c.Dir
	stopped = true
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	checkNothingLeft(t, dir)
}

func checkWeb(ctx context.Context, t *testing.T, cs kubernetes.Interface, ns, name, registry string) {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name:    "httpd",
			Image:   registry + "/busybox:1",
			Command: []string{"sh", "-c", "mkdir -p /www && echo hello >/www/index.html && echo serving on 8080 && exec httpd -f -p 8080 -h /www"},
			ReadinessProbe: &corev1.Probe{
				ProbeHandler:  corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/index.html", Port: intstr.FromInt32(8080)}},
				PeriodSeconds: 1,
			},
		}}},
	}
	t0 := time.Now()
	if _, err := cs.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	p := waitPod(ctx, t, cs, ns, name, func(p *corev1.Pod) bool {
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
				return true
			}
		}
		return false
	})
	t.Logf("pod %s Ready %.2fs after create (image from %s)", name, time.Since(t0).Seconds(), registry)
	if p.Status.PodIP == "" {
		t.Errorf("Ready pod has no IP")
	}
	logs, err := cs.CoreV1().Pods(ns).GetLogs(name, &corev1.PodLogOptions{}).DoRaw(ctx)
	if err != nil {
		t.Fatalf("logs through the API server: %v", err)
	}
	if !strings.Contains(string(logs), "serving on 8080") {
		t.Errorf("logs = %q, want the container's output", logs)
	}
}

func checkExit1(ctx context.Context, t *testing.T, cs kubernetes.Interface, ns, registry string) {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "fail"},
		Spec: corev1.PodSpec{
			RestartPolicy: corev1.RestartPolicyNever,
			Containers: []corev1.Container{{
				Name: "fail", Image: registry + "/busybox:1",
				Command: []string{"sh", "-c", "echo giving up; exit 1"},
			}},
		},
	}
	if _, err := cs.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	p := waitPod(ctx, t, cs, ns, "fail", func(p *corev1.Pod) bool {
		return p.Status.Phase == corev1.PodFailed &&
			len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].State.Terminated != nil
	})
	term := p.Status.ContainerStatuses[0].State.Terminated
	if term.ExitCode != 1 || term.Reason != "Error" {
		t.Errorf("terminated state = exit %d reason %q, want exit 1 reason Error", term.ExitCode, term.Reason)
	}
}

// waitPod polls the pod until done says so (1 minute at most).
func waitPod(ctx context.Context, t *testing.T, cs kubernetes.Interface, ns, name string, done func(*corev1.Pod) bool) *corev1.Pod {
	t.Helper()
	var p *corev1.Pod
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		var err error
		p, err = cs.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		return err == nil && done(p), nil
	})
	if err != nil {
		t.Fatalf("pod %s/%s: %v; status: %+v", ns, name, err, p.Status)
	}
	return p
}
