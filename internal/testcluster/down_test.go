package testcluster_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/testcluster"
)

// TestDownStopsEveryProcess: `scripts/sandbox down --purge` leaves no
// process of its folder behind, also the ones started for the sandbox
// besides its own: the volume provisioner scripts/demo starts the way the
// demo does (in the background, its pid under DIR/pids).
func TestDownStopsEveryProcess(t *testing.T) {
	testcluster.Require(t, cluster) // skips or fails as the other sandbox tests do
	script, err := testcluster.Script()
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Dir(filepath.Dir(script))
	bin := filepath.Join(t.TempDir(), "provisioner")
	build := exec.CommandContext(t.Context(), "go", "build", "-o", bin, "./test/sandbox/provisioner")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./test/sandbox/provisioner: %v\n%s", err, out)
	}

	c, err := testcluster.Start(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = c.Stop()
		}
	})
	// As scripts/demo does: the shell that starts it exits, so it is not
	// this process's child.
	start := exec.Command("bash", "-c", `nohup "$1" --kubeconfig "$2" --root "$3/volumes" >"$3/provisioner.log" 2>&1 &
echo $! >"$3/pids/provisioner.pid"`, "start", bin, c.Kubeconfig, c.Dir)
	if out, err := start.CombinedOutput(); err != nil {
		t.Fatalf("starting the provisioner: %v\n%s", err, out)
	}
	data, err := os.ReadFile(filepath.Join(c.Dir, "pids", "provisioner.pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	// Poll: a process in the middle of exec shows an empty command line.
	var got string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if got = processesOf(t, c.Dir); strings.Contains(got, "pid "+strconv.Itoa(pid)+": "+bin) {
			break
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(c.Dir, "provisioner.log"))
			t.Fatalf("the provisioner (pid %d) is not running; its log:\n%s\nprocesses of %s:\n%s", pid, log, c.Dir, got)
		}
	}

	dir := c.Dir
	stopped = true
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("down --purge left %s: %v", dir, err)
	}
	if got := processesOf(t, dir); got != "" {
		t.Errorf("after scripts/sandbox down --purge, processes of %s still run:\n%s", dir, got)
	}
}

// processesOf lists the live processes whose command line mentions dir,
// one "pid N: COMMAND LINE" a line (zombies, which have exited, are left
// out).
func processesOf(t *testing.T, dir string) string {
	t.Helper()
	procs, err := filepath.Glob("/proc/[0-9]*")
	if err != nil || len(procs) == 0 {
		t.Skipf("no /proc to list processes (%v)", err)
	}
	var b strings.Builder
	for _, p := range procs {
		cmdline, err := os.ReadFile(filepath.Join(p, "cmdline"))
		if err != nil || !bytes.Contains(cmdline, []byte(dir)) {
			continue
		}
		stat, err := os.ReadFile(filepath.Join(p, "stat"))
		if err != nil {
			continue // gone meanwhile
		}
		if _, rest, ok := bytes.Cut(stat, []byte(") ")); ok && bytes.HasPrefix(rest, []byte("Z")) {
			continue
		}
		b.WriteString("pid " + filepath.Base(p) + ": " + string(bytes.ReplaceAll(bytes.TrimRight(cmdline, "\x00"), []byte{0}, []byte{' '})) + "\n")
	}
	return b.String()
}

// checkNothingLeft is TestDownStopsEveryProcess's check for a real-node
// sandbox (TestRealNode): after down --purge nothing of it is left on the
// machine: no process of DIR or of the cgroup /berth, no cgroup dir, node
// address, bridge, nft table, mount or marker file.
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
