package deploy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"
	hrelease "helm.sh/helm/v3/pkg/release"

	"github.com/berth-dev/berth/internal/kube"
)

// wait waits until the workloads among results are ready, showing the
// progress and ending early on a terminal diagnosis.
func (d *Deployer) wait(ctx context.Context, results []kube.Result, timeout time.Duration) error {
	var refs []kube.Ref
	for _, r := range results {
		if kube.Waited(r.Ref.Kind) {
			refs = append(refs, r.Ref)
		}
	}
	d.stage("wait")
	opts := kube.WaitOptions{Timeout: timeout}
	if d.Progress != nil {
		d.Progress.Begin(refs)
		opts.OnUpdate = d.Progress.Update
		defer d.Progress.Done()
	}
	if d.Diagnoser != nil {
		opts.Check = func(ctx context.Context, p kube.Progress) error {
			report, terminal, err := d.Diagnoser.Diagnose(ctx, p)
			if err != nil || !terminal {
				return nil // a failed look is no reason to stop waiting
			}
			return &terminalError{report: report}
		}
	}
	return d.Cluster.Wait(ctx, refs, opts)
}

// failed diagnoses a wait that failed, records rel failed with the
// diagnosis (or the error) as its description, and returns the error.
func (d *Deployer) failed(ctx context.Context, rel *hrelease.Release, werr error) *FailedError {
	ferr := &FailedError{Revision: rel.Version, Err: werr}
	var we *kube.WaitError
	if errors.As(werr, &we) && d.Diagnoser != nil && ctx.Err() == nil {
		// The diagnosis comes after the deadline: a few seconds of its own.
		dctx, cancel := context.WithTimeout(ctx, diagnoseTimeout)
		ferr.Diagnosis = d.diagnoseAll(dctx, we.NotReady)
		cancel()
	}
	if headline := headlines(ferr.Diagnosis); headline != "" {
		werr = fmt.Errorf("%s", headline)
	}
	d.finish(ctx, rel, werr)
	return ferr
}

// terminalError is a finding of the diagnoser that ends the wait.
type terminalError struct{ report string }

func (e *terminalError) Error() string { return "waiting longer will not help" }

// diagnoseTimeout bounds the diagnosis of a failed wait.
const diagnoseTimeout = 3 * time.Second

// headlines are the findings of a diagnosis without their hints and logs,
// on one line of at most 500 bytes: the description of a failed revision.
func headlines(diagnosis string) string {
	var hs []string
	for _, l := range strings.Split(diagnosis, "\n") {
		if l != "" && l[0] != ' ' {
			hs = append(hs, l)
		}
	}
	s := strings.Join(hs, "; ")
	if len(s) > 500 {
		s = s[:497] + "..."
	}
	return s
}

func (d *Deployer) diagnoseAll(ctx context.Context, notReady []kube.Progress) string {
	// In parallel: against a slow API server one after the other would
	// not fit in diagnoseTimeout.
	reports := make([]string, len(notReady))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for i, p := range notReady {
		g.Go(func() error {
			report, _, err := d.Diagnoser.Diagnose(gctx, p)
			switch {
			case err != nil:
				reports[i] = fmt.Sprintf("%s: could not diagnose: %v\n", p.Ref, err)
			case report != "":
				reports[i] = report
			default:
				reports[i] = fmt.Sprintf("%s: %s (%s)\n", p.Ref, p.Status, p.Message)
			}
			return nil
		})
	}
	_ = g.Wait()
	return strings.Join(reports, "")
}
