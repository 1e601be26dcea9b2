package deploy

import (
	"context"
	"errors"
	"maps"
	"time"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/kube"
)

// Preflight checks, before anything is applied, that the cluster can take
// project p in namespace ns running images (by service); an error stops
// the deploy. *preflight.Checker is one.
type Preflight interface {
	Check(ctx context.Context, p *config.Project, ns string, images map[string]string) error
}

// PreflightFunc is a function used as a Preflight.
type PreflightFunc func(ctx context.Context, p *config.Project, ns string, images map[string]string) error

// Check calls f.
func (f PreflightFunc) Check(ctx context.Context, p *config.Project, ns string, images map[string]string) error {
	return f(ctx, p, ns, images)
}

// Charts installs or upgrades a project's third-party Helm charts, each
// bounded by a timeout of its own; *charts.Installer is one.
type Charts interface {
	Install(ctx context.Context, charts map[string]*config.Chart, namespace string) error
}

// Rollout rolls a revision out and records it; *Deployer is one.
type Rollout interface {
	Deploy(ctx context.Context, o Options) (*Outcome, error)
}

var _ Rollout = (*Deployer)(nil)

// Pipeline is the whole deploy of berth deploy, apply and up, as a
// library action: the checks (preflight), the charts, then the rollout.
// Its fields are the seams; a nil Preflight or Charts skips that step and
// a nil Reporter hears nothing. Rollout is required.
type Pipeline struct {
	Preflight Preflight
	Charts    Charts
	Rollout   Rollout
	// Reporter hears the steps before the rollout begins: "preflight"
	// and "charts" (the Rollout reports its own).
	Reporter Reporter
}

// Run deploys o. The checks see the images the revision runs (berth.yaml's
// image: and o.Images) and end at o.Timeout; the charts (none for a dry
// run) keep their own timeout; then o.Timeout bounds the rollout, from
// after the charts (Run sets o.Deadline). A context cancelled before the
// rollout begins is a *StoppedError saying what was left; other errors
// of the checks and the charts come back as they are, with no Outcome.
func (pl *Pipeline) Run(ctx context.Context, o Options) (*Outcome, error) {
	if pl.Rollout == nil {
		return nil, errors.New("deploy pipeline: no Rollout to run")
	}
	p, ns := o.Project, o.Namespace
	deadline := time.Now().Add(o.Timeout)
	if pl.Preflight != nil {
		images := map[string]string{}
		for name, s := range p.Services {
			if s.Image != "" {
				images[name] = s.Image
			}
		}
		maps.Copy(images, o.Images)
		pl.stage("preflight")
		pctx, cancel := context.WithDeadline(ctx, deadline)
		err := pl.Preflight.Check(pctx, p, ns, images)
		cancel()
		if err == nil {
			// A check that could not reach the cluster is only a
			// warning: an interrupt during the checks ends here all
			// the same, with nothing applied.
			err = ctx.Err()
		}
		if err != nil {
			return nil, Stopped(ctx, err, "while checking the cluster (berth preflight): nothing was applied",
				p.Name+" on the cluster is as it was; run the command again")
		}
	}
	if pl.Charts != nil && len(p.Charts) > 0 && o.DryRun == kube.DryRunNone {
		pl.stage("charts")
		if err := pl.Charts.Install(ctx, p.Charts, ns); err != nil {
			return nil, Stopped(ctx, err, "while installing the charts: the services were not deployed",
				"a chart may be partly installed or upgraded (helm list -n "+ns+" shows them); run the command again")
		}
		deadline = time.Now().Add(o.Timeout)
	}
	o.Deadline = deadline
	return pl.Rollout.Deploy(ctx, o)
}

func (pl *Pipeline) stage(name string) {
	if pl.Reporter != nil {
		pl.Reporter.Stage(name)
	}
}

// StoppedError is a deploy interrupted (its context cancelled: SIGINT,
// SIGTERM) before its rollout began, so that no object of the revision
// was applied.
type StoppedError struct {
	// While says what was being done and what that means ("while
	// checking the cluster (berth preflight): nothing was applied").
	While string
	// State is the state the app was left in and the way on: the hint.
	State string
	// Err is the context's error.
	Err error
}

func (e *StoppedError) Error() string { return "interrupted " + e.While }

func (e *StoppedError) Unwrap() error { return e.Err }

// Hint says the state of the app and the way on.
func (e *StoppedError) Hint() string { return e.State }

// stopped is a *StoppedError when ctx was cancelled while a step failed
// with err, and err otherwise.
func Stopped(ctx context.Context, err error, while, state string) error {
	if ctx.Err() == nil || err == nil {
		return err
	}
	return &StoppedError{While: while, State: state, Err: ctx.Err()}
}
