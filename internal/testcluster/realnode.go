package testcluster

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// NodeName is the name of the real node of a real-node sandbox.
const NodeName = "real-node-1"

// RealNodeLock is the file whose exclusive lock a test process holds while
// its real-node sandbox runs: there is one real node per machine, so test
// binaries that want one take turns.
const RealNodeLock = "/run/berth-sandbox-real-node.test.lock"

// ErrNoRealNode wraps the reason a real node cannot run on this machine
// (see RealNodeMissing).
var ErrNoRealNode = errors.New("no real node here")

// RealNodeMissing says why this machine cannot run a real-node sandbox
// (not root, or a package of scripts/test-deps missing), or "" if it can.
func RealNodeMissing() string {
	if os.Geteuid() != 0 {
		return "needs root (containerd, the kubelet); run the tests as root or in CI"
	}
	var missing []string
	// The commands scripts/sandbox up --real-node runs.
	for _, t := range []string{"containerd", "containerd-shim-runc-v2", "runc", "ctr", "nft", "ip", "docker-registry", "curl", "go"} {
		if _, err := exec.LookPath(t); err != nil {
			missing = append(missing, t)
		}
	}
	for _, p := range []string{"bridge", "host-local", "portmap", "loopback"} {
		if _, err := os.Stat(filepath.Join("/usr/lib/cni", p)); err != nil {
			missing = append(missing, "/usr/lib/cni/"+p)
		}
	}
	if len(missing) > 0 {
		return "missing " + strings.Join(missing, ", ") + " (run scripts/test-deps)"
	}
	return ""
}

// StartRealNode is Start for a sandbox with one real node (NodeName)
// instead of the kwok nodes, and a local registry (Cluster.Registry):
// scripts/sandbox up --real-node. It first waits for any other real-node
// sandbox of a test process on this machine to stop (RealNodeLock). The
// error wraps ErrNoRealNode when the machine cannot run one.
func StartRealNode(ctx context.Context) (*Cluster, error) {
	if why := RealNodeMissing(); why != "" {
		return nil, fmt.Errorf("%w: %s", ErrNoRealNode, why)
	}
	script, err := Script()
	if err != nil {
		return nil, err
	}
	unlock, err := lockRealNode(ctx)
	if err != nil {
		return nil, err
	}
	return start(ctx, &Cluster{script: script, RealNode: true, unlock: unlock})
}

// MainRealNode is Main with a real-node sandbox (StartRealNode), shared by
// the tests of the binary. Require skips its tests on a machine that cannot
// run one (not root, packages missing) and fails them under CI.
func MainRealNode(m *testing.M, c **Cluster) int { return mainWith(m, c, true) }

// lockRealNode takes RealNodeLock, polling until ctx ends.
func lockRealNode(ctx context.Context) (func(), error) {
	f, err := os.OpenFile(RealNodeLock, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("testcluster: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- syscall.Flock(int(f.Fd()), syscall.LOCK_EX) }()
	select {
	case err := <-done:
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("testcluster: lock %s: %w", RealNodeLock, err)
		}
		return func() { f.Close() }, nil
	case <-ctx.Done():
		go func() { <-done; f.Close() }()
		return nil, fmt.Errorf("testcluster: waiting for another test's real node (%s): %w", RealNodeLock, ctx.Err())
	}
}

// release releases what start took (the real-node lock).
func (c *Cluster) release() {
	if c.unlock != nil {
		c.unlock()
		c.unlock = nil
	}
}

// readRegistry reads the registry's address from DIR/ports.env.
func readRegistry(dir string) (string, error) {
	f, err := os.Open(filepath.Join(dir, "ports.env"))
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "REGISTRY_PORT="); ok {
			return "127.0.0.1:" + v, nil
		}
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	return "", fmt.Errorf("testcluster: no REGISTRY_PORT in %s", f.Name())
}
