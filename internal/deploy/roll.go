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
	"github.com/berth-dev/berth/internal/release"
)

// roll applies pl as a new revision, waits, prunes what the cluster may
// hold from earlier revisions and pl does not, and records the outcome.
// Applying, waiting and pruning stop at o's deadline; the record is written
// after it with a context of its own. The caller holds the app's lock.
func (d *Deployer) roll(ctx context.Context, st *state, pl *plan, o RollOptions) (*Outcome, error) {
	// Volume changes Kubernetes cannot make, and claims to delete, are
	// refused or confirmed before anything is written, the record included.
	w, err := d.checkVolumes(ctx, st, pl, o)
	if err != nil {
		return nil, err
	}
	out := &Outcome{}
	deadline := o.deadline()
	rctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	// So is any object the API server would refuse (validation,
	// admission, a taken node port, a field conflict): one server-side
	// dry run of every object first. The StatefulSets to recreate are
	// left out: the dry run of their new claim templates is refused by
	// design.
	opts := applyOptions(o)
	opts.Report, opts.Selector = d.printResult, InstanceSelector(pl.app)
	if opts.Checked, err = d.Client.Check(rctx, without(pl.objs, w.recreate), opts); err != nil {
		return nil, timedOut(rctx, deadline, o.Timeout, err)
	}
	// Not cancelled by a signal: a write cancelled after the API server
	// stored it would leave a pending revision behind.
	bctx, bcancel := context.WithTimeout(context.WithoutCancel(rctx), recordTimeout)
	rel, err := d.Records.Begin(bctx, pl.app, pl.chart, pl.values, pl.manifest, pl.meta)
	bcancel()
	if err != nil {
		return nil, fmt.Errorf("recording the new revision: %w", err)
	}
	out.Revision = rel.Version
	var held secretData
	if o.Atomic && st.current != nil {
		// The record keeps no secret values: keep the current ones in
		// memory for a rollback.
		if held, err = d.snapshotSecrets(ctx, pl.namespace, st.current); err != nil {
			d.finish(ctx, rel, err)
			return out, err
		}
	}
	// Whatever happens from here, the revision ends deployed or failed,
	// even when ctx is cancelled (SIGINT): finish uses a context of its own.
	stop := func(stage string, err error) error {
		recorded := d.finish(rctx, rel, err)
		if ctx.Err() == nil {
			return err
		}
		ie := &InterruptedError{App: pl.app, Revision: rel.Version, Stage: stage, Recorded: recorded, Total: len(pl.objs), Applied: len(out.Results), Err: err}
		if st.current != nil {
			ie.Previous = st.current.Version
		}
		var we *kube.WaitError
		if errors.As(err, &we) {
			for _, p := range we.NotReady {
				ie.NotReady = append(ie.NotReady, p.Ref.Name)
			}
		}
		return ie
	}

	if ctx.Err() != nil {
		return out, stop(StageApply, ctx.Err())
	}
	d.stage("apply")
	out.Results, err = d.apply(rctx, w, pl.objs, opts)
	if err != nil {
		return out, stop(StageApply, timedOut(rctx, deadline, o.Timeout, err))
	}
	if o.Wait {
		if werr := d.wait(rctx, out.Results, max(time.Until(deadline), time.Millisecond)); werr != nil {
			if ctx.Err() != nil {
				return out, stop(StageWait, werr)
			}
			ferr := d.failed(ctx, rel, werr)
			if o.Atomic && st.current != nil && ctx.Err() == nil {
				prev := st.current
				d.stage("rollback")
				fmt.Fprintf(d.Log, "rolling back to revision %d (--atomic)\n", prev.Version)
				back, rerr := d.restore(ctx, st, pl, prev, held, o)
				if rerr != nil {
					return out, fmt.Errorf("%w; rolling back to revision %d failed too: %v", ferr, prev.Version, rerr)
				}
				ferr.RolledBack = prev.Version
				out.RolledBack = back
			}
			return out, ferr
		}
		out.Healthy = true
	}
	stale := kube.Stale(st.applied, pl.refs)
	if len(stale) > 0 {
		d.stage("prune")
	}
	out.Pruned, err = d.Client.Prune(rctx, stale, kube.PruneOptions{Volumes: o.PruneVolumes, Claims: w.pruneClaims})
	for _, r := range out.Pruned {
		d.printResult(r)
	}
	if err != nil {
		return out, stop(StagePrune, timedOut(rctx, deadline, o.Timeout, err))
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	if err := d.Records.Succeed(sctx, rel); err != nil {
		return out, fmt.Errorf("recording revision %d as deployed: %w", rel.Version, err)
	}
	max := o.HistoryMax
	if max <= 0 {
		max = DefaultHistoryMax
	}
	if _, err := d.Records.Prune(sctx, pl.app, max); err != nil {
		fmt.Fprintf(d.Log, "warning: pruning old revisions: %v\n", err)
	}
	return out, nil
}

// recordTimeout bounds the write of a revision's outcome, which happens
// after the rollout's deadline or interruption.
const recordTimeout = 10 * time.Second

// timedOut says that err happened because the rollout's time ran out.
func timedOut(ctx context.Context, deadline time.Time, timeout time.Duration, err error) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) && !time.Now().Before(deadline) {
		return &TimeoutError{Timeout: timeout, Err: err}
	}
	return err
}

// restore rolls out revision prev again as a new revision, after failed
// (--atomic). Whatever failed applied is pruned.
func (d *Deployer) restore(ctx context.Context, st *state, failed *plan, prev *hrelease.Release, held secretData, o RollOptions) (int, error) {
	meta, err := release.MetaOf(prev)
	if err != nil {
		return 0, err
	}
	meta.Cause = fmt.Sprintf("rollback to %d", prev.Version)
	meta.User, meta.BerthVersion = failed.meta.User, failed.meta.BerthVersion
	pl, err := newPlan(prev.Name, failed.namespace, prev.Chart, prev.Config, prev.Manifest, meta)
	if err != nil {
		return 0, err
	}
	if err := d.fillSecrets(ctx, pl, prev.Version, held); err != nil {
		return 0, err
	}
	after := &state{current: prev, applied: append(append([]kube.Ref{}, st.applied...), failed.refs...)}
	// The rollback has a timeout of its own: the failed revision used up
	// the first. Claims the failed revision no longer had are kept: nobody
	// confirmed deleting them in the middle of a rollback.
	o.Atomic, o.Force, o.Deadline = false, true, time.Now().Add(o.Timeout)
	o.PruneVolumes = false
	out, err := d.roll(ctx, after, pl, o)
	if err != nil {
		return 0, err
	}
	return out.Revision, nil
}

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
	return d.Client.Wait(ctx, refs, opts)
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

func failReason(ctx context.Context, err error) string {
	switch {
	case errors.Is(ctx.Err(), context.Canceled):
		return "interrupted: " + err.Error()
	case ctx.Err() != nil:
		return "timed out: " + err.Error()
	}
	return err.Error()
}
