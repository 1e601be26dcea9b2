package progress

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-dev/berth/internal/config"
)

// TestOutputMode: auto is tty on a terminal without CI or --no-color,
// plain otherwise; an explicit mode wins; GitHub workflow commands are off
// with json.
func TestOutputMode(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name                 string
		opts                 Options
		want                 string
		wantGitHub, wantLive bool
	}{
		{name: "terminal", opts: Options{Mode: ModeAuto, Terminal: true}, want: ModeTTY, wantLive: true},
		{name: "empty flag", opts: Options{Terminal: true}, want: ModeTTY, wantLive: true},
		{name: "pipe", opts: Options{Mode: ModeAuto}, want: ModePlain},
		{name: "CI", opts: Options{Mode: ModeAuto, Terminal: true, CI: true}, want: ModePlain},
		{name: "no-color", opts: Options{Mode: ModeAuto, Terminal: true, NoColor: true}, want: ModePlain},
		{name: "tty on a pipe", opts: Options{Mode: ModeTTY}, want: ModeTTY, wantLive: true},
		{name: "plain on a terminal", opts: Options{Mode: ModePlain, Terminal: true}, want: ModePlain},
		{name: "GitHub", opts: Options{Mode: ModeAuto, CI: true, GitHubActions: true}, want: ModePlain, wantGitHub: true},
		{name: "GitHub json", opts: Options{Mode: ModeJSON, GitHubActions: true}, want: ModeJSON},
		{name: "unknown", opts: Options{Mode: "fancy", Terminal: true}, want: ModeTTY, wantLive: true},
	} {
		o := NewOutput(tc.opts)
		if got := o.Mode(); got != tc.want || o.GitHubActions() != tc.wantGitHub || o.Live() != tc.wantLive {
			t.Errorf("%s: mode %s github %v live %v, want %s %v %v", tc.name, got, o.GitHubActions(), o.Live(), tc.want, tc.wantGitHub, tc.wantLive)
		}
	}
}

// TestOutputStart: an unknown mode is an error (wrapped by Invalid), the
// same on every call; json switches stderr to events once.
func TestOutputStart(t *testing.T) {
	t.Parallel()
	type usage struct{ error }
	o := NewOutput(Options{Mode: "fancy", Stderr: io.Discard, Invalid: func(err error) error { return &usage{err} }})
	first := o.Start()
	var u *usage
	if !errors.As(first, &u) || first.Error() != `--progress "fancy": use one of auto, tty, plain, json` || o.Start() != first {
		t.Errorf("bad --progress: %v, then %v", first, o.Start())
	}
	if err := NewOutput(Options{Mode: "fancy"}).Start(); err == nil || errors.As(err, &u) {
		t.Errorf("without Invalid: %v, want the plain error", err)
	}

	var raw bytes.Buffer
	s := NewStderr(&raw)
	o = NewOutput(Options{Mode: ModeJSON, Stderr: s})
	if o.Stderr() != s {
		t.Error("a *Stderr given is not used as it is")
	}
	if o.Events() != nil {
		t.Error("events before Start")
	}
	if err := o.Start(); err != nil {
		t.Fatal(err)
	}
	events := o.Events()
	_ = o.Start()
	if events == nil || o.Events() != events {
		t.Fatal("json: no events, or new ones on the second start")
	}
	fmt.Fprintln(o.Stderr(), "hello")
	if got := eventTime.ReplaceAllString(raw.String(), `"time":"T"`); got != `{"v":1,"time":"T","type":"log","message":"hello"}`+"\n" {
		t.Errorf("stderr with --progress=json: %q", got)
	}

	raw.Reset()
	o = NewOutput(Options{Mode: ModePlain, Stderr: &raw})
	if err := o.Start(); err != nil || o.Events() != nil {
		t.Fatalf("plain: %v, events %v", err, o.Events())
	}
	fmt.Fprintln(o.Stderr(), "hello")
	if raw.String() != "hello\n" || o.Stderr().Raw() != &raw {
		t.Errorf("plain stderr: %q", raw.String())
	}
}

// testExplainer stands in for the command line's errors: "error: " and
// the message, exit code 2 for berth.yaml problems and 1 else, the hint of
// a hinted error.
type testExplainer struct{}

type hinted struct {
	error
	hint string
}

func (h hinted) Hint() string { return h.hint }

func (testExplainer) PrintError(w io.Writer, err error) { fmt.Fprintf(w, "error: %v\n", err) }

func (testExplainer) ExitCode(err error) int {
	if configErrors(err) != nil {
		return 2
	}
	return 1
}

func (testExplainer) Hint(err error) string {
	var h hinted
	if errors.As(err, &h) {
		return h.hint
	}
	return ""
}

var (
	replica = &config.Error{File: "/w/app/berth.yaml", Pos: config.Pos{Line: 6, Col: 5}, Path: "services.web.replica", Msg: `unknown field "replica"`, Hint: `did you mean "replicas"?`}
	wrong   = &config.Error{File: "/elsewhere/a,b.yaml", Msg: "100% wrong"}
)

// TestErrorEvents: an error event per berth.yaml problem, per joined
// error (with the exit code of the whole), or one with message and hint.
func TestErrorEvents(t *testing.T) {
	t.Parallel()
	replicaEvent := Problem{Message: `unknown field "replica"`, Hint: `did you mean "replicas"?`, ExitCode: 2, File: "/w/app/berth.yaml", Line: 6, Column: 5, Path: "services.web.replica"}
	for _, tc := range []struct {
		name string
		err  error
		want []Problem
	}{
		{"plain", errors.New("boom"), []Problem{{Message: "boom", ExitCode: 1}}},
		{"hint", fmt.Errorf("pushing: %w", hinted{errors.New("denied"), "log in"}), []Problem{{Message: "pushing: denied", Hint: "log in", ExitCode: 1}}},
		{"config error", fmt.Errorf("loading: %w", replica), []Problem{replicaEvent}},
		{"config errors", config.Errors{replica, wrong}, []Problem{replicaEvent, {Message: "100% wrong", ExitCode: 2, File: "/elsewhere/a,b.yaml"}}},
		{"joined", errors.Join(errors.New("apply failed"), hinted{errors.New("printing"), "retry"}), []Problem{
			{Message: "apply failed", ExitCode: 1}, {Message: "printing", Hint: "retry", ExitCode: 1},
		}},
		// berth.yaml's problems stand for the whole: the rest follows from them.
		{"joined with config", errors.Join(errors.New("a"), replica), []Problem{replicaEvent}},
	} {
		if diff := cmp.Diff(tc.want, errorEvents(tc.err, testExplainer{})); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
}

// TestOutputAnnotations: an ::error per berth.yaml problem, its file
// relative to the workspace; else one with the message.
func TestOutputAnnotations(t *testing.T) {
	t.Parallel()
	o := NewOutput(Options{Workspace: "/w"})
	got := o.Annotations(fmt.Errorf("loading: %w", config.Errors{replica, wrong}))
	want := []string{
		`::error file=app/berth.yaml,line=6,col=5::services.web.replica: unknown field "replica"%0Ahint: did you mean "replicas"?`,
		`::error file=/elsewhere/a%2Cb.yaml::100%25 wrong`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("annotations (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"::error::deploy failed%0Asee above"}, o.Annotations(errors.New("deploy failed\nsee above"))); diff != "" {
		t.Errorf("plain error (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{`::error file=/w/app/berth.yaml,line=6,col=5::services.web.replica: unknown field "replica"%0Ahint: did you mean "replicas"?`}, NewOutput(Options{}).Annotations(replica)); diff != "" {
		t.Errorf("no workspace (-want +got):\n%s", diff)
	}
}

// TestWarnings: berth.yaml's warnings as text, with a ::warning after each
// in GitHub Actions, or as warning events.
func TestWarnings(t *testing.T) {
	t.Parallel()
	warn := &config.Warning{File: "/w/berth.yaml", Pos: config.Pos{Line: 3, Col: 1}, Path: "services.api", Msg: "api has no build", Hint: "add build:"}
	paint := func(s string) string { return "<" + s + ">" }
	for _, tc := range []struct {
		name string
		opts Options
		want string
	}{
		{"text", Options{Mode: ModePlain}, "<warning:> " + warn.Error() + "\n"},
		{"GitHub", Options{Mode: ModePlain, GitHubActions: true, Workspace: "/w"}, "<warning:> " + warn.Error() + "\n" +
			"::warning file=berth.yaml,line=3,col=1::services.api: api has no build%0Ahint: add build:\n"},
		{"json", Options{Mode: ModeJSON, GitHubActions: true}, `{"v":1,"time":"T","type":"warning","message":"api has no build","hint":"add build:","file":"/w/berth.yaml","line":3,"column":1,"path":"services.api"}` + "\n"},
	} {
		var raw bytes.Buffer
		tc.opts.Stderr = &raw
		o := NewOutput(tc.opts)
		if err := o.Start(); err != nil {
			t.Fatal(err)
		}
		o.Warnings([]*config.Warning{warn}, paint)
		if diff := cmp.Diff(tc.want, eventTime.ReplaceAllString(raw.String(), `"time":"T"`)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
}

// TestFinish: the error as text (with ::error annotations in GitHub
// Actions, after the open log group closes), or as error events after the
// last line of stderr; nothing for no error.
func TestFinish(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		opts Options
		err  error
		want string
	}{
		{"no error", Options{Mode: ModePlain, GitHubActions: true}, nil, "::group::build\nhalf\n::endgroup::\n"},
		{"text", Options{Mode: ModePlain}, errors.New("boom"), "half\nerror: boom\n"},
		{"GitHub", Options{Mode: ModePlain, GitHubActions: true, Workspace: "/w"}, fmt.Errorf("loading: %w", replica),
			"::group::build\nhalf\n::endgroup::\nerror: loading: " + replica.Error() + "\n" +
				`::error file=app/berth.yaml,line=6,col=5::services.web.replica: unknown field "replica"%0Ahint: did you mean "replicas"?` + "\n"},
		{"json", Options{Mode: ModeJSON, GitHubActions: true}, hinted{errors.New("denied"), "log in"},
			`{"v":1,"time":"T","type":"stage","name":"build"}` + "\n" + `{"v":1,"time":"T","type":"log","message":"half"}` + "\n" +
				`{"v":1,"time":"T","type":"error","message":"denied","hint":"log in","exitCode":1}` + "\n"},
		{"json flag that did not start", Options{Mode: ModeJSON}, errors.New("unknown flag"),
			`{"v":1,"time":"T","type":"error","message":"unknown flag","exitCode":1}` + "\n"},
	} {
		var raw bytes.Buffer
		tc.opts.Stderr = &raw
		o := NewOutput(tc.opts)
		if !strings.Contains(tc.name, "did not start") {
			if err := o.Start(); err != nil {
				t.Fatal(err)
			}
			o.Reporter().Stage("build")
			fmt.Fprint(o.Stderr(), "half")
			if tc.opts.Mode != ModeJSON {
				fmt.Fprintln(o.Stderr())
			}
		}
		o.Finish(tc.err, testExplainer{})
		if diff := cmp.Diff(tc.want, eventTime.ReplaceAllString(raw.String(), `"time":"T"`)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
}
