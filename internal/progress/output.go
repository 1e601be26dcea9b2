package progress

import (
	"fmt"
	"io"
	"time"

	"github.com/berth-dev/berth/internal/build"
)

// Options are the inputs of an Output: the --progress flag and what the
// command line knows about stderr and the environment.
type Options struct {
	// Mode is the --progress flag: auto ("" too), tty, plain or json.
	Mode string
	// Stderr is the process's stderr. A *Stderr is used as it is; any
	// other writer is put behind a new one (see Output.Stderr).
	Stderr io.Writer
	// Terminal reports whether stderr is a terminal.
	Terminal bool
	// NoColor is --no-color; CI reports whether CI is set (to anything
	// but false or 0).
	NoColor, CI bool
	// GitHubActions reports whether GITHUB_ACTIONS is true; Workspace is
	// GITHUB_WORKSPACE, which annotations name files relative to.
	GitHubActions bool
	Workspace     string
	// Invalid, when set, wraps the error Start returns for an unknown
	// mode (the command line makes it a usage error).
	Invalid func(error) error
}

// Output is how a command shows progress on stderr: it resolves the mode
// from the --progress flag, the terminal and CI, puts the JSON event
// writer in front of stderr with --progress=json, and hands out the
// reporter, build observers and wait printers of that mode. Finish
// reports the command's error: as text, as error events, or with GitHub
// Actions ::error annotations. Start, Reporter and Finish are for one
// goroutine (the command's); what they hand out may be used from any.
type Output struct {
	opts   Options
	stderr *Stderr
	// started: Start ran, with startErr; with --progress=json events
	// writes the events and lines turns stderr's lines into them (both
	// nil otherwise).
	started  bool
	startErr error
	events   *Events
	lines    *LineEvents
	reporter *Reporter // Reporter
}

// NewOutput returns the Output of opts. It writes nothing until used;
// Start checks the mode.
func NewOutput(opts Options) *Output {
	s, ok := opts.Stderr.(*Stderr)
	if !ok {
		s = NewStderr(opts.Stderr)
	}
	return &Output{opts: opts, stderr: s}
}

// Stderr is the writer commands write their stderr text to: the
// process's stderr, or with --progress=json (once started) the writer
// that turns each line into a log event.
func (o *Output) Stderr() *Stderr { return o.stderr }

// Start checks the mode and, for json, puts the event writer in front of
// stderr. It does so once; later calls return the first one's error.
func (o *Output) Start() error {
	if o.started {
		return o.startErr
	}
	o.started = true
	if !ValidMode(o.opts.Mode) {
		err := fmt.Errorf("--progress %q: use one of auto, tty, plain, json", o.opts.Mode)
		if o.opts.Invalid != nil {
			err = o.opts.Invalid(err)
		}
		o.startErr = err
		return err
	}
	if o.opts.Mode == ModeJSON {
		o.events, o.lines = o.stderr.JSON(nil)
	}
	return nil
}

// Mode is the resolved mode: tty, plain or json (see ResolveMode).
func (o *Output) Mode() string {
	return ResolveMode(o.opts.Mode, o.opts.Terminal, o.opts.NoColor, o.opts.CI)
}

// Live reports whether progress may be drawn in place (--progress=tty,
// or auto on a terminal without CI or --no-color).
func (o *Output) Live() bool { return o.Mode() == ModeTTY }

// GitHubActions reports whether berth runs in a GitHub Actions job and
// may write workflow commands (log groups, annotations). --progress=json
// turns them off: every line of stderr is an event then.
func (o *Output) GitHubActions() bool {
	return o.opts.GitHubActions && o.Mode() != ModeJSON
}

// Events are the JSON events once Start switched to them
// (--progress=json), else nil.
func (o *Output) Events() *Events { return o.events }

// Reporter is the command's reporter, made on first use: events with
// --progress=json, log groups in GitHub Actions.
func (o *Output) Reporter() *Reporter {
	if o.reporter == nil {
		var groups io.Writer
		if o.GitHubActions() {
			groups = o.stderr.Raw()
		}
		o.reporter = NewReporter(o.events, groups)
	}
	return o.reporter
}

// BuildObserver is a build.Observer that is told when the output ends.
type BuildObserver interface {
	build.Observer
	Done()
}

// Builds is the observer of image builds and pushes writing to w: JSON
// events, live bars or plain lines (stamped with the time, for CI logs),
// as the mode says.
func (o *Output) Builds(w io.Writer) BuildObserver {
	if o.events != nil {
		return o.events
	}
	if o.Live() {
		return NewBuilds(w, true, nil)
	}
	return NewBuilds(w, false, time.Now)
}

// WaitPrinter shows the health wait on w: events, a live view or plain
// lines.
func (o *Output) WaitPrinter(w io.Writer) Printer {
	if o.events != nil {
		return o.events
	}
	return New(w, o.Live(), nil)
}
