package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/kube"
	"github.com/berth-dev/berth/internal/output"
)

// rolloutRun names a deploy, apply, up or undo for its report.
type rolloutRun struct {
	command, app, namespace string
	start                   time.Time
}

// report ends deploy and undo: -o json prints the outcome; a finished
// event (--progress=json) says how it ended; an error goes through
// rolloutError; otherwise stderr gets the summary line (given "healthy" or
// "applied"), or the dry run's.
func (r rolloutRun) report(f *Factory, streams genericiooptions.IOStreams, format string, outcome *deploy.Outcome, err error, dryRun string, summary func(state string) string) error {
	state := "applied"
	switch {
	case err != nil:
		state = "failed"
	case dryRun != kube.DryRunNone:
		state = "dry-run"
	case outcome.Healthy:
		state = "healthy"
	}
	// The revision restored: undo's target, or --atomic's (its Outcome
	// counts the new revision that restored it).
	var failed *deploy.FailedError
	rolledBack := 0
	if outcome != nil {
		rolledBack = outcome.RolledBack
	}
	if errors.As(err, &failed) && failed.RolledBack > 0 {
		rolledBack = failed.RolledBack
	}
	if outcome != nil {
		f.report().finished(finished{Command: r.command, App: r.app, Namespace: r.namespace, Revision: outcome.Revision, Status: state,
			RolledBack: rolledBack, Duration: time.Since(r.start).Round(100 * time.Millisecond).String()})
	}
	if format != "text" && outcome != nil {
		res := output.DeployResult{APIVersion: output.APIVersion, Kind: "DeployResult", Command: r.command, App: r.app, Namespace: r.namespace,
			Revision: outcome.Revision, Status: state, Healthy: outcome.Healthy, RolledBack: rolledBack,
			Objects: outcome.Results, Pruned: outcome.Pruned, Scaled: outcome.Scaled}
		if res.Objects == nil {
			res.Objects = []kube.Result{}
		}
		err = errors.Join(err, output.Data(streams.Out, format, res))
	}
	if err != nil {
		return rolloutError(f, streams.ErrOut, err)
	}
	if dryRun != kube.DryRunNone {
		fmt.Fprintf(streams.ErrOut, "dry run (%s): nothing was changed\n", dryRun)
		return nil
	}
	fmt.Fprintln(streams.ErrOut, summary(state))
	return nil
}

// rolloutError maps the errors of deploy, undo and scale to the CLI's:
// a revision that did not become healthy prints its diagnosis (unless
// --progress=json sent it as diagnosis events); errors that know the way
// out carry it as a hint. ExitCode gives their exit codes (3 unhealthy,
// 130 interrupted).
func rolloutError(f *Factory, errOut io.Writer, err error) error {
	var failed *deploy.FailedError
	var hinted interface{ Hint() string }
	var stopped *deploy.InterruptedError
	switch {
	case errors.As(err, &stopped):
		return &HintError{Err: err, Hint: stopped.Hint()}
	case errors.As(err, &failed):
		if failed.Diagnosis != "" && f.events() == nil {
			fmt.Fprintf(errOut, "\n%s\n", strings.TrimRight(failed.Diagnosis, "\n"))
		}
		// One error even when -o json's printing joined another to it.
		hint := &HintError{Err: err}
		if errors.As(err, &hinted) {
			hint.Hint = hinted.Hint()
		}
		return hint
	case errors.As(err, &hinted):
		return &HintError{Err: err, Hint: hinted.Hint()}
	}
	return err
}
