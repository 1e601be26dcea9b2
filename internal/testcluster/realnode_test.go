package testcluster_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
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
// readiness probe, its logs come through the API server (kubelet webhook
// authn/authz), a container that exits 1 shows the real terminated state,
// and down leaves no process, address, table, link, mount or cgroup behind.
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
		})
		t.Run("exit-1", func(t *testing.T) { checkExit1(ctx, t, cs, ns, c.Registry) })
	})

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

// checkNothingLeft: after down --purge of a real-node sandbox, nothing of it
// is left on the machine.
func checkNothingLeft(t *testing.T, dir string) {
	t.Helper()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("down --purge left %s: %v", dir, err)
	}
	if got := processesOf(t, dir); got != "" {
		t.Errorf("processes of %s still run:\n%s", dir, got)
	}
	if got := processesInCgroup("/berth"); got != "" {
		t.Errorf("processes still run in the cgroup /berth:\n%s", got)
	}
	if cg, _ := filepath.Glob("/sys/fs/cgroup/*/berth"); len(cg) > 0 {
		t.Errorf("cgroup dirs left: %v", cg)
	}
	if _, err := os.Stat("/sys/fs/cgroup/berth"); err == nil {
		t.Errorf("cgroup dir left: /sys/fs/cgroup/berth")
	}
	for _, c := range []struct{ what, want string }{
		{"ip -o addr show dev lo", "10.250.0.1"},
		{"ip -o link", "berth-rn0"},
		{"nft list tables", "kube-proxy"},
		{"cat /proc/self/mountinfo", dir},
	} {
		f := strings.Fields(c.what)
		out, err := exec.Command(f[0], f[1:]...).CombinedOutput()
		if err != nil {
			t.Errorf("%s: %v\n%s", c.what, err, out)
		} else if strings.Contains(string(out), c.want) {
			t.Errorf("%s still shows %s:\n%s", c.what, c.want, out)
		}
	}
	if _, err := os.Stat("/run/berth-sandbox-real-node"); err == nil {
		t.Errorf("/run/berth-sandbox-real-node left")
	}
}

// processesInCgroup lists the processes whose cgroup (in any hierarchy) is
// root or below it.
func processesInCgroup(root string) string {
	procs, _ := filepath.Glob("/proc/[0-9]*/cgroup")
	var b strings.Builder
	for _, p := range procs {
		data, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(data), "\n") {
			if _, path, ok := strings.Cut(line, ":/"); ok {
				if i := strings.IndexByte(path, ':'); i < 0 && ("/"+path == root || strings.HasPrefix("/"+path, root+"/")) {
					b.WriteString(filepath.Base(filepath.Dir(p)) + ": " + line + "\n")
					break
				}
			}
		}
	}
	return b.String()
}
