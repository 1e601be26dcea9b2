package cli

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/berth-dev/berth/internal/build"
	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/kube"
	"github.com/berth-dev/berth/internal/progress"
)

// How commands show progress on stderr. The rendering (events, GitHub
// Actions groups and annotations, the live and plain views) is the
// progress package's; this file picks it from the flags and environment.

// Progress modes (--progress).
const (
	ProgressAuto  = progress.ModeAuto
	ProgressTTY   = progress.ModeTTY
	ProgressPlain = progress.ModePlain
	ProgressJSON  = progress.ModeJSON
)

// progressMode resolves --progress: auto is tty when stderr is a terminal
// and neither CI nor --no-color asks for plain output, plain otherwise.
func (f *Factory) progressMode() string {
	return progress.ResolveMode(f.Progress, f.stderrTTY, f.NoColor, f.ci())
}

// Live reports whether progress may be drawn in place (--progress=tty,
// or auto on a terminal without CI or --no-color).
func (f *Factory) Live() bool { return f.progressMode() == ProgressTTY }

// ci reports whether CI is set (to anything but false or 0).
func (f *Factory) ci() bool {
	v, _ := f.LookupEnv("CI")
	return v != "" && v != "false" && v != "0"
}

// githubActions reports whether berth runs in a GitHub Actions job and may
// write workflow commands (log groups, annotations). --progress=json
// turns them off: every line of stderr is an event then.
func (f *Factory) githubActions() bool {
	v, _ := f.LookupEnv("GITHUB_ACTIONS")
	return v == "true" && f.progressMode() != ProgressJSON
}

// startProgress checks --progress and, for json, puts the event writer in
// front of stderr. It does so once: the root command calls it when flags
// are parsed, Finish in case they did not parse.
func (f *Factory) startProgress() error {
	if f.started {
		return f.startErr
	}
	f.started = true
	if !progress.ValidMode(f.Progress) {
		f.startErr = usageErrorf("--progress %q: use one of auto, tty, plain, json", f.Progress)
		return f.startErr
	}
	if f.Progress == ProgressJSON {
		if f.stderr == nil {
			f.stderr = progress.NewStderr(f.IOStreams.ErrOut)
			f.IOStreams.ErrOut = f.stderr
		}
		f.events, f.lines = f.stderr.JSON(nil)
	}
	return nil
}

// rawErr is the process's stderr, behind any event writer.
func (f *Factory) rawErr() io.Writer {
	if f.stderr == nil {
		return f.IOStreams.ErrOut
	}
	return f.stderr.Raw()
}

// Finish ends a command: it closes an open log group and reports err on
// stderr, as text ("error: …", "hint: …"), as error events with
// --progress=json, and in GitHub Actions also as ::error annotations.
// main calls it with the error the command returned (nil too).
func (f *Factory) Finish(err error) {
	if f.Progress == ProgressJSON {
		_ = f.startProgress() // when flags failed to parse after --progress=json
	}
	f.report().End()
	if f.lines != nil {
		f.lines.Flush()
	}
	if err == nil {
		return
	}
	if f.events != nil {
		for _, ev := range errorEvents(err) {
			f.events.Emit(progress.EventError, ev)
		}
		return
	}
	w := f.rawErr()
	PrintError(w, err, f.Color())
	if f.githubActions() {
		for _, a := range f.annotations(err) {
			fmt.Fprintln(w, a)
		}
	}
}

// reporter is the progress package's Reporter under the names the
// commands call: finished and diagnosis.
type reporter struct{ *progress.Reporter }

var _ deploy.Reporter = (*reporter)(nil)

// finished and finding are the payloads of finished and diagnosis events.
type (
	finished = progress.Finished
	finding  = progress.Finding
)

func (r *reporter) finished(ev finished)                 { r.Finish(ev) }
func (r *reporter) diagnosis(ref kube.Ref, fs []finding) { r.Diagnose(ref, fs) }

// report is the command's reporter, made on first use: events with
// --progress=json, log groups in GitHub Actions.
func (f *Factory) report() *reporter {
	if f.rep == nil {
		var groups io.Writer
		if f.githubActions() {
			groups = f.rawErr()
		}
		f.rep = &reporter{progress.NewReporter(f.events, groups)}
	}
	return f.rep
}

// builds is the observer of image builds and pushes: JSON events, live
// bars or plain lines (stamped with the time, for CI logs), as --progress
// says.
func (f *Factory) builds(w io.Writer) buildObserver {
	if f.events != nil {
		return f.events
	}
	if f.Live() {
		return progress.NewBuilds(w, true, nil)
	}
	return progress.NewBuilds(w, false, time.Now)
}

// buildObserver is a build.Observer that is told when the output ends.
type buildObserver interface {
	build.Observer
	Done()
}

// waitPrinter shows the health wait: events, a live view or plain lines.
func (f *Factory) waitPrinter(w io.Writer) progress.Printer {
	if f.events != nil {
		return f.events
	}
	return progress.New(w, f.Live(), nil)
}

// printWarnings reports berth.yaml's warnings: as text, in GitHub Actions
// with a ::warning annotation after each, or as warning events.
func (f *Factory) printWarnings(warnings []*config.Warning) {
	for _, w := range warnings {
		switch {
		case f.events != nil:
			f.events.Emit(progress.EventWarning, progress.Problem{Message: w.Msg, Hint: w.Hint, File: w.File, Line: w.Pos.Line, Column: w.Pos.Col, Path: w.Path})
		case f.githubActions():
			fmt.Fprintf(f.IOStreams.ErrOut, "%s %s\n", f.paint("warning:", yellow), w.Error())
			fmt.Fprintln(f.rawErr(), annotation("warning", w, f.getenv("GITHUB_WORKSPACE")))
		default:
			fmt.Fprintf(f.IOStreams.ErrOut, "%s %s\n", f.paint("warning:", yellow), w.Error())
		}
	}
}

// errorEvents are the error events of err: one per berth.yaml problem, or
// one with the message and hint.
func errorEvents(err error) []progress.Problem {
	code := ExitCode(err)
	if cerrs := configErrors(err); len(cerrs) > 0 {
		out := make([]progress.Problem, len(cerrs))
		for i, e := range cerrs {
			out[i] = progress.Problem{Message: e.Msg, Hint: e.Hint, ExitCode: code, File: e.File, Line: e.Pos.Line, Column: e.Pos.Col, Path: e.Path}
		}
		return out
	}
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		var out []progress.Problem
		for _, e := range joined.Unwrap() {
			for _, ev := range errorEvents(e) {
				ev.ExitCode = code
				out = append(out, ev)
			}
		}
		return out
	}
	ev := progress.Problem{Message: err.Error(), ExitCode: code}
	var he *HintError
	var hinter interface{ Hint() string }
	switch {
	case errors.As(err, &he):
		ev.Hint = he.Hint
	case errors.As(err, &hinter):
		ev.Hint = hinter.Hint()
	}
	return []progress.Problem{ev}
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

// annotations are the GitHub workflow commands for err: an ::error with
// file, line and column per berth.yaml problem, else one ::error with the
// message.
func (f *Factory) annotations(err error) []string {
	cerrs := configErrors(err)
	if len(cerrs) == 0 {
		return []string{progress.Annotation{Level: "error", Message: err.Error()}.String()}
	}
	ws := f.getenv("GITHUB_WORKSPACE")
	out := make([]string, len(cerrs))
	for i, e := range cerrs {
		out[i] = annotation("error", e, ws)
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
	return progress.Annotation{Level: level, File: progress.WorkspacePath(workspace, e.File), Line: e.Pos.Line, Col: e.Pos.Col, Message: msg}.String()
}
