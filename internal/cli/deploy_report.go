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
	"github.com/berth-dev/berth/internal/progress"
)

// rolloutRun names a deploy, apply, up, undo or scale for its report.
type rolloutRun struct {
	command, app, namespace string
	start                   time.Time
}

// ended is how a rollout ended: its revision, health, the revision it
// restored (undo, --atomic) and its -o json|yaml result.
type ended struct {
	revision, rolledBack int
	healthy              bool
	result               any
}

// deployEnded is how deploy, apply, up and undo ended (nil when no
// revision began). The revision restored is undo's target, or --atomic's
// (its Outcome counts the new revision that restored it).
func (r rolloutRun) deployEnded(outcome *deploy.Outcome, err error, dryRun string) *ended {
	if outcome == nil {
		return nil
	}
	state := output.RolloutState(err, dryRun, outcome.Healthy)
	e := &ended{revision: outcome.Revision, rolledBack: outcome.RolledBack, healthy: outcome.Healthy}
	var failed *deploy.FailedError
	if errors.As(err, &failed) && failed.RolledBack > 0 {
		e.rolledBack = failed.RolledBack
	}
	e.result = output.NewDeployResult(r.command, r.app, r.namespace, outcome, e.rolledBack, state)
	return e
}

// report ends deploy, undo and scale: a finished event (--progress=json)
// says how it ended; -o json prints the result; an error goes through
// rolloutError; otherwise stderr gets the summary line (given the state),
// or the dry run's.
func (r rolloutRun) report(f *Factory, streams genericiooptions.IOStreams, format string, e *ended, err error, dryRun string, summary func(state string) string) error {
	state := output.RolloutState(err, dryRun, e != nil && e.healthy)
	if e != nil {
		f.report().Finish(progress.Finished{Command: r.command, App: r.app, Namespace: r.namespace, Revision: e.revision, Status: state,
			RolledBack: e.rolledBack, Duration: time.Since(r.start).Round(100 * time.Millisecond).String()})
		if format != "text" {
			err = errors.Join(err, output.Data(streams.Out, format, e.result))
		}
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

// rolloutError prints the diagnosis of a revision that did not become
// healthy (unless --progress=json sent it as diagnosis events) before the
// error itself is printed. The library's errors carry their hints
// (hintOf) and ExitCode gives their exit codes (3 unhealthy, 130
// interrupted).
func rolloutError(f *Factory, errOut io.Writer, err error) error {
	var failed *deploy.FailedError
	if errors.As(err, &failed) && failed.Diagnosis != "" && f.events() == nil {
		fmt.Fprintf(errOut, "\n%s\n", strings.TrimRight(failed.Diagnosis, "\n"))
	}
	return err
}
