package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/output"
)

// Exit codes, documented in the README.
const (
	ExitOK      = 0
	ExitFailure = 1 // anything else that went wrong
	// ExitUsage: bad flags, arguments or command names, or a berth.yaml
	// that does not load or validate (config.Error, config.Errors).
	ExitUsage = 2
	// ExitUnhealthy: the revision was applied but did not become healthy
	// (with --atomic, the previous revision was restored).
	ExitUnhealthy = 3
	// ExitNotDeployed: the app has no revision in the namespace (status,
	// history, undo, scale, rollout of an app never deployed there, delete
	// of a named app with nothing there).
	ExitNotDeployed = 4
	// ExitInterrupted: berth stopped on SIGINT or SIGTERM, after saying
	// what state it left the app in (128 + SIGINT, as shells report it).
	ExitInterrupted = 130
)

// ExitError carries a specific exit code.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// UsageError is a mistake in how berth was called.
type UsageError struct {
	Err error
	// Command is the command path whose help PrintError points at
	// ("berth logs"); set by Execute, "berth" when empty.
	Command string
}

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

func usageErrorf(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// HintError is an error the user can act on, with what to do.
type HintError struct {
	Err  error
	Hint string
}

func (e *HintError) Error() string { return e.Err.Error() }
func (e *HintError) Unwrap() error { return e.Err }

// Execute runs root (NewRootCmd) on its arguments, as main does. A usage
// error it returns names the command that was run, so that PrintError
// points at that command's help.
func Execute(ctx context.Context, root *cobra.Command) error {
	cmd, err := root.ExecuteContextC(ctx)
	return forCommand(cmd, err)
}

// forCommand records cmd's path in a usage error, wrapping cobra's own
// (untyped) usage errors.
func forCommand(cmd *cobra.Command, err error) error {
	if err == nil || cmd == nil {
		return err
	}
	var ue *UsageError
	switch {
	case errors.As(err, &ue):
		if ue.Command == "" {
			ue.Command = cmd.CommandPath()
		}
	case isCobraUsage(err):
		return &UsageError{Err: err, Command: cmd.CommandPath()}
	}
	return err
}

// ExitCode maps an error returned by a command to the process exit code:
// the one place where errors become exit codes. The library's typed
// errors come first: a deploy interrupted (during its rollout, or before
// it) is 130, a revision that did not become healthy 3.
func ExitCode(err error) int {
	var ue *UsageError
	var ee *ExitError
	var cerrs config.Errors
	var cerr *config.Error
	var unknown *config.UnknownServiceError
	var nd *deploy.NotDeployedError
	var interrupted *deploy.InterruptedError
	var stopped *deploy.StoppedError
	var failed *deploy.FailedError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &interrupted), errors.As(err, &stopped):
		return ExitInterrupted
	case errors.As(err, &failed):
		return ExitUnhealthy
	case errors.As(err, &ee):
		return ee.Code
	case errors.As(err, &nd):
		return ExitNotDeployed
	case errors.Is(err, ErrDiffers):
		return ExitFailure
	case errors.As(err, &ue), errors.As(err, &cerrs), errors.As(err, &cerr), errors.As(err, &unknown):
		return ExitUsage
	case isCobraUsage(err):
		return ExitUsage
	}
	return ExitFailure
}

// isCobraUsage recognises the errors cobra itself returns for unknown
// commands and flags, which carry no type.
func isCobraUsage(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "flag needs an argument", "invalid argument", "required flag", "accepts ", "requires at least", "requires at most", "requires exactly"} {
		if strings.HasPrefix(msg, p) || strings.Contains(msg, " "+p) {
			return true
		}
	}
	return false
}

// PrintError writes an error for a person (output.Error): "error: …"
// and, where berth knows one, "hint: …"; a usage error points at the help
// of its command.
func PrintError(w io.Writer, err error, color bool) {
	output.Error(w, err, output.ErrorOptions{Color: color, Hint: hintOf, Usage: usageOf})
}

// hintOf is a HintError's hint, else the Hint of the first error in the
// chain that has one (the library's typed errors say what to do).
func hintOf(err error) string {
	var he *HintError
	var hinted interface{ Hint() string }
	switch {
	case errors.As(err, &he):
		return he.Hint
	case errors.As(err, &hinted):
		return hinted.Hint()
	}
	return ""
}

// usageOf reports whether err is a usage error, and the command whose help
// it points at ("berth" when Execute did not record one).
func usageOf(err error) (string, bool) {
	if ExitCode(err) != ExitUsage {
		return "", false
	}
	var ue *UsageError
	if errors.As(err, &ue) && ue.Command != "" {
		return ue.Command, true
	}
	return "berth", true
}

// Silent reports that the error's output was already shown, so PrintError
// writes nothing.
func (*silentError) Silent() bool { return true }
