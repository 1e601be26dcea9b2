package output_test

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/output"
)

// ownHint is the command line's own hinted error in these tests.
type ownHint struct {
	err  error
	hint string
}

func (e *ownHint) Error() string { return e.err.Error() }
func (e *ownHint) Unwrap() error { return e.err }

// hinted has a Hint method, like deploy's and build's errors.
type hinted struct{ msg, hint string }

func (e *hinted) Error() string { return e.msg }
func (e *hinted) Hint() string  { return e.hint }

// usage is a usage error naming its command ("" for berth).
type usage struct {
	err     error
	command string
}

func (e *usage) Error() string { return e.err.Error() }
func (e *usage) Unwrap() error { return e.err }

// silent was already shown; quiet has a Silent method that says no.
type (
	silent struct{ error }
	quiet  struct{ error }
)

func (silent) Silent() bool { return true }
func (quiet) Silent() bool  { return false }

func TestError(t *testing.T) {
	t.Parallel()
	pos := func(line int, msg, hint string) *config.Error {
		return &config.Error{File: "berth.yaml", Pos: config.Pos{Line: line, Col: 3}, Path: "services.web.port", Msg: msg, Hint: hint}
	}
	opts := output.ErrorOptions{
		Hint: func(err error) string {
			var h *ownHint
			if errors.As(err, &h) {
				return h.hint
			}
			return ""
		},
		Usage: func(err error) (string, bool) {
			var u *usage
			if !errors.As(err, &u) {
				return "", false
			}
			if u.command == "" {
				return "berth", true
			}
			return u.command, true
		},
	}
	refused := fmt.Errorf("listing releases: dial tcp 127.0.0.1:6443: %w", syscall.ECONNREFUSED)
	const unreachable = `    hint: berth could not reach the Kubernetes API server; check KUBECONFIG, --kubeconfig and --context
          (kubectl config current-context), and that the cluster is running (for minikube: minikube start)
`
	for _, tc := range []struct {
		name  string
		err   error
		color bool
		bare  bool // no ErrorOptions.Hint or Usage
		want  string
	}{
		{name: "plain", err: errors.New("boom"), want: "error: boom\n"},
		{name: "colour", err: errors.New("boom"), color: true, want: "\x1b[31merror:\x1b[0m boom\n"},
		{name: "own hint", err: fmt.Errorf("pushing: %w", &ownHint{err: errors.New("denied"), hint: "log in"}), want: "error: pushing: denied\n    hint: log in\n"},
		{name: "own hint over Hint method", err: &ownHint{err: &hinted{msg: "x", hint: "method"}, hint: "own"}, want: "error: x\n    hint: own\n"},
		{name: "empty own hint falls to Hint method", err: &ownHint{err: &hinted{msg: "x", hint: "method"}}, want: "error: x\n    hint: method\n"},
		{name: "Hint method", err: fmt.Errorf("deploy: %w", &hinted{msg: "stuck", hint: "run berth status"}), want: "error: deploy: stuck\n    hint: run berth status\n"},
		{name: "Hint method without options", err: &hinted{msg: "stuck", hint: "run berth status"}, bare: true, want: "error: stuck\n    hint: run berth status\n"},
		{name: "empty Hint method", err: &hinted{msg: "stuck"}, want: "error: stuck\n"},
		{name: "multi-line hint", err: &hinted{msg: "m", hint: "one\ntwo"}, want: "error: m\n    hint: one\n          two\n"},
		{name: "connection refused", err: refused, want: "error: listing releases: dial tcp 127.0.0.1:6443: connection refused\n" + unreachable},
		{name: "DNS", err: fmt.Errorf("get: %w", &net.DNSError{Err: "no such host", Name: "k8s.example"}), want: "error: get: lookup k8s.example: no such host\n" + unreachable},
		{name: "Hint method over unreachable", err: &hinted{msg: "m", hint: "h"}, want: "error: m\n    hint: h\n"},
		{name: "usage of berth", err: &usage{err: errors.New("bad flag")}, want: "error: bad flag\nRun 'berth --help' for usage.\n"},
		{name: "usage of a command", err: &usage{err: errors.New("no service"), command: "berth logs"}, want: "error: no service\nRun 'berth logs --help' for usage.\n"},
		{name: "usage without options", err: &usage{err: errors.New("bad flag")}, bare: true, want: "error: bad flag\n"},
		{name: "usage with hint", err: &usage{err: &hinted{msg: "m", hint: "h"}, command: "berth up"}, want: "error: m\n    hint: h\nRun 'berth up --help' for usage.\n"},
		{name: "silent", err: silent{errors.New("differs")}, want: ""},
		{name: "silent wrapped", err: fmt.Errorf("diff: %w", silent{errors.New("differs")}), want: ""},
		{name: "silent joined", err: errors.Join(errors.New("a"), silent{errors.New("b")}), want: ""},
		{name: "not silent", err: quiet{errors.New("loud")}, want: "error: loud\n"},
		{name: "config error", err: pos(4, "must be a number", "write 8080"), want: "error: berth.yaml:4:3: services.web.port: must be a number\n    hint: write 8080\n"},
		{name: "config error wrapped, no usage line", err: &usage{err: fmt.Errorf("loading: %w", pos(4, "bad", ""))}, want: "error: berth.yaml:4:3: services.web.port: bad\n"},
		{name: "config errors", err: config.Errors{pos(2, "first", ""), pos(9, "second", "fix it")}, color: true,
			want: "\x1b[31merror:\x1b[0m berth.yaml:2:3: services.web.port: first\n\x1b[31merror:\x1b[0m berth.yaml:9:3: services.web.port: second\n    hint: fix it\n2 problems in berth.yaml; nothing was rendered or applied\n"},
		{name: "one config error in Errors", err: config.Errors{pos(2, "only", "")}, want: "error: berth.yaml:2:3: services.web.port: only\n"},
		{name: "joined, each with its hint", err: errors.Join(&hinted{msg: "web: build failed", hint: "see the log"}, &ownHint{err: errors.New("api: push failed"), hint: "log in"}, &usage{err: errors.New("u")}),
			want: "error: web: build failed\n    hint: see the log\nerror: api: push failed\n    hint: log in\nerror: u\nRun 'berth --help' for usage.\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := opts
			if tc.bare {
				o = output.ErrorOptions{}
			}
			o.Color = tc.color
			var b strings.Builder
			output.Error(&b, tc.err, o)
			if diff := cmp.Diff(tc.want, b.String()); diff != "" {
				t.Errorf("Error (-want +got):\n%s", diff)
			}
		})
	}
}
