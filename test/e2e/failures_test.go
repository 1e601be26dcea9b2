package e2e_test

import (
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/cli"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestDiagnosis: a revision that does not become healthy on the real
// kubelet makes berth up (build and deploy) exit 3 (ExitUnhealthy) and print what the
// kubelet really said: the crash with the container's last log line, the
// readiness probe's status code, the OOM kill, the registry's "not found".
func TestDiagnosis(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want []string
	}{{
		name: "crash",
		env:  map[string]string{"CRASH": "1"},
		want: []string{
			"Container web keeps crashing: it exited with code 1",
			"crashing on purpose: CRASH=1",
		},
	}, {
		name: "unready",
		env:  map[string]string{"READY_STATUS": "503"},
		want: []string{
			"Container web runs but is not ready: its readiness probe (GET :http/readyz) failed",
			"statuscode: 503",
		},
	}, {
		name: "oom",
		env:  map[string]string{"ALLOC": "200Mi", "MEMORY": "32Mi"},
		want: []string{
			"Container web was killed for using more memory than its limit of 32Mi (OOMKilled, exit code 137)",
		},
	}, {
		name: "pull",
		// A tag the registry does not have: preflight refuses it
		// (TestPreflightMissingTag); past it, the node's pull fails.
		args: []string{"deploy", "--skip-preflight", "--set-image", "web=REGISTRY/e2e-web:no-such-tag"},
		want: []string{
			"Container web cannot pull image REGISTRY/e2e-web:no-such-tag from REGISTRY",
			"the image or its tag does not exist. The node said: REGISTRY/e2e-web:no-such-tag: not found.",
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := newProject(t, webYAML)
			for i, a := range tc.args {
				tc.args[i] = strings.ReplaceAll(a, "REGISTRY", p.c.Registry)
			}
			t0 := time.Now()
			if tc.args == nil {
				tc.args = []string{"up"}
			}

			// Long enough for the first crash, OOM kill or failed probes;
			// the crash loop becomes terminal only after three restarts
			// (10 s, 20 s, 40 s of back-off), so the timeout ends the wait.
			stdout, stderr, code := p.berth(tc.env, append(tc.args, "--timeout", "25s")...)
			t.Logf("deploy exit %d after %.1fs", code, time.Since(t0).Seconds())
			if code != cli.ExitUnhealthy {
				t.Errorf("deploy: exit %d, want %d (unhealthy)", code, cli.ExitUnhealthy)
			}
			// The readiness probe of a dead container fails too: the
			// finding says why, the events are not repeated.
			if tc.name != "unready" && strings.Contains(stderr, "Unhealthy: Readiness probe failed") {
				t.Errorf("the diagnosis repeats the failed readiness probes of a dead container")
			}
			for _, w := range tc.want {
				if w = strings.ReplaceAll(w, "REGISTRY", p.c.Registry); !strings.Contains(stderr, w) {
					t.Errorf("the diagnosis lacks %q", w)
				}
			}
			t.Logf("stdout:\n%s\nstderr:\n%s", stdout, stderr)
		})
	}
}

// TestPreflightMissingTag: a tag its registry does not have stops the
// deploy in preflight (exit 1), before anything is applied.
func TestPreflightMissingTag(t *testing.T) {
	t.Parallel()
	p := newProject(t, webYAML)
	image := p.c.Registry + "/e2e-web:no-such-tag"
	_, stderr, code := p.berth(nil, "deploy", "--set-image", "web="+image)
	if code != cli.ExitFailure || !strings.Contains(stderr, image+" is not in its registry (MANIFEST_UNKNOWN: manifest unknown)") ||
		!strings.Contains(stderr, "preflight checks failed; nothing was applied") {
		t.Errorf("deploy: exit %d, want %d with the preflight error\n%s", code, cli.ExitFailure, stderr)
	}
	if d, err := p.c.Clientset(t).AppsV1().Deployments(p.ns).List(t.Context(), metav1.ListOptions{}); err != nil || len(d.Items) != 0 {
		t.Errorf("after a failed preflight: %v %v", d, err)
	}
}
