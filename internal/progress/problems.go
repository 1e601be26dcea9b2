package progress

import (
	"errors"
	"fmt"
	"io"

	"github.com/berth-dev/berth/internal/config"
)

// Explainer is what the command line knows of an error: how it prints
// ("error: …", "hint: …"), its exit code and its hint ("" for none).
type Explainer interface {
	PrintError(w io.Writer, err error)
	ExitCode(err error) int
	Hint(err error) string
}

// Finish ends a command: it closes an open log group and reports err on
// stderr, as text (x prints it), as error events with --progress=json,
// and in GitHub Actions also as ::error annotations. A nil err only ends
// the output.
func (o *Output) Finish(err error, x Explainer) {
	if o.opts.Mode == ModeJSON {
		_ = o.Start() // when flags failed to parse after --progress=json
	}
	o.Reporter().End()
	if o.lines != nil {
		o.lines.Flush()
	}
	if err == nil {
		return
	}
	if o.events != nil {
		for _, ev := range errorEvents(err, x) {
			o.events.Emit(EventError, ev)
		}
		return
	}
	w := o.stderr.Raw()
	x.PrintError(w, err)
	if o.GitHubActions() {
		for _, a := range o.Annotations(err) {
			fmt.Fprintln(w, a)
		}
	}
}

// Warnings reports berth.yaml's warnings: as text ("warning:", passed
// through paint, then the warning), in GitHub Actions with a ::warning
// annotation after each, or as warning events.
func (o *Output) Warnings(warnings []*config.Warning, paint func(string) string) {
	for _, w := range warnings {
		switch {
		case o.events != nil:
			o.events.Emit(EventWarning, Problem{Message: w.Msg, Hint: w.Hint, File: w.File, Line: w.Pos.Line, Column: w.Pos.Col, Path: w.Path})
		case o.GitHubActions():
			fmt.Fprintf(o.stderr, "%s %s\n", paint("warning:"), w.Error())
			fmt.Fprintln(o.stderr.Raw(), annotation("warning", w, o.opts.Workspace))
		default:
			fmt.Fprintf(o.stderr, "%s %s\n", paint("warning:"), w.Error())
		}
	}
}

// Annotations are the GitHub workflow commands for err: an ::error with
// file, line and column per berth.yaml problem, else one ::error with the
// message.
func (o *Output) Annotations(err error) []string {
	cerrs := configErrors(err)
	if len(cerrs) == 0 {
		return []string{Annotation{Level: "error", Message: err.Error()}.String()}
	}
	out := make([]string, len(cerrs))
	for i, e := range cerrs {
		out[i] = annotation("error", e, o.opts.Workspace)
	}
	return out
}

// annotation is ::error or ::warning with the position of a berth.yaml
// problem (its file relative to the workspace, as GitHub wants).
func annotation(level string, e *config.Error, workspace string) string {
	msg := e.Msg
	if e.Path != "" {
		msg = e.Path + ": " + msg
	}
	if e.Hint != "" {
		msg += "\nhint: " + e.Hint
	}
	return Annotation{Level: level, File: WorkspacePath(workspace, e.File), Line: e.Pos.Line, Col: e.Pos.Col, Message: msg}.String()
}

// errorEvents are the error events of err: one per berth.yaml problem, or
// one per joined error, or one with the message and hint.
func errorEvents(err error, x Explainer) []Problem {
	code := x.ExitCode(err)
	if cerrs := configErrors(err); len(cerrs) > 0 {
		out := make([]Problem, len(cerrs))
		for i, e := range cerrs {
			out[i] = Problem{Message: e.Msg, Hint: e.Hint, ExitCode: code, File: e.File, Line: e.Pos.Line, Column: e.Pos.Col, Path: e.Path}
		}
		return out
	}
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		var out []Problem
		for _, e := range joined.Unwrap() {
			for _, ev := range errorEvents(e, x) {
				ev.ExitCode = code
				out = append(out, ev)
			}
		}
		return out
	}
	return []Problem{{Message: err.Error(), Hint: x.Hint(err), ExitCode: code}}
}

// configErrors are the berth.yaml problems err carries, if any.
func configErrors(err error) config.Errors {
	var cerrs config.Errors
	var cerr *config.Error
	switch {
	case errors.As(err, &cerrs):
		return cerrs
	case errors.As(err, &cerr):
		return config.Errors{cerr}
	}
	return nil
}
