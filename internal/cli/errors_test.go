package cli

import (
	"bytes"
	"errors"
	"fmt"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-dev/berth/internal/config"
)

// TestPrintErrorUnreachable: the hint for an API server that cannot be
// reached says what a user can do, and names nothing only a berth
// developer has (make targets, repository scripts).
func TestPrintErrorUnreachable(t *testing.T) {
	t.Parallel()
	err := fmt.Errorf("listing releases: Get \"https://127.0.0.1:6443/api\": dial tcp 127.0.0.1:6443: %w", syscall.ECONNREFUSED)
	var buf bytes.Buffer
	PrintError(&buf, err, false)
	want := `error: listing releases: Get "https://127.0.0.1:6443/api": dial tcp 127.0.0.1:6443: connection refused
    hint: berth could not reach the Kubernetes API server; check KUBECONFIG, --kubeconfig and --context
          (kubectl config current-context), and that the cluster is running (for minikube: minikube start)
`
	if diff := cmp.Diff(want, buf.String()); diff != "" {
		t.Errorf("PrintError (-want +got):\n%s", diff)
	}
	for _, dev := range []string{"make ", "scripts/", "sandbox"} {
		if bytes.Contains(buf.Bytes(), []byte(dev)) {
			t.Errorf("the hint names %q, which only a berth developer has:\n%s", dev, buf.String())
		}
	}
}

// TestExitCodeOf: typed errors map to their exit codes in ExitCode, the one
// place that decides them.
func TestExitCodeOf(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		err   error
		want  int
		print string
	}{
		{"nil", nil, ExitOK, ""},
		{"plain", errors.New("boom"), ExitFailure, "error: boom\n"},
		{"usage", usageErrorf("bad flag"), ExitUsage, "error: bad flag\nRun 'berth --help' for usage.\n"},
		{"diff --exit-code", &silentError{err: ErrDiffers}, ExitFailure, ""},
		{"diff --exit-code wrapped", fmt.Errorf("diff: %w", &silentError{err: ErrDiffers}), ExitFailure, ""},
		{"usage of a command", &UsageError{Err: errors.New("bad"), Command: "berth logs"}, ExitUsage, "error: bad\nRun 'berth logs --help' for usage.\n"},
		{"hint", fmt.Errorf("import: %w", &HintError{Err: errors.New("exists"), Hint: "pass --force"}), ExitFailure, "error: import: exists\n    hint: pass --force\n"},
		{"empty hint", &HintError{Err: errors.New("exists")}, ExitFailure, "error: exists\n"},
		{"unknown service", fmt.Errorf("logs: %w", &config.UnknownServiceError{File: "berth.yaml", Service: "wbe", Services: []string{"api", "web"}}), ExitUsage,
			"error: logs: berth.yaml has no service \"wbe\" (did you mean \"web\"?); its services: api, web\nRun 'berth --help' for usage.\n"},
		{"explicit", &ExitError{Code: ExitUnhealthy, Err: errors.New("not healthy")}, ExitUnhealthy, "error: not healthy\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := ExitCode(tc.err); got != tc.want {
				t.Errorf("ExitCode = %d, want %d", got, tc.want)
			}
			if tc.err == nil {
				return
			}
			var buf bytes.Buffer
			PrintError(&buf, tc.err, false)
			if diff := cmp.Diff(tc.print, buf.String()); diff != "" {
				t.Errorf("PrintError (-want +got):\n%s", diff)
			}
		})
	}
}
