package cli

import (
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	ggcr "github.com/google/go-containerregistry/pkg/registry"

	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/internal/testutil"
)

// hold is a fault hook: requests it matches signal reached (once) and get
// no answer until the client gives up.
type hold struct {
	match   atomic.Pointer[func(*http.Request) bool]
	once    sync.Once
	reached chan struct{}
}

func newHold() *hold { return &hold{reached: make(chan struct{})} }

// on makes h hold the requests match selects (nil: none).
func (h *hold) on(match func(*http.Request) bool) { h.match.Store(&match) }

func (h *hold) serve(r *http.Request) bool {
	m := h.match.Load()
	if m == nil || *m == nil || !(*m)(r) {
		return false
	}
	h.once.Do(func() { close(h.reached) })
	<-r.Context().Done()
	return true
}

// TestSignalAtEachStage sends SIGINT and SIGTERM to a real berth up
// process (target kube) at each stage: while it builds (the base image
// download is held), pushes (the upload is held), applies (an apply
// request is held by the API server proxy) and waits (the status watch is
// held). Each time berth exits 130, releases its lock, records the revision
// as failed where it had begun one (none before the apply), and says what
// state the app is in; after an interrupted rollout the next berth up
// converges.
func TestSignalAtEachStage(t *testing.T) {
	t.Parallel()
	bin, err := berthBinary()
	if err != nil {
		t.Fatal(err)
	}
	c := testcluster.Require(t, cluster)
	for _, tc := range []struct {
		stage string
		// registry and api select the requests to hold.
		registry func(*http.Request) bool
		api      func(applied *atomic.Bool) func(*http.Request) bool
		want     []string
		records  []string
	}{
		{
			stage:    "build",
			registry: func(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/v2/base/") },
			want:     []string{"error: interrupted while building the images: nothing was deployed", "hint: shop on the cluster is as it was"},
		},
		{
			stage: "push",
			registry: func(r *http.Request) bool {
				return strings.HasPrefix(r.URL.Path, "/v2/team/") && r.Method != http.MethodGet && r.Method != http.MethodHead
			},
			want: []string{"error: interrupted while pushing the images: nothing was deployed", "hint: shop on the cluster is as it was"},
		},
		{
			stage: "apply",
			api: func(*atomic.Bool) func(*http.Request) bool {
				return func(r *http.Request) bool {
					return testcluster.IsApply(r) && strings.Contains(r.URL.Path, "/deployments/")
				}
			},
			want:    []string{"error: interrupted while applying revision 1 of shop:", "objects applied; revision 1 is recorded as failed", "hint: the cluster runs no earlier revision with part of revision 1 applied over it"},
			records: []string{"1:failed"},
		},
		{
			stage: "wait",
			api: func(applied *atomic.Bool) func(*http.Request) bool {
				return func(r *http.Request) bool {
					if testcluster.IsApply(r) && strings.Contains(r.URL.Path, "/deployments/") {
						applied.Store(true)
						return false
					}
					return applied.Load() && r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/deployments")
				}
			},
			want:    []string{"error: interrupted while waiting for revision 1 of shop: all 2 objects applied, 1 not ready yet (web); revision 1 is recorded as failed", "hint: revision 1 is applied and its workloads keep rolling out without berth"},
			records: []string{"1:failed"},
		},
	} {
		for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
			t.Run(tc.stage+"/"+sig.String(), func(t *testing.T) {
				t.Parallel()
				ns := c.Namespace(t)
				regHold, apiHold := newHold(), newHold()
				reg := ggcr.New(ggcr.Logger(log.New(io.Discard, "", 0)))
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if !regHold.serve(r) {
						reg.ServeHTTP(w, r)
					}
				}))
				t.Cleanup(srv.Close)
				host := strings.TrimPrefix(srv.URL, "http://")
				base := testutil.PushBusybox(t, host+"/base/busybox:1")
				p := c.Proxy(t)
				var applied atomic.Bool
				p.OnRequest(func(r *http.Request) {
					if apiHold.serve(r) {
						panic(http.ErrAbortHandler)
					}
				})
				if tc.registry != nil {
					regHold.on(tc.registry)
				}
				if tc.api != nil {
					apiHold.on(tc.api(&applied))
				}
				dir := t.TempDir()
				writeFile(t, filepath.Join(dir, "Dockerfile"), "ARG BASE\nFROM $BASE\nCOPY . /app\n")
				writeFile(t, filepath.Join(dir, "index.html"), "<h1>shop</h1>\n")
				file := filepath.Join(dir, "berth.yaml")
				writeFile(t, file, "apiVersion: berth/v1\nname: shop\nregistry: "+host+"/team\nservices:\n  web:\n    build: {args: {BASE: \""+base+"\"}}\n    ports: [{port: 80}]\n")
				args := []string{"up", "-f", file, "--kubeconfig", p.Kubeconfig, "-n", ns, "--timeout", "2m", "--lb-timeout", "0"}

				cmd := exec.Command(bin, args...)
				cmd.Env = append(os.Environ(), "CI=true")
				var stderr strings.Builder
				cmd.Stderr = &stderr
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				select {
				case <-regHold.reached:
				case <-apiHold.reached:
				case <-time.After(90 * time.Second):
					_ = cmd.Process.Kill()
					t.Fatalf("berth never reached the %s stage:\n%s", tc.stage, stderr.String())
				}
				if err := cmd.Process.Signal(sig); err != nil {
					t.Fatal(err)
				}
				timer := time.AfterFunc(30*time.Second, func() { _ = cmd.Process.Kill() })
				err := cmd.Wait()
				timer.Stop()
				var exit *exec.ExitError
				if !errors.As(err, &exit) || exit.ExitCode() != ExitInterrupted {
					t.Fatalf("berth after %v while it %ss: %v, want exit %d\n%s", sig, tc.stage, err, ExitInterrupted, stderr.String())
				}
				for _, want := range tc.want {
					if !strings.Contains(stderr.String(), want) {
						t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
					}
				}
				regHold.on(nil)
				apiHold.on(nil)
				if lockHeld(t, c, ns) {
					t.Error("the lock survived")
				}
				if got := releases(t, c, ns); !slices.Equal(got, tc.records) {
					t.Errorf("release records %v, want %v", got, tc.records)
				}
				if tc.records == nil {
					return
				}
				// Interrupted mid-rollout: the next up finishes the job.
				out, err := exec.Command(bin, args...).CombinedOutput()
				if err != nil || !strings.Contains(string(out), "healthy") {
					t.Fatalf("up after the interruption: %v\n%s", err, out)
				}
				got := releases(t, c, ns)
				slices.Sort(got)
				if !slices.Equal(got, []string{"1:failed", "2:deployed"}) {
					t.Errorf("release records after the next up: %v", got)
				}
			})
		}
	}
}
