package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"

	"github.com/berth-dev/berth/internal/build"
	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/kube"
	"github.com/berth-dev/berth/internal/progress"
)

// Progress modes (--progress).
const (
	ProgressAuto  = "auto"
	ProgressTTY   = "tty"
	ProgressPlain = "plain"
	ProgressJSON  = "json"
)

// progressMode resolves --progress: auto is tty when stderr is a terminal
// and neither CI nor --no-color asks for plain output, plain otherwise.
func (f *Factory) progressMode() string {
	switch f.Progress {
	case ProgressTTY, ProgressPlain, ProgressJSON:
		return f.Progress
	}
	if !f.stderrTTY || f.NoColor || f.ci() {
		return ProgressPlain
	}
	return ProgressTTY
}

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
// front of stderr. The root command calls it once flags are parsed.
func (f *Factory) startProgress() error {
	switch f.Progress {
	case "", ProgressAuto, ProgressTTY, ProgressPlain:
		return nil
	case ProgressJSON:
		f.events = progress.NewEvents(f.rawErr(), nil)
		f.lines = f.events.Writer()
		f.setErr(f.lines)
		return nil
	}
	return usageErrorf("--progress %q: use one of auto, tty, plain, json", f.Progress)
}

// Finish ends a command: it closes an open log group and reports err on
// stderr, as text ("error: …", "hint: …"), as error events with
// --progress=json, and in GitHub Actions also as ::error annotations.
// main calls it with the error the command returned (nil too).
func (f *Factory) Finish(err error) {
	if f.events == nil && f.Progress == ProgressJSON {
		_ = f.startProgress() // flags failed to parse after --progress=json
	}
	f.report().end()
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

// errorEvent is the payload of error events.
type errorEvent struct {
	Message  string `json:"message"`
	Hint     string `json:"hint,omitempty"`
	ExitCode int    `json:"exitCode,omitempty"` // error events only (never 0)
	File     string `json:"file,omitempty"`
	Line     int    `json:"line,omitempty"`
	Column   int    `json:"column,omitempty"`
	Path     string `json:"path,omitempty"`
}

// errorEvents are the error events of err: one per berth.yaml problem, or
// one with the message and hint.
func errorEvents(err error) []errorEvent {
	code := ExitCode(err)
	if cerrs := configErrors(err); len(cerrs) > 0 {
		out := make([]errorEvent, len(cerrs))
		for i, e := range cerrs {
			out[i] = errorEvent{Message: e.Msg, Hint: e.Hint, ExitCode: code, File: e.File, Line: e.Pos.Line, Column: e.Pos.Col, Path: e.Path}
		}
		return out
	}
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		var out []errorEvent
		for _, e := range joined.Unwrap() {
			for _, ev := range errorEvents(e) {
				ev.ExitCode = code
				out = append(out, ev)
			}
		}
		return out
	}
	ev := errorEvent{Message: err.Error(), ExitCode: code}
	var he *HintError
	var hinter interface{ Hint() string }
	switch {
	case errors.As(err, &he):
		ev.Hint = he.Hint
	case errors.As(err, &hinter):
		ev.Hint = hinter.Hint()
	}
	return []errorEvent{ev}
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
	if cerrs := configErrors(err); len(cerrs) > 0 {
		out := make([]string, len(cerrs))
		for i, e := range cerrs {
			out[i] = f.annotation("error", e)
		}
		return out
	}
	return []string{"::error::" + escapeData(err.Error())}
}

// annotation is ::error or ::warning with the position of a berth.yaml
// problem (its file relative to GITHUB_WORKSPACE, as GitHub wants).
func (f *Factory) annotation(level string, e *config.Error) string {
	var props []string
	if e.File != "" {
		props = append(props, "file="+escapeProperty(f.workspacePath(e.File)))
	}
	if e.Pos.Line > 0 {
		props = append(props, fmt.Sprintf("line=%d", e.Pos.Line))
		if e.Pos.Col > 0 {
			props = append(props, fmt.Sprintf("col=%d", e.Pos.Col))
		}
	}
	msg := e.Msg
	if e.Path != "" {
		msg = e.Path + ": " + msg
	}
	if e.Hint != "" {
		msg += "\nhint: " + e.Hint
	}
	cmd := "::" + level
	if len(props) > 0 {
		cmd += " " + strings.Join(props, ",")
	}
	return cmd + "::" + escapeData(msg)
}

// workspacePath makes an absolute path under GITHUB_WORKSPACE relative to it.
func (f *Factory) workspacePath(file string) string {
	ws, _ := f.LookupEnv("GITHUB_WORKSPACE")
	if ws == "" || !filepath.IsAbs(file) {
		return file
	}
	if rel, err := filepath.Rel(ws, file); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.ToSlash(rel)
	}
	return file
}

// escapeData escapes the message of a workflow command as GitHub's
// toolkit does: %, CR and LF.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty escapes a property value of a workflow command: as
// escapeData, and : and , too.
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// errStream is the stderr commands write to: the process's own, or with
// --progress=json the writer that turns lines into events. Commands keep
// the IOStreams they were built with, so the switch happens behind it.
type errStream struct {
	mu   sync.Mutex
	orig io.Writer
	cur  io.Writer
}

func newErrStream(w io.Writer) *errStream { return &errStream{orig: w, cur: w} }

func (s *errStream) Write(p []byte) (int, error) {
	s.mu.Lock()
	w := s.cur
	s.mu.Unlock()
	return w.Write(p)
}

func (s *errStream) set(w io.Writer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cur = w
}

// raw is the process's stderr, behind any event writer.
func (s *errStream) raw() io.Writer { return s.orig }

// reporter tells what a command does beyond its text: JSON events with
// --progress=json, log groups (::group::) in GitHub Actions. It is the
// deploy package's Reporter; build and push use Stage.
type reporter struct {
	mu     sync.Mutex
	events *progress.Events // nil unless --progress=json
	groups io.Writer        // stderr in GitHub Actions, else nil
	open   bool
	// diagnosed is the last diagnosis event per object, so a wait that
	// looks every few seconds reports each change once.
	diagnosed map[string]string
}

var _ deploy.Reporter = (*reporter)(nil)

// report is the command's reporter, made on first use.
func (f *Factory) report() *reporter {
	if f.rep == nil {
		f.rep = &reporter{events: f.events, diagnosed: map[string]string{}}
		if f.githubActions() {
			f.rep.groups = f.rawErr()
		}
	}
	return f.rep
}

// Stage starts a section: an event, or a log group (ending the last one:
// GitHub's groups do not nest).
func (r *reporter) Stage(name string) {
	if r == nil {
		return
	}
	if r.events != nil {
		r.events.Stage(name)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.groups == nil {
		return
	}
	if r.open {
		fmt.Fprintln(r.groups, "::endgroup::")
	}
	fmt.Fprintf(r.groups, "::group::%s\n", escapeData(name))
	r.open = true
}

// end closes an open log group.
func (r *reporter) end() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.open {
		fmt.Fprintln(r.groups, "::endgroup::")
		r.open = false
	}
}

// Applied reports an object's result as an apply event.
func (r *reporter) Applied(res kube.Result) {
	if r.events != nil {
		r.events.Applied(res)
	}
}

// finished is the payload of finished events: how a deploy, apply, up,
// undo or scale ended.
type finished struct {
	Command   string `json:"command"`
	App       string `json:"app"`
	Namespace string `json:"namespace"`
	Revision  int    `json:"revision,omitempty"`
	// Status is healthy, applied (not waited for), failed or dry-run.
	Status     string `json:"status"`
	RolledBack int    `json:"rolledBack,omitempty"`
	Duration   string `json:"duration"`
}

func (r *reporter) finished(ev finished) {
	if r.events != nil {
		r.events.Emit(progress.EventFinished, ev)
	}
}

// diagnosisEvent is the payload of diagnosis events.
type diagnosisEvent struct {
	Object   kube.Ref  `json:"object"`
	Findings []finding `json:"findings"`
}

// finding is one diagnose.Finding.
type finding struct {
	Object   string   `json:"object"`
	Reason   string   `json:"reason"`
	Message  string   `json:"message"`
	Hint     string   `json:"hint,omitempty"`
	Terminal bool     `json:"terminal"`
	Logs     []string `json:"logs,omitempty"`
}

// diagnosis reports findings about an object once per change.
func (r *reporter) diagnosis(ref kube.Ref, fs []finding) {
	if r.events == nil || len(fs) == 0 {
		return
	}
	key := fmt.Sprint(fs)
	r.mu.Lock()
	same := r.diagnosed[ref.Key()] == key
	r.diagnosed[ref.Key()] = key
	r.mu.Unlock()
	if !same {
		r.events.Emit(progress.EventDiagnosis, diagnosisEvent{Object: ref, Findings: fs})
	}
}

// warning reports a berth.yaml warning: an event with its position, or in
// GitHub Actions an ::warning annotation after the text.
func (f *Factory) warning(w *config.Warning) {
	switch {
	case f.events != nil:
		f.events.Emit(progress.EventWarning, errorEvent{Message: w.Msg, Hint: w.Hint, File: w.File, Line: w.Pos.Line, Column: w.Pos.Col, Path: w.Path})
	case f.githubActions():
		fmt.Fprintf(f.IOStreams.ErrOut, "%s %s\n", f.paint("warning:", yellow), w.Error())
		fmt.Fprintln(f.rawErr(), f.annotation("warning", w))
	default:
		fmt.Fprintf(f.IOStreams.ErrOut, "%s %s\n", f.paint("warning:", yellow), w.Error())
	}
}

// builds is the observer of image builds and pushes: JSON events, live
// bars or plain lines, as --progress says.
func (f *Factory) builds(w io.Writer) buildObserver {
	if f.events != nil {
		return f.events
	}
	return progress.NewBuilds(w, f.Live(), f.clock())
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

// APIVersion is the apiVersion of every -o json|yaml result berth prints
// (with a kind naming its shape). It changes only when a field changes
// meaning or goes away.
const APIVersion = "berth/v1"

// versioned marshals as v's JSON object with apiVersion and kind first:
// berth's versioned -o json|yaml shape for results that are not already
// a versioned type.
func versioned(kind string, v any) json.Marshaler { return versionedObject{kind: kind, v: v} }

type versionedObject struct {
	kind string
	v    any
}

func (o versionedObject) MarshalJSON() ([]byte, error) {
	head, err := json.Marshal(struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
	}{APIVersion, o.kind})
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(o.v)
	if err != nil {
		return nil, err
	}
	if len(body) < 2 || body[0] != '{' {
		return nil, fmt.Errorf("%s: a versioned result must be a JSON object, not %.20s", o.kind, body)
	}
	if len(body) == 2 {
		return head, nil
	}
	return append(append(head[:len(head)-1], ','), body[1:]...), nil
}

// rawErr is the process's stderr, behind any event writer.
func (f *Factory) rawErr() io.Writer {
	if f.stderr == nil {
		return f.IOStreams.ErrOut
	}
	return f.stderr.raw()
}

// setErr puts w in front of stderr for every command's IOStreams.
func (f *Factory) setErr(w io.Writer) {
	if f.stderr == nil {
		f.stderr = newErrStream(f.IOStreams.ErrOut)
		f.IOStreams.ErrOut = f.stderr
	}
	f.stderr.set(w)
}
