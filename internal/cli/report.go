package cli

import (
	"io"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/progress"
)

// How commands show progress on stderr: the progress package's Output,
// made from the flags and the environment. The methods below are the
// names the commands call it by.

// Progress modes (--progress).
const (
	ProgressAuto  = progress.ModeAuto
	ProgressTTY   = progress.ModeTTY
	ProgressPlain = progress.ModePlain
	ProgressJSON  = progress.ModeJSON
)

// progressOut is the command's progress output, made on first use (after
// the flags are parsed); Factories from OnCluster share it. Its stderr
// becomes IOStreams.ErrOut.
func (f *Factory) progressOut() *progress.Output {
	if f.out == nil {
		f.out = progress.NewOutput(progress.Options{
			Mode: f.Progress, Stderr: f.IOStreams.ErrOut, Terminal: f.stderrTTY, NoColor: f.NoColor, CI: f.ci(),
			GitHubActions: f.getenv("GITHUB_ACTIONS") == "true", Workspace: f.getenv("GITHUB_WORKSPACE"),
			Invalid: func(err error) error { return &UsageError{Err: err} },
		})
		f.IOStreams.ErrOut = f.out.Stderr()
	}
	return f.out
}

// startProgress checks --progress and, for json, puts the event writer in
// front of stderr, once: the root command calls it when flags are parsed,
// Finish in case they did not parse.
func (f *Factory) startProgress() error { return f.progressOut().Start() }

// events are the JSON events with --progress=json, else nil.
func (f *Factory) events() *progress.Events { return f.progressOut().Events() }

// Finish ends a command: it closes an open log group and reports err on
// stderr, as text ("error: …", "hint: …"), as error events with
// --progress=json, and in GitHub Actions also as ::error annotations.
// main calls it with the error the command returned (nil too).
func (f *Factory) Finish(err error) { f.progressOut().Finish(err, explainer{color: f.Color()}) }

// explainer tells the progress output how berth's errors print, their
// exit codes and hints.
type explainer struct{ color bool }

func (x explainer) PrintError(w io.Writer, err error) { PrintError(w, err, x.color) }
func (explainer) ExitCode(err error) int              { return ExitCode(err) }

func (explainer) Hint(err error) string { return hintOf(err) }

// report is the command's reporter: events with --progress=json, log
// groups in GitHub Actions.
func (f *Factory) report() *progress.Reporter { return f.progressOut().Reporter() }

// builds is the observer of image builds and pushes (events, bars or
// plain lines).
func (f *Factory) builds(w io.Writer) progress.BuildObserver { return f.progressOut().Builds(w) }

// waitPrinter shows the health wait: events, a live view or plain lines.
func (f *Factory) waitPrinter(w io.Writer) progress.Printer { return f.progressOut().WaitPrinter(w) }

// printWarnings reports berth.yaml's warnings: as text, in GitHub Actions
// with a ::warning annotation after each, or as warning events.
func (f *Factory) printWarnings(warnings []*config.Warning) {
	f.progressOut().Warnings(warnings, func(s string) string { return f.paint(s, yellow) })
}
