package cli

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/output"
	"github.com/berth-dev/berth/internal/preflight"
	"github.com/berth-dev/berth/internal/status"
	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/internal/testutil"
)

var cluster *testcluster.Cluster

func TestMain(m *testing.M) { os.Exit(testcluster.Main(m, &cluster)) }

// onCluster returns the flags that point berth at a fresh namespace of the
// sandbox.
func onCluster(t *testing.T) (c *testcluster.Cluster, ns string, flags []string) {
	t.Helper()
	c = testcluster.Require(t, cluster)
	ns = c.Namespace(t)
	return c, ns, []string{"--kubeconfig", c.Kubeconfig, "-n", ns}
}

func writeConfig(t *testing.T, text string) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "berth.yaml")
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

func mustRun(t *testing.T, args ...string) (string, string) {
	t.Helper()
	stdout, stderr, code := run(t, nil, args...)
	if code != 0 {
		t.Fatalf("berth %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, stdout, stderr)
	}
	return stdout, stderr
}

// TestDeployExamples deploys every example with the CLI and checks that it
// becomes healthy, that a redeploy is all unchanged, and berth status.
func TestDeployExamples(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(testutil.RepoRoot(t), "examples", "*", "berth.yaml"))
	if err != nil || len(files) < 5 {
		t.Fatalf("examples: %v %v", files, err)
	}
	for _, file := range files {
		t.Run(filepath.Base(filepath.Dir(file)), func(t *testing.T) {
			t.Parallel()
			_, _, flags := onCluster(t)
			args := append([]string{"deploy", "-f", file, "--timeout", "2m"}, flags...)
			stdout, stderr := mustRun(t, args...)
			if !strings.Contains(stderr, "healthy") || strings.Contains(stdout, "unchanged") {
				t.Errorf("first deploy:\n%s\n%s", stdout, stderr)
			}
			stdout, _ = mustRun(t, args...)
			for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
				if !strings.HasSuffix(line, " unchanged") {
					t.Errorf("redeploy of an unchanged config: %q", line)
				}
			}
			out, _ := mustRun(t, append([]string{"status", "-f", file, "-o", "json"}, flags...)...)
			var st status.App
			if err := json.Unmarshal([]byte(out), &st); err != nil {
				t.Fatal(err)
			}
			if !st.Healthy || st.Revision != 2 || st.Status != "deployed" {
				t.Errorf("status: healthy %v revision %d %s\n%s", st.Healthy, st.Revision, st.Status, out)
			}
		})
	}
}

const lifecycleApp = `apiVersion: berth/v1
name: shop
services:
  web:
    image: nginx:1.27
    replicas: 2
    ports: [{name: http, port: 80}]
    env: {MODE: %MODE%}
%FILES%`

const filesService = `  files:
    image: minio:1
    strategy: Recreate
    volumes: [{name: data, mountPath: /data, size: 1Gi}]
`

func lifecycle(mode string, withFiles bool) string {
	s := strings.Replace(lifecycleApp, "%MODE%", mode, 1)
	files := ""
	if withFiles {
		files = filesService
	}
	return strings.Replace(s, "%FILES%", files, 1)
}

// TestDeployLifecycle: an env change rolls the Deployment and nothing
// else; a removed service is pruned and its claim kept; delete keeps
// claims; helm sees every revision.
func TestDeployLifecycle(t *testing.T) {
	t.Parallel()
	c, ns, flags := onCluster(t)
	cs := c.Clientset(t)
	ctx := t.Context()
	deploy := func(text string) string {
		stdout, _ := mustRun(t, append([]string{"deploy", "-f", writeConfig(t, text), "--timeout", "1m", "--cause", "test"}, flags...)...)
		return stdout
	}
	deploy(lifecycle("one", true))
	out := deploy(lifecycle("two", true))
	if !strings.Contains(out, "deployment.apps/web configured") || !strings.Contains(out, "deployment.apps/files unchanged") {
		t.Errorf("env change:\n%s", out)
	}
	out = deploy(lifecycle("two", false))
	for _, want := range []string{"deployment.apps/files pruned", "persistentvolumeclaim/files-data kept"} {
		if !strings.Contains(out, want) {
			t.Errorf("removing a service: want %q in\n%s", want, out)
		}
	}
	if _, err := cs.CoreV1().PersistentVolumeClaims(ns).Get(ctx, "files-data", metav1.GetOptions{}); err != nil {
		t.Errorf("the claim of a removed service is gone: %v", err)
	}

	// The records are Helm releases: the real Helm CLI lists them.
	helm := testutil.Tool(t, "helm", "make tools")
	hist, err := exec.Command(helm, "history", "shop", "-n", ns, "--kubeconfig", c.Kubeconfig, "-o", "json").CombinedOutput()
	if err != nil {
		t.Fatalf("helm history: %v\n%s", err, hist)
	}
	var revs []struct {
		Revision int    `json:"revision"`
		Status   string `json:"status"`
	}
	if err := json.Unmarshal(hist, &revs); err != nil || len(revs) != 3 || revs[2].Status != "deployed" || revs[0].Status != "superseded" {
		t.Errorf("helm history: %v %s", err, hist)
	}

	file := writeConfig(t, lifecycle("two", false))
	if _, stderr, code := run(t, nil, append([]string{"delete", "-f", file}, flags...)...); code != ExitUsage || !strings.Contains(stderr, "--yes") {
		t.Errorf("delete without --yes outside a terminal: exit %d %s", code, stderr)
	}
	out, _ = mustRun(t, append([]string{"delete", "-f", file, "--yes"}, flags...)...)
	if !strings.Contains(out, "deployment.apps/web deleted") {
		t.Errorf("delete:\n%s", out)
	}
	if _, err := cs.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{}); err == nil {
		t.Errorf("web survived delete")
	}
	if _, err := cs.CoreV1().PersistentVolumeClaims(ns).Get(ctx, "files-data", metav1.GetOptions{}); err != nil {
		t.Errorf("delete removed a claim without --volumes: %v", err)
	}
	if list, _ := exec.Command(helm, "list", "-n", ns, "--kubeconfig", c.Kubeconfig, "-q").Output(); strings.TrimSpace(string(list)) != "" {
		t.Errorf("release records survived delete: %s", list)
	}
}

func TestDeployDiffExitCode(t *testing.T) {
	t.Parallel()
	_, _, flags := onCluster(t)
	v1, v2 := writeConfig(t, lifecycle("one", false)), writeConfig(t, lifecycle("two", false))
	if _, _, code := run(t, nil, append([]string{"diff", "-f", v1, "--exit-code"}, flags...)...); code != ExitFailure {
		t.Errorf("diff before the first deploy: exit %d, want 1", code)
	}
	mustRun(t, append([]string{"deploy", "-f", v1}, flags...)...)
	if stdout, stderr, code := run(t, nil, append([]string{"diff", "-f", v1, "--exit-code"}, flags...)...); code != 0 || stdout != "" {
		t.Errorf("diff of what is deployed: exit %d\n%s%s", code, stdout, stderr)
	}
	stdout, _, code := run(t, nil, append([]string{"diff", "-f", v2, "--exit-code"}, flags...)...)
	if code != ExitFailure || !strings.Contains(stdout, "+          value: two") {
		t.Errorf("diff of a change: exit %d\n%s", code, stdout)
	}
}

// TestConcurrentDeploys: while one deploy of an app runs (it waits for a
// workload that cannot be scheduled), a second deploy fails at once naming
// the lock holder; the first ends with exit code 3 (applied, not healthy)
// and the lock is free again.
func TestConcurrentDeploys(t *testing.T) {
	t.Parallel()
	c, ns, flags := onCluster(t)
	cs := c.Clientset(t)
	stuck := writeConfig(t, "apiVersion: berth/v1\nname: shop\nservices:\n  big:\n    image: nginx:1.27\n    resources: {requests: {cpu: \"1000\"}}\n")
	done := make(chan int, 1)
	go func() {
		_, _, code := run(t, nil, append([]string{"deploy", "-f", stuck, "--timeout", "8s"}, flags...)...)
		done <- code
	}()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := cs.CoordinationV1().Leases(ns).Get(t.Context(), "berth-lock-shop", metav1.GetOptions{}); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the first deploy never took the lock")
		}
		time.Sleep(50 * time.Millisecond)
	}
	_, stderr, code := run(t, nil, append([]string{"deploy", "-f", writeConfig(t, lifecycle("one", false))}, flags...)...)
	if code != ExitFailure || !strings.Contains(stderr, "pid") || !strings.Contains(stderr, "since") {
		t.Errorf("second deploy: exit %d, want 1 naming the holder:\n%s", code, stderr)
	}
	if code := <-done; code != ExitUnhealthy {
		t.Errorf("first deploy: exit %d, want %d (applied, not healthy)", code, ExitUnhealthy)
	}
	if _, _, code := run(t, nil, append([]string{"deploy", "-f", writeConfig(t, lifecycle("one", false))}, flags...)...); code != 0 {
		t.Errorf("deploy after the lock was released: exit %d", code)
	}
}

// TestAtomicRollsBack: a revision that cannot become healthy is rolled
// back with --atomic: the workload is v1 again and the history says so.
func TestAtomicRollsBack(t *testing.T) {
	t.Parallel()
	c, ns, flags := onCluster(t)
	cs := c.Clientset(t)
	good := writeConfig(t, lifecycle("one", false))
	mustRun(t, append([]string{"deploy", "-f", good}, flags...)...)
	bad := writeConfig(t, strings.Replace(lifecycle("two", false), "    env: {MODE: two}\n", "    env: {MODE: two}\n    resources: {requests: {cpu: \"1000\"}}\n", 1))
	_, stderr, code := run(t, nil, append([]string{"deploy", "-f", bad, "--atomic", "--timeout", "5s"}, flags...)...)
	if code != ExitUnhealthy || !strings.Contains(stderr, "rolling back to revision 1") || !strings.Contains(stderr, "rolled back to revision 1") {
		t.Fatalf("atomic deploy: exit %d\n%s", code, stderr)
	}
	d, err := cs.AppsV1().Deployments(ns).Get(t.Context(), "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctr := d.Spec.Template.Spec.Containers[0]
	if ctr.Env[0].Value != "one" || len(ctr.Resources.Requests) != 0 {
		t.Errorf("after the rollback web runs env %v requests %v, want v1", ctr.Env, ctr.Resources.Requests)
	}
	helm := testutil.Tool(t, "helm", "make tools")
	hist, err := exec.Command(helm, "history", "shop", "-n", ns, "--kubeconfig", c.Kubeconfig, "-o", "json").CombinedOutput()
	if err != nil {
		t.Fatal(err, string(hist))
	}
	var revs []struct {
		Revision    int    `json:"revision"`
		Status      string `json:"status"`
		Description string `json:"description"`
	}
	if err := json.Unmarshal(hist, &revs); err != nil {
		t.Fatal(err)
	}
	if len(revs) != 3 || revs[1].Status != "failed" || revs[2].Status != "deployed" || !strings.Contains(revs[2].Description, "rollback to 1") {
		t.Errorf("history after an atomic rollback: %s", hist)
	}
}

// TestInterruptedDeploy sends SIGTERM to a real berth process while it
// waits; the revision must end failed (never stuck pending), the lock must
// be released, and the next deploy must work.
func TestInterruptedDeploy(t *testing.T) {
	t.Parallel()
	c, ns, flags := onCluster(t)
	cs := c.Clientset(t)
	bin := filepath.Join(t.TempDir(), "berth")
	if out, err := exec.Command("go", "build", "-o", bin, filepath.Join(testutil.RepoRoot(t), "cmd", "berth")).CombinedOutput(); err != nil {
		t.Fatalf("building berth: %v\n%s", err, out)
	}
	stuck := writeConfig(t, "apiVersion: berth/v1\nname: shop\nservices:\n  big:\n    image: nginx:1.27\n    resources: {requests: {cpu: \"1000\"}}\n")
	cmd := exec.Command(bin, append([]string{"deploy", "-f", stuck, "--timeout", "2m"}, flags...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		d, err := cs.AppsV1().Deployments(ns).Get(t.Context(), "big", metav1.GetOptions{})
		if err == nil && d != nil {
			break
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatal("the deploy never applied")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	if err == nil {
		t.Fatalf("an interrupted deploy exited 0:\n%s", stderr.String())
	}
	if _, err := cs.CoordinationV1().Leases(ns).Get(t.Context(), "berth-lock-shop", metav1.GetOptions{}); err == nil {
		t.Errorf("the lock survived an interrupted deploy")
	}
	secrets, err := cs.CoreV1().Secrets(ns).List(t.Context(), metav1.ListOptions{LabelSelector: "owner=helm,name=shop"})
	if err != nil || len(secrets.Items) != 1 || secrets.Items[0].Labels["status"] != "failed" {
		var statuses []string
		for _, s := range secrets.Items {
			statuses = append(statuses, s.Labels["status"])
		}
		t.Errorf("release records after SIGINT: %v %v, want one failed", statuses, err)
	}
	mustRun(t, append([]string{"deploy", "-f", writeConfig(t, lifecycle("one", false))}, flags...)...)
}

func TestDeployUnknownStorageClass(t *testing.T) {
	t.Parallel()
	c, ns, flags := onCluster(t)
	file := writeConfig(t, "apiVersion: berth/v1\nname: shop\nservices:\n  db:\n    image: mongo:6\n    stateful: true\n    volumes: [{name: data, mountPath: /data, size: 1Gi, storageClass: gp3}]\n")
	_, stderr, code := run(t, nil, append([]string{"deploy", "-f", file}, flags...)...)
	if code != ExitFailure || !strings.Contains(stderr, `storage class "gp3"`) || !strings.Contains(stderr, "standard") {
		t.Errorf("exit %d:\n%s", code, stderr)
	}
	list, err := c.Clientset(t).AppsV1().StatefulSets(ns).List(t.Context(), metav1.ListOptions{})
	if err != nil || len(list.Items) != 0 {
		t.Errorf("something was applied: %v %v", list, err)
	}
}

// TestDeployFailsFastWithDiagnosis: pods that fit on no node are a
// terminal problem; the deploy stops long before its timeout and says which
// resource is short.
func TestDeployFailsFastWithDiagnosis(t *testing.T) {
	t.Parallel()
	_, _, flags := onCluster(t)
	file := writeConfig(t, "apiVersion: berth/v1\nname: shop\nservices:\n  big:\n    image: nginx:1.27\n    resources: {requests: {cpu: \"1000\"}}\n")
	start := time.Now()
	_, stderr, code := run(t, nil, append([]string{"deploy", "-f", file, "--timeout", "2m"}, flags...)...)
	if code != ExitUnhealthy {
		t.Fatalf("exit %d, want %d:\n%s", code, ExitUnhealthy, stderr)
	}
	if elapsed := time.Since(start); elapsed > time.Minute {
		t.Errorf("the deploy waited %s for pods that can never be scheduled", elapsed)
	}
	if !strings.Contains(stderr, "Unschedulable") || !strings.Contains(stderr, "cpu") {
		t.Errorf("no diagnosis naming the short resource:\n%s", stderr)
	}
}

// TestRolloutErrorExitCodes: the errors of a deploy get their exit codes
// from ExitCode alone, and print as "error:" with the hint the library
// gives (an unhealthy revision's diagnosis first).
func TestRolloutErrorExitCodes(t *testing.T) {
	t.Parallel()
	applying := &deploy.InterruptedError{App: "shop", Revision: 2, Stage: deploy.StageApply, Applied: 1, Total: 3, Previous: 1, Err: context.Canceled}
	unhealthy := &deploy.FailedError{Revision: 2, Diagnosis: "web: CrashLoopBackOff\n", Err: errors.New("web not ready")}
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	for _, tc := range []struct {
		name   string
		err    error
		code   int
		stderr string
	}{
		{"interrupted rollout", applying, ExitInterrupted,
			"error: " + applying.Error() + "\n    hint: " + applying.Hint() + "\n"},
		{"unhealthy", unhealthy, ExitUnhealthy,
			"\nweb: CrashLoopBackOff\nerror: revision 2 did not become healthy: web not ready\n"},
		{"unhealthy, -o json", errors.Join(unhealthy, nil), ExitUnhealthy,
			"\nweb: CrashLoopBackOff\nerror: revision 2 did not become healthy: web not ready\n"},
		{"interrupted checks", &deploy.StoppedError{While: "while checking the cluster (berth preflight): nothing was applied", State: "shop on the cluster is as it was; run the command again"}, ExitInterrupted,
			"error: interrupted while checking the cluster (berth preflight): nothing was applied\n    hint: shop on the cluster is as it was; run the command again\n"},
		{"interrupted build (berth up)", deploy.Stopped(cancelled, errors.New("build failed"), "while building the images: nothing was deployed", "shop on the cluster is as it was"), ExitInterrupted,
			"error: interrupted while building the images: nothing was deployed\n    hint: shop on the cluster is as it was\n"},
		{"preflight failed", &preflight.FailedError{}, ExitFailure,
			"error: preflight checks failed; nothing was applied\n    hint: fix the errors above, or skip the checks with --skip-preflight\n"},
		{"not deployed", &deploy.NotDeployedError{App: "shop", Namespace: "prod"}, ExitNotDeployed,
			"error: shop has no revisions in namespace prod\n    hint: deploy it first (berth deploy), or name the namespace it is in with -n; berth list -A lists the apps of every namespace\n"},
		{"other", errors.New("boom"), ExitFailure, "error: boom\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			streams, _, _, errOut := genericiooptions.NewTestIOStreams()
			err := rolloutError(NewFactory(streams), errOut, tc.err)
			if code := ExitCode(err); code != tc.code {
				t.Errorf("exit %d, want %d", code, tc.code)
			}
			PrintError(errOut, err, false)
			if diff := cmp.Diff(tc.stderr, errOut.String()); diff != "" {
				t.Errorf("stderr (-want +got):\n%s", diff)
			}
		})
	}
	if err := errors.New("build failed"); deploy.Stopped(t.Context(), err, "while building", "") != err {
		t.Error("interrupted changed the error of a context not cancelled")
	}
}

// TestDeployPreflight: berth preflight reads an image's platform from its
// registry and reports an image no node can run as an error (exit 1);
// berth deploy prints the same error, stops before anything is applied
// and says how to go on; --skip-preflight goes on.
func TestDeployPreflight(t *testing.T) {
	t.Parallel()
	c, ns, flags := onCluster(t)
	host := testutil.Registry(t)
	image := host + "/team/web:s390x"
	testutil.Push(t, image, testutil.PlatformImage(t, "linux", "s390x", ""))
	file := writeConfig(t, "apiVersion: berth/v1\nname: shop\nservices:\n  web:\n    image: "+image+"\n    ports: [{port: 80}]\n")
	problem := regexp.MustCompile(`(?m)^image web +error +` + regexp.QuoteMeta(image) + ` is built for linux/s390x; the nodes run linux/amd64, linux/arm64\n +fix: build for the nodes' platform: build.platforms: \[linux/amd64, linux/arm64\]$`)

	stdout, stderr, code := run(t, nil, append([]string{"preflight", "-f", file}, flags...)...)
	if code != ExitFailure || stderr != "" || !problem.MatchString(stdout) || !regexp.MustCompile(`(?m)^cluster +ok +reachable, Kubernetes v1\.`).MatchString(stdout) || !strings.Contains(stdout, "namespace") {
		t.Errorf("preflight: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	stdout, _, code = run(t, nil, append([]string{"preflight", "-f", file, "-o", "json"}, flags...)...)
	var report output.PreflightReport
	if err := json.Unmarshal([]byte(stdout), &report); err != nil || code != ExitFailure || report.Passed || report.Kind != "PreflightReport" || report.App != "shop" || report.Namespace != ns {
		t.Errorf("preflight -o json: exit %d, %v\n%s", code, err, stdout)
	}

	_, stderr, code = run(t, nil, append([]string{"deploy", "-f", file}, flags...)...)
	if code != ExitFailure || !problem.MatchString(stderr) || strings.Contains(stderr, "cluster ") ||
		!strings.HasSuffix(stderr, "error: preflight checks failed; nothing was applied\n    hint: fix the errors above, or skip the checks with --skip-preflight\n") {
		t.Errorf("deploy: exit %d\n%s", code, stderr)
	}
	if got := releases(t, c, ns); len(got) != 0 {
		t.Errorf("a refused deploy recorded %v", got)
	}
	if _, stderr, code = run(t, nil, append([]string{"deploy", "-f", file, "--skip-preflight", "--dry-run=server"}, flags...)...); code != 0 || strings.Contains(stderr, "preflight") {
		t.Errorf("deploy --skip-preflight: exit %d\n%s", code, stderr)
	}
}

// TestApplyPinsFromRegistry: a built service without a local build
// record is pinned from the registry when its content tag is there, and
// deployed by tag with a warning when it is not.
func TestApplyPinsFromRegistry(t *testing.T) {
	t.Parallel()
	_, _, flags := onCluster(t)
	host := testutil.Registry(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "Dockerfile"), "FROM scratch\nCOPY index.html /\n")
	writeFile(t, filepath.Join(dir, "index.html"), "<h1>shop</h1>\n")
	file := filepath.Join(dir, "berth.yaml")
	writeFile(t, file, "apiVersion: berth/v1\nname: shop\nregistry: "+host+"/team\nservices:\n  web:\n    build: {}\n    ports: [{port: 80}]\n")
	args := append([]string{"apply", "-f", file, "--dry-run=server", "--skip-preflight"}, flags...)

	_, stderr, code := run(t, nil, args...)
	warning := regexp.MustCompile(`(?m)^warning: web has no build of its current sources here or in the registry; deploying (` + regexp.QuoteMeta(host) + `/team/\S+) \(run berth build first, or berth up to build and deploy\)$`)
	m := warning.FindStringSubmatch(stderr)
	if code != 0 || m == nil {
		t.Fatalf("apply without an image: exit %d\n%s", code, stderr)
	}
	testutil.PushRandom(t, m[1])
	if _, stderr, code = run(t, nil, args...); code != 0 || strings.Contains(stderr, "warning:") {
		t.Errorf("apply with the image in the registry: exit %d\n%s", code, stderr)
	}
}

// TestSignalBeforeRollout sends SIGINT to berth deploy while it installs
// a chart (the create of the chart's Deployment is held): berth exits 130
// saying what it was doing and that the services were not deployed, and
// records nothing. (SIGINT during the checks stops at the next step: a
// check that cannot ask the API server is a warning, not an error.)
func TestSignalBeforeRollout(t *testing.T) {
	t.Parallel()
	bin, err := berthBinary()
	if err != nil {
		t.Fatal(err)
	}
	c := testcluster.Require(t, cluster)
	repoURL := testutil.ChartRepo(t, "0.1.0")
	file := writeConfig(t, "apiVersion: berth/v1\nname: shop\ncharts:\n  greeter: {repo: \""+repoURL+"\", chart: hello, version: 0.1.x}\nservices:\n  web:\n    image: nginx:1.27\n    ports: [{port: 80}]\n")
	for _, tc := range []struct {
		stage string
		hold  func(*http.Request) bool
		want  []string
	}{
		{
			stage: "charts",
			hold: func(r *http.Request) bool {
				// Helm creates (berth applies) the chart's objects.
				return r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/deployments")
			},
			want: []string{"error: interrupted while installing the charts: the services were not deployed\n" +
				"    hint: a chart may be partly installed or upgraded (helm list -n NS shows them); run the command again\n"},
		},
	} {
		t.Run(tc.stage, func(t *testing.T) {
			t.Parallel()
			ns := c.Namespace(t)
			apiHold := newHold()
			apiHold.on(tc.hold)
			p := c.Proxy(t)
			p.OnRequest(func(r *http.Request) {
				if apiHold.serve(r) {
					panic(http.ErrAbortHandler)
				}
			})
			home := t.TempDir()
			cmd := exec.Command(bin, "deploy", "-f", file, "--kubeconfig", p.Kubeconfig, "-n", ns)
			cmd.Env = append(os.Environ(), "CI=true", "HOME="+home, "HELM_CACHE_HOME="+home+"/cache", "HELM_CONFIG_HOME="+home+"/config", "HELM_DATA_HOME="+home+"/data")
			var stderr strings.Builder
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			select {
			case <-apiHold.reached:
			case <-time.After(90 * time.Second):
				_ = cmd.Process.Kill()
				t.Fatalf("berth never reached the %s stage:\n%s", tc.stage, stderr.String())
			}
			if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
				t.Fatal(err)
			}
			timer := time.AfterFunc(30*time.Second, func() { _ = cmd.Process.Kill() })
			err := cmd.Wait()
			timer.Stop()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != ExitInterrupted {
				t.Fatalf("berth after SIGINT in %s: %v, want exit %d\n%s", tc.stage, err, ExitInterrupted, stderr.String())
			}
			for _, want := range tc.want {
				if want = strings.ReplaceAll(want, "NS", ns); !strings.HasSuffix(stderr.String(), want) {
					t.Errorf("stderr does not end with %q:\n%s", want, stderr.String())
				}
			}
			apiHold.on(nil)
			if got := releases(t, c, ns); len(got) != 0 {
				t.Errorf("release records %v, want none", got)
			}
			if lockHeld(t, c, ns) {
				t.Error("a lock was taken")
			}
		})
	}
}
