package testcluster

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// Cluster is a running sandbox, or the reason there is none (see Require).
type Cluster struct {
	// Kubeconfig is the path of the sandbox's kubeconfig (admin token,
	// system:masters).
	Kubeconfig string
	// Dir is the sandbox's folder: kubeconfig, pki/, logs/, pids/.
	Dir string
	// RealNode is set when the sandbox has one real node (NodeName) instead
	// of the kwok nodes: containers run (StartRealNode).
	RealNode bool
	// Registry is the local registry of a real-node sandbox, "127.0.0.1:PORT"
	// (plain HTTP), holding the base images busybox:1 and pause:1; empty
	// without a real node.
	Registry string

	script string // scripts/sandbox
	// unlock releases the machine-wide real-node lock (see StartRealNode).
	unlock func()
	// stopProvisioner ends the in-process volume provisioner (see Provision).
	stopProvisioner context.CancelFunc

	// Set by Main when there is no sandbox.
	skip    string // why tests are skipped (binaries not built, -short)
	skipsCI bool   // skip also under CI (-short is an explicit choice)
	err     error  // why tests fail
}

// StartTimeout bounds Start when called by Main.
const StartTimeout = 3 * time.Minute

// BuildTimeout bounds the cold build of the binaries when Main builds them.
const BuildTimeout = 60 * time.Minute

// Start starts a sandbox in a new temporary folder and returns when its API
// server is ready, its Nodes are Ready and the default ServiceAccount exists.
// The sandbox stops by itself when this process exits; call Stop to stop it
// earlier. The binaries must be built (scripts/sandbox build).
func Start(ctx context.Context) (*Cluster, error) {
	script, err := Script()
	if err != nil {
		return nil, err
	}
	return start(ctx, &Cluster{script: script})
}

// start runs scripts/sandbox up for c (c.RealNode chooses the kind) in a
// new temporary folder.
func start(ctx context.Context, c *Cluster) (*Cluster, error) {
	dir, err := os.MkdirTemp("", "berth-sandbox-")
	if err != nil {
		c.release()
		return nil, err
	}
	c.Dir = dir
	args := []string{"up", "--dir", dir, "--owner-pid", strconv.Itoa(os.Getpid())}
	if c.RealNode {
		args = append(args, "--real-node")
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, c.script, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Run(); err != nil {
		_ = c.stop(true)
		return nil, fmt.Errorf("scripts/sandbox up: %w\n%s", err, indent(stderr.String()))
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	c.Kubeconfig = strings.TrimSpace(lines[len(lines)-1])
	if _, err := os.Stat(c.Kubeconfig); err != nil {
		_ = c.stop(true)
		return nil, fmt.Errorf("scripts/sandbox up printed no kubeconfig (%q): %w\n%s", c.Kubeconfig, err, indent(stderr.String()))
	}
	if c.RealNode {
		if c.Registry, err = readRegistry(dir); err != nil {
			_ = c.stop(true)
			return nil, err
		}
	}
	if err := c.startProvisioner(ctx); err != nil {
		_ = c.stop(true)
		return nil, err
	}
	return c, nil
}

// startProvisioner creates the default StorageClass and runs Provision in
// this process until Stop, so claims bind as on a cluster with storage.
func (c *Cluster) startProvisioner(ctx context.Context) error {
	cfg, err := c.RESTConfig()
	if err != nil {
		return err
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	if err := EnsureDefaultStorageClass(ctx, cs); err != nil {
		return err
	}
	pctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	c.stopProvisioner = cancel
	go Provision(pctx, cs, filepath.Join(c.Dir, "volumes"), 500*time.Millisecond)
	return nil
}

// Stop stops the sandbox and removes its folder.
func (c *Cluster) Stop() error { return c.stop(true) }

func (c *Cluster) stop(purge bool) error {
	if c == nil || c.Dir == "" || c.script == "" {
		return nil
	}
	if c.stopProvisioner != nil {
		c.stopProvisioner()
	}
	args := []string{"down", "--dir", c.Dir}
	if purge {
		args = append(args, "--purge")
	}
	out, err := exec.Command(c.script, args...).CombinedOutput()
	c.release()
	if err != nil {
		return fmt.Errorf("scripts/sandbox down: %w\n%s", err, indent(string(out)))
	}
	return nil
}

// RESTConfig returns a client configuration for the sandbox's admin. Its
// rate limit is raised (QPS 50, burst 100) so that tests are not throttled
// by client-go's defaults.
func (c *Cluster) RESTConfig() (*rest.Config, error) {
	if c == nil || c.Kubeconfig == "" {
		return nil, errors.New("testcluster: no sandbox running")
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", c.Kubeconfig)
	if err != nil {
		return nil, err
	}
	cfg.QPS, cfg.Burst = 50, 100
	return cfg, nil
}

// Clientset returns a typed client for the sandbox, failing t on error.
func (c *Cluster) Clientset(t testing.TB) kubernetes.Interface {
	t.Helper()
	cfg, err := c.RESTConfig()
	if err != nil {
		t.Fatal(err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// Namespace creates a namespace named after the test, waits for its default
// ServiceAccount (Pods cannot be created before it exists) and deletes the
// namespace when the test ends.
func (c *Cluster) Namespace(t testing.TB) string {
	t.Helper()
	cs := c.Clientset(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ns, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName: namespacePrefix(t.Name()),
			Labels:       map[string]string{"berth.dev/test": "true"},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	name := ns.Name
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		err := cs.CoreV1().Namespaces().Delete(ctx, name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			t.Errorf("delete namespace %s: %v", name, err)
		}
	})
	err = wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		_, err := cs.CoreV1().ServiceAccounts(name).Get(ctx, "default", metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return false, nil
		}
		return err == nil, err
	})
	if err != nil {
		t.Fatalf("namespace %s: default ServiceAccount: %v", name, err)
	}
	return name
}

var notDNS = regexp.MustCompile(`[^a-z0-9]+`)

// namespacePrefix turns a test name into a namespace GenerateName prefix.
func namespacePrefix(testName string) string {
	p := strings.Trim(notDNS.ReplaceAllString(strings.ToLower(testName), "-"), "-")
	if len(p) > 40 {
		p = strings.TrimRight(p[:40], "-")
	}
	if p == "" {
		p = "test"
	}
	return p + "-"
}

// Require returns c when it is a running sandbox. Otherwise it skips the test
// when the sandbox binaries are simply not built on a developer machine (or
// under -short), and fails it under CI or when the sandbox failed to start.
func Require(t testing.TB, c *Cluster) *Cluster {
	t.Helper()
	switch {
	case c == nil:
		t.Fatal("testcluster: no sandbox; call testcluster.Main from TestMain")
	case c.err != nil:
		t.Fatalf("testcluster: %v", c.err)
	case c.skip != "" && InCI() && !c.skipsCI:
		t.Fatalf("testcluster: %s (CI must not skip sandbox tests)", c.skip)
	case c.skip != "":
		t.Skipf("testcluster: %s", c.skip)
	}
	return c
}

// InCI reports whether CI is set to a true value.
func InCI() bool {
	ci, _ := strconv.ParseBool(os.Getenv("CI"))
	return ci
}

// Main is for TestMain: it starts a sandbox, stores it in *c, runs the tests
// and stops the sandbox. It returns the exit code for os.Exit. When there is
// no sandbox, *c records why, and Require skips or fails the tests that need
// it (see the package documentation).
func Main(m *testing.M, c **Cluster) int { return mainWith(m, c, false) }

func mainWith(m *testing.M, c **Cluster, realNode bool) int {
	if !flag.Parsed() {
		flag.Parse()
	}
	cl := setUp(realNode)
	*c = cl
	code := m.Run()
	if cl.Kubeconfig != "" {
		keep, _ := strconv.ParseBool(os.Getenv("BERTH_SANDBOX_KEEP"))
		if code != 0 || keep {
			fmt.Fprintf(os.Stderr, "testcluster: sandbox folder kept: %s (logs in logs/; stop it: scripts/sandbox down --dir %s)\n", cl.Dir, cl.Dir)
			if err := cl.stop(false); err != nil {
				fmt.Fprintln(os.Stderr, "testcluster:", err)
			}
		} else if err := cl.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "testcluster:", err)
		}
	}
	return code
}

func setUp(realNode bool) *Cluster {
	if testing.Short() {
		return &Cluster{skip: "no sandbox under -short", skipsCI: true}
	}
	script, err := Script()
	if err != nil {
		return &Cluster{err: err}
	}
	if realNode {
		if why := RealNodeMissing(); why != "" {
			return &Cluster{skip: "no real node here: " + why}
		}
	}
	if !built(script) {
		build, _ := strconv.ParseBool(os.Getenv("BERTH_SANDBOX_BUILD"))
		if !InCI() && !build {
			return &Cluster{skip: "sandbox binaries not built; run `scripts/sandbox build` " +
				"once (about 8 minutes cold on 2 cores) or set BERTH_SANDBOX_BUILD=1"}
		}
		fmt.Fprintln(os.Stderr, "testcluster: building the sandbox binaries (scripts/sandbox build)")
		ctx, cancel := context.WithTimeout(context.Background(), BuildTimeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, script, "build")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return &Cluster{err: fmt.Errorf("scripts/sandbox build: %w", err)}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), StartTimeout)
	defer cancel()
	t0 := time.Now()
	start := Start
	if realNode {
		start = StartRealNode
	}
	cl, err := start(ctx)
	if err != nil {
		return &Cluster{err: err}
	}
	fmt.Fprintf(os.Stderr, "testcluster: sandbox up in %.1fs (%s)\n", time.Since(t0).Seconds(), cl.Dir)
	return cl
}

// built reports whether the sandbox binaries are built and current.
func built(script string) bool {
	return exec.Command(script, "build", "--check").Run() == nil
}

// Script returns the path of scripts/sandbox, found by walking up from the
// working directory to the root module (the go.mod next to scripts/).
func Script() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		s := filepath.Join(dir, "scripts", "sandbox")
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			if _, err := os.Stat(s); err == nil {
				return s, nil
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("testcluster: scripts/sandbox not found above the working directory")
		}
		dir = parent
	}
}

func indent(s string) string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return ""
	}
	return "\t" + strings.ReplaceAll(s, "\n", "\n\t")
}

// Kubectl runs the sandbox's own kubectl (built with the sandbox, of the
// same Kubernetes version) against the sandbox and returns its stdout,
// failing t when it exits non-zero. Side-by-side tests compare berth with
// it.
func (c *Cluster) Kubectl(t testing.TB, args ...string) []byte {
	t.Helper()
	out, err := c.KubectlErr(args...)
	if err != nil {
		t.Fatalf("kubectl %s: %v", strings.Join(args, " "), err)
	}
	return out
}

// KubectlErr is Kubectl that returns kubectl's failure (with its stderr)
// instead of failing a test.
func (c *Cluster) KubectlErr(args ...string) ([]byte, error) {
	cmd := exec.Command(c.script, append([]string{"kubectl", "--dir", c.Dir}, args...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("%w\n%s", err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// KubectlCommand is the command line that runs the sandbox's kubectl, for
// scripts (append kubectl's arguments).
func (c *Cluster) KubectlCommand() []string {
	return []string{c.script, "kubectl", "--dir", c.Dir}
}
