package cli

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/internal/testcluster"
)

// Fault tests: the API server stops mid-apply, answers slowly, berth is
// signalled at each stage, two berths deploy one app. The API server's
// faults are made by a proxy in front of the sandbox's (testcluster.Proxy):
// cutting every connection and refusing new ones is what clients see of a
// stopped kube-apiserver, and the sandbox's other tests keep theirs.

// manyServices is an app of n services, a Deployment and a Service each.
func manyServices(n int, extra string) string {
	var b strings.Builder
	b.WriteString("apiVersion: berth/v1\nname: shop\n" + extra + "services:\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "  svc-%d:\n    image: registry.example/svc:%d\n    ports: [{port: 80}]\n", i, i)
	}
	return b.String()
}

// neverReady is an app whose db never becomes ready, for no reason a
// diagnosis calls final: its claim waits for a provisioner that does not
// run (testcluster.NoProvisioner). The StorageClass (cluster-wide) is named after the namespace and
// deleted after the test.
func neverReady(t *testing.T, c *testcluster.Cluster, ns string, services int) string {
	t.Cleanup(func() {
		_ = c.Clientset(t).StorageV1().StorageClasses().Delete(t.Context(), ns, metav1.DeleteOptions{})
	})
	return manyServices(services, "storageClasses:\n  "+ns+": {provisioner: "+testcluster.NoProvisioner+"}\n") +
		"  db:\n    image: registry.example/db:1\n    stateful: true\n    volumes: [{name: data, mountPath: /data, size: 1Gi, storageClass: " + ns + "}]\n"
}

// releases returns the status label of each release record of shop.
func releases(t *testing.T, c *testcluster.Cluster, ns string) []string {
	t.Helper()
	list, err := c.Clientset(t).CoreV1().Secrets(ns).List(t.Context(), metav1.ListOptions{LabelSelector: "owner=helm,name=shop"})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(list.Items))
	for i, s := range list.Items {
		out[i] = s.Labels["version"] + ":" + s.Labels["status"]
	}
	return out
}

func lockHeld(t *testing.T, c *testcluster.Cluster, ns string) bool {
	_, err := c.Clientset(t).CoordinationV1().Leases(ns).Get(t.Context(), "berth-lock-shop", metav1.GetOptions{})
	return err == nil
}

// TestAPIServerRestartMidApply stops the API server (all connections cut,
// new ones refused) after the 10th object of a 60-object apply, while
// others are in flight (applied, their answers lost), and starts it again
// 3 s later: berth waits for it, applies again what it did not hear
// about (server-side apply is idempotent), and the deploy succeeds; a
// redeploy is all unchanged.
func TestAPIServerRestartMidApply(t *testing.T) {
	t.Parallel()
	c, ns, _ := onCluster(t)
	p := c.Proxy(t)
	var applies atomic.Int64
	var stopped sync.Once
	p.OnRequest(func(r *http.Request) {
		if testcluster.IsApply(r) && applies.Add(1) == 10 {
			stopped.Do(func() {
				p.Stop()
				time.AfterFunc(3*time.Second, p.Start)
			})
			panic(http.ErrAbortHandler)
		}
	})
	file := writeConfig(t, manyServices(30, ""))
	flags := []string{"-f", file, "--kubeconfig", p.Kubeconfig, "-n", ns, "--timeout", "2m"}
	start := time.Now()
	stdout, stderr, code := run(t, nil, append([]string{"deploy"}, flags...)...)
	if code != 0 {
		t.Fatalf("deploy across an API server restart: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if applies.Load() < 60 {
		t.Fatalf("%d applies: the API server was never stopped mid-apply", applies.Load())
	}
	if elapsed := time.Since(start); elapsed < 3*time.Second {
		t.Errorf("the deploy took %s, less than the outage", elapsed)
	}
	if got := strings.Count(stdout, " created\n"); got != 60 {
		t.Errorf("%d objects created, want 60:\n%s", got, stdout)
	}
	if got := releases(t, c, ns); len(got) != 1 || got[0] != "1:deployed" {
		t.Errorf("release records %v, want revision 1 deployed", got)
	}
	stdout, _ = mustRun(t, append([]string{"deploy"}, flags...)...)
	if n := strings.Count(stdout, " unchanged\n"); n != 60 {
		t.Errorf("redeploy: %d unchanged, want 60:\n%s", n, stdout)
	}
}

// TestAPIServerDownMidApply stops the API server mid-apply for good: berth
// gives up with an error that says the API server stopped answering,
// within its --timeout and the few seconds it gives the record and the
// lock. Once the server is back, the next deploy marks the interrupted
// revision failed (if it could not) and converges; no record stays
// pending.
func TestAPIServerDownMidApply(t *testing.T) {
	t.Parallel()
	c, ns, _ := onCluster(t)
	p := c.Proxy(t)
	var applies atomic.Int64
	p.OnRequest(func(r *http.Request) {
		if testcluster.IsApply(r) && applies.Add(1) == 10 {
			p.Stop()
			panic(http.ErrAbortHandler)
		}
	})
	file := writeConfig(t, manyServices(30, ""))
	flags := []string{"-f", file, "--kubeconfig", p.Kubeconfig, "-n", ns}
	start := time.Now()
	_, stderr, code := run(t, nil, append([]string{"deploy", "--timeout", "8s"}, flags...)...)
	elapsed := time.Since(start)
	if code != ExitFailure || !strings.Contains(stderr, "ran out of time (--timeout 8s)") || !strings.Contains(stderr, "stopped answering") {
		t.Errorf("deploy with the API server gone: exit %d\n%s", code, stderr)
	}
	if elapsed > 8*time.Second+10*time.Second+5*time.Second+3*time.Second {
		t.Errorf("berth gave up after %s; want --timeout 8s + 10 s for the record + 5 s for the lock", elapsed)
	}
	p.OnRequest(nil)
	p.Start()
	if lockHeld(t, c, ns) {
		// The lock could not be released while the server was down: it
		// expires (30 s); a test need not wait for that.
		_ = c.Clientset(t).CoordinationV1().Leases(ns).Delete(t.Context(), "berth-lock-shop", metav1.DeleteOptions{})
	}
	stdout, stderr := mustRun(t, append([]string{"deploy", "--timeout", "1m"}, flags...)...)
	if !strings.Contains(stderr, "healthy") {
		t.Errorf("deploy after the outage:\n%s\n%s", stdout, stderr)
	}
	got := releases(t, c, ns)
	want := map[string]bool{"1:failed": true, "2:deployed": true}
	if len(got) != 2 || !want[got[0]] || !want[got[1]] {
		t.Errorf("release records %v, want revision 1 failed and 2 deployed", got)
	}
}

// TestSlowAPIServer: with 300 ms added to every API request, a deploy of a
// workload that never becomes ready ends within a few seconds of
// --timeout, checks, apply, diagnosis and record included, and records
// the revision failed. The checks and the apply take some 110 requests
// (about 5 s at that latency, more when the machine is busy): --timeout
// leaves the wait room to begin.
func TestSlowAPIServer(t *testing.T) {
	t.Parallel()
	c, ns, _ := onCluster(t)
	p := c.Proxy(t)
	file := writeConfig(t, neverReady(t, c, ns, 10))
	p.SetLatency(300 * time.Millisecond)
	start := time.Now()
	_, stderr, code := run(t, nil, "deploy", "-f", file, "--kubeconfig", p.Kubeconfig, "-n", ns, "--timeout", "20s")
	elapsed := time.Since(start)
	if code != ExitUnhealthy || !strings.Contains(stderr, "timed out waiting for") || !strings.Contains(stderr, "statefulset.apps/db") {
		t.Errorf("exit %d, want %d (timed out):\n%s", code, ExitUnhealthy, stderr)
	}
	if elapsed > 25*time.Second {
		t.Errorf("--timeout 20s took %s with a slow API server:\n%s", elapsed.Round(100*time.Millisecond), stderr)
	}
	t.Logf("--timeout 20s, 300 ms per request (%d requests): %s", p.Requests.Load(), elapsed.Round(100*time.Millisecond))
	p.SetLatency(0)
	if got := releases(t, c, ns); len(got) != 1 || got[0] != "1:failed" {
		t.Errorf("release records %v, want revision 1 failed", got)
	}
	if lockHeld(t, c, ns) {
		t.Error("the lock is still held")
	}
}

// TestTwoDeploysAtOnce starts two berth processes deploying the same app
// at the same moment: exactly one proceeds (its workload never becomes
// ready, so it holds the lock until its --timeout), the other fails at
// once naming it by pid. Then, while a deploy holds the lock, one with
// --wait-lock says whom it waits for and deploys after it.
func TestTwoDeploysAtOnce(t *testing.T) {
	t.Parallel()
	bin, err := berthBinary()
	if err != nil {
		t.Fatal(err)
	}
	c, ns, flags := onCluster(t)
	stuck := writeConfig(t, neverReady(t, c, ns, 0))
	start := func(file string, extra ...string) (*exec.Cmd, *strings.Builder) {
		cmd := exec.Command(bin, append(append([]string{"deploy", "-f", file}, extra...), flags...)...)
		cmd.Env = append(os.Environ(), "CI=true")
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd, &stderr
	}
	exitCode := func(cmd *exec.Cmd) int {
		err := cmd.Wait()
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	}

	a, aErr := start(stuck, "--timeout", "6s")
	b, bErr := start(stuck, "--timeout", "6s")
	codes := map[int]int{a.Process.Pid: exitCode(a), b.Process.Pid: exitCode(b)}
	stderrs := map[int]string{a.Process.Pid: aErr.String(), b.Process.Pid: bErr.String()}
	var winner, loser int
	for pid, code := range codes {
		switch code {
		case ExitUnhealthy:
			winner = pid
		case ExitFailure:
			loser = pid
		}
	}
	if winner == 0 || loser == 0 {
		t.Fatalf("exit codes %v, want one 3 (proceeded, timed out) and one 1 (locked out):\n%v", codes, stderrs)
	}
	if want := fmt.Sprintf("error: another berth deploy of shop is running: %s pid %d (berth deploy", whoami(), winner); !strings.Contains(stderrs[loser], want) {
		t.Errorf("the locked-out deploy does not name the other:\n%s\nwant %q", stderrs[loser], want)
	}
	if strings.Contains(stderrs[loser], "revision") {
		t.Errorf("the locked-out deploy began a revision:\n%s", stderrs[loser])
	}

	holder, _ := start(stuck, "--timeout", "6s")
	waitFor(t, "the deploy lock", func() bool { return lockHeld(t, c, ns) })
	began := time.Now()
	waiter, wErr := start(writeConfig(t, manyServices(2, "")), "--wait-lock", "1m", "--timeout", "1m")
	if code := exitCode(waiter); code != 0 {
		t.Fatalf("deploy with --wait-lock: exit %d\n%s", code, wErr)
	}
	if code := exitCode(holder); code != ExitUnhealthy {
		t.Errorf("the lock holder: exit %d, want 3", code)
	}
	if want := fmt.Sprintf("waiting up to 1m0s for the deploy lock of shop: %s pid %d (berth deploy", whoami(), holder.Process.Pid); !strings.Contains(wErr.String(), want) {
		t.Errorf("--wait-lock does not say whom it waits for:\n%s\nwant %q", wErr, want)
	}
	if d := time.Since(began); d < 3*time.Second {
		t.Errorf("--wait-lock deployed after %s, before the holder's 6 s were over", d)
	}
	got := releases(t, c, ns)
	slices.Sort(got)
	if !slices.Equal(got, []string{"1:failed", "2:failed", "3:deployed"}) {
		t.Errorf("release records %v, want 1 and 2 failed (timed out), 3 deployed", got)
	}
}
