// Package e2e_test runs the berth CLI, in process, against a sandbox with
// one real node (containerd and a kubelet: containers really run), and
// checks what a developer sees: a Go web server built by berth into the
// registry the cluster advertises serves through a port-forward, its logs
// come back, a crash, an unready pod, an OOM kill and a missing image are
// diagnosed with their real causes, undo serves the old version again, and
// volumes keep their data. See README.md.
package e2e_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/berth-dev/berth/internal/cli"
	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/internal/testutil"
)

var cluster *testcluster.Cluster

// parallel is how many tests run at once unless -test.parallel says: they
// wait on the node, not on this machine's CPUs (GOMAXPROCS, the default),
// and together they run about a dozen small pods (the node takes 30).
const parallel = "8"

func TestMain(m *testing.M) {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		_ = flag.Set("test.parallel", parallel)
	}
	dir, err := os.MkdirTemp("", "berth-e2e-server-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	serverDir = dir
	code := testcluster.MainRealNode(m, &cluster)
	os.RemoveAll(dir)
	os.Exit(code)
}

// serverDir is where server puts the binary (TestMain makes and removes it).
var serverDir string

// server compiles testdata/app once per test binary (CGO_ENABLED=0, so it
// runs on the busybox base without a libc) and returns the binary's path.
var server = sync.OnceValues(func() (string, error) {
	bin := filepath.Join(serverDir, "server")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, "./testdata/app")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", &buildError{err: err, out: string(out)}
	}
	return bin, nil
})

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string {
	return "go build ./testdata/app: " + e.err.Error() + "\n" + e.out
}

// dockerfile builds the server on the base image given as BASE.
const dockerfile = `ARG BASE
FROM ${BASE}
COPY server /server
ENTRYPOINT ["/server"]
`

// project is one app of a test: a build context holding the server, the
// Dockerfile and berth.yaml, deployed to a namespace of its own.
type project struct {
	t    *testing.T
	c    *testcluster.Cluster
	ns   string
	file string // berth.yaml
}

// newProject writes the build context and berth.yaml (REGISTRY in it
// replaced by the sandbox registry) and creates the test's namespace.
func newProject(t *testing.T, berthYAML string) *project {
	t.Helper()
	c := testcluster.Require(t, cluster)
	bin, err := server()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		"server":        b,
		"Dockerfile":    []byte(dockerfile),
		"berth.yaml":    []byte(strings.ReplaceAll(berthYAML, "REGISTRY", c.Registry)),
		".gitignore":    []byte(".berth/\n"),
		".dockerignore": []byte("berth.yaml\n"),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return &project{t: t, c: c, ns: c.Namespace(t), file: filepath.Join(dir, "berth.yaml")}
}

// berth runs the berth CLI in process with env as its environment (for
// ${VAR} in berth.yaml), on the sandbox, in the project's namespace and
// with its berth.yaml.
func (p *project) berth(env map[string]string, args ...string) (stdout, stderr string, code int) {
	p.t.Helper()
	return p.berthStreams(p.t.Context(), env, nil, nil, args...)
}

// berthStreams is berth writing to out and errOut when they are not nil.
func (p *project) berthStreams(ctx context.Context, env map[string]string, out, errOut *testutil.SyncBuffer, args ...string) (stdout, stderr string, code int) {
	if out == nil {
		out, errOut = &testutil.SyncBuffer{}, &testutil.SyncBuffer{}
	}
	f := cli.NewFactory(genericiooptions.IOStreams{In: strings.NewReader(""), Out: out, ErrOut: errOut})
	f.LookupEnv = func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	f.Environ = func() []string { return nil }
	cmd := cli.NewRootCmd(f)
	cmd.SetArgs(append(args, "--kubeconfig", p.c.Kubeconfig, "-n", p.ns, "--file", p.file))
	err := cli.Execute(ctx, cmd)
	f.Finish(err)
	stderr = errOut.String()
	if err != nil && !strings.Contains(stderr, "error") {
		// berth must say why it failed: the test fails on the exit code,
		// this shows what it did not print.
		stderr += fmt.Sprintf("[test: berth printed no error; it returned %T: %v]\n", err, err)
	}
	return out.String(), stderr, cli.ExitCode(err)
}

// mustBerth is berth failing the test unless berth exits 0.
func (p *project) mustBerth(env map[string]string, args ...string) (stdout, stderr string) {
	p.t.Helper()
	stdout, stderr, code := p.berth(env, args...)
	if code != 0 {
		p.t.Fatalf("berth %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, stdout, stderr)
	}
	return stdout, stderr
}
