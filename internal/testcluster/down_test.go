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
