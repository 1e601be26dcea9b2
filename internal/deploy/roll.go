package deploy

import (
	"context"
	"errors"
	"fmt"
	"time"

	hrelease "helm.sh/helm/v3/pkg/release"

	"github.com/berth-dev/berth/internal/kube"
	"github.com/berth-dev/berth/internal/release"
)

// roll applies pl as a new revision, waits, prunes what the cluster may
// hold from earlier revisions and pl does not, and records the outcome.
// Applying, waiting and pruning stop at o's deadline; the record is written
// after it with a context of its own. The caller holds the app's lock,
// lease: when it is lost, the rollout stops before its next write.
func (d *Deployer) roll(ctx context.Context, lease Lease, st *state, pl *plan, o RollOptions) (*Outcome, error) {
	// Volume changes Kubernetes cannot make, and claims to delete, are
	// refused or confirmed before anything is written, the record included.
	w, err := d.checkVolumes(ctx, st, pl, o)
	if err != nil {
		return nil, err
	}
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
	if opts.Checked, err = d.Cluster.Check(rctx, without(pl.objs, w.recreate), opts); err != nil {
		return nil, timedOut(rctx, deadline, o.Timeout, err)
	}
	if err := leaseError(ctx, lease); err != nil {
		return nil, &LeaseLostError{App: pl.app, Total: len(pl.objs), Err: err}
	}
	// Not cancelled by a signal: a write cancelled after the API server
	// stored it would leave a pending revision behind.
	bctx, bcancel := context.WithTimeout(context.WithoutCancel(rctx), recordTimeout)
	rel, err := d.Records.Begin(bctx, pl.app, pl.chart, pl.values, pl.manifest, pl.meta)
	bcancel()
	if err != nil {
		return nil, fmt.Errorf("recording the new revision: %w", err)
	}
	// From here on, requests stop as soon as the lease is lost.
	wctx, unwatch := watchLease(rctx, lease)
	defer unwatch()
	r := &rollout{d: d, ctx: ctx, wctx: wctx, lease: lease, deadline: deadline, o: o, st: st, pl: pl, rel: rel, out: &Outcome{Revision: rel.Version}}
	return r.out, r.run(w, opts)
}

// rollout is one revision being rolled out, once it is recorded pending:
// whatever happens from there, it ends recorded deployed or failed.
type rollout struct {
	d *Deployer
	// ctx is the caller's, done when berth is interrupted; wctx is bounded
	// by deadline and cancelled when lease is lost.
	ctx, wctx context.Context
	lease     Lease
	deadline  time.Time
	o         RollOptions
	st        *state
	pl        *plan
	rel       *hrelease.Release
	out       *Outcome
}

func (r *rollout) run(w *volumeWork, opts kube.ApplyOptions) error {
	d, o := r.d, r.o
	var held secretData
	if o.Atomic && r.st.current != nil {
		// The record keeps no secret values: keep the current ones in
		// memory for a rollback.
		var err error
		if held, err = d.snapshotSecrets(r.ctx, r.pl.namespace, r.st.manifest(r.st.current)); err != nil {
			d.finish(r.ctx, r.rel, err)
			return err
		}
	}
	if r.ctx.Err() != nil {
		return r.stop(StageApply, r.ctx.Err())
	}
	if err := r.held(StageApply); err != nil {
		return err
	}
	d.stage("apply")
	var err error
	r.out.Results, err = d.apply(r.wctx, w, r.pl.objs, opts)
	if err != nil {
		return r.stop(StageApply, timedOut(r.wctx, r.deadline, o.Timeout, err))
	}
	if o.Wait {
		if err := r.wait(held); err != nil {
			return err
		}
		r.out.Healthy = true
	}
	if err := r.prune(w); err != nil {
		return err
	}
	return r.succeed()
}

// wait waits for the applied objects; when they do not become healthy,
// it records the revision failed and with --atomic rolls back.
func (r *rollout) wait(held secretData) error {
	werr := r.d.wait(r.wctx, r.out.Results, max(time.Until(r.deadline), time.Millisecond))
	if werr == nil {
		return nil
	}
	if r.ctx.Err() != nil || lostLease(r.ctx, r.lease) != nil {
		return r.stop(StageWait, werr)
	}
	ferr := r.d.failed(r.ctx, r.rel, werr)
	if !r.o.Atomic || r.st.current == nil || r.ctx.Err() != nil {
		return ferr
	}
	prev := r.st.current
	r.d.stage("rollback")
	fmt.Fprintf(r.d.Log, "rolling back to revision %d (--atomic)\n", prev.Version)
	back, err := r.d.restore(r.ctx, r.lease, r.st, r.pl, prev, held, r.o)
	if err != nil {
		return fmt.Errorf("%w; rolling back to revision %d failed too: %v", ferr, prev.Version, err)
	}
	ferr.RolledBack = prev.Version
	r.out.RolledBack = back
	return ferr
}

// prune deletes what the cluster may hold from earlier revisions and the
// new one does not have.
func (r *rollout) prune(w *volumeWork) error {
	stale := kube.Stale(r.st.applied, r.pl.refs)
	if len(stale) > 0 {
		r.d.stage("prune")
	}
	if err := r.held(StagePrune); err != nil {
		return err
	}
	var err error
	r.out.Pruned, err = r.d.Cluster.Prune(r.wctx, stale, kube.PruneOptions{Volumes: r.o.PruneVolumes, Claims: w.pruneClaims})
	for _, res := range r.out.Pruned {
		r.d.printResult(res)
	}
	if err != nil {
		return r.stop(StagePrune, timedOut(r.wctx, r.deadline, r.o.Timeout, err))
	}
	return nil
}

// succeed records the revision deployed and prunes the history.
func (r *rollout) succeed() error {
	if err := r.held(StageRecord); err != nil {
		return err
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(r.ctx), recordTimeout)
	defer cancel()
	if err := r.d.Records.Succeed(sctx, r.rel); err != nil {
		return fmt.Errorf("recording revision %d as deployed: %w", r.rel.Version, err)
	}
	r.d.pruneHistory(sctx, r.pl.app, r.o.HistoryMax)
	return nil
}

// pruneHistory keeps at most max revisions of app (0: the default).
func (d *Deployer) pruneHistory(ctx context.Context, app string, max int) {
	if max <= 0 {
		max = DefaultHistoryMax
	}
	if _, err := d.Records.Prune(ctx, app, max); err != nil {
		fmt.Fprintf(d.Log, "warning: pruning old revisions: %v\n", err)
	}
}

// held returns nil while the lease is held; once it is lost, it records
// the revision failed and returns a *LeaseLostError for stage.
func (r *rollout) held(stage string) error {
	err := leaseError(r.ctx, r.lease)
	if err == nil {
		return nil
	}
	return r.leaseLost(stage, err)
}

func (r *rollout) leaseLost(stage string, cause error) error {
	e := &LeaseLostError{App: r.pl.app, Revision: r.rel.Version, Stage: stage, Applied: len(r.out.Results), Total: len(r.pl.objs), Err: cause}
	// Not r.ctx: the reason is the lost lock, not an interruption.
	e.Recorded = r.d.finish(context.WithoutCancel(r.ctx), r.rel, fmt.Errorf("stopped while %s: %w", stage, cause))
	return e
}

// stop records the revision failed after err stopped stage, and says
// why: the lease was lost, berth was interrupted, or err.
func (r *rollout) stop(stage string, err error) error {
	if r.ctx.Err() == nil {
		if lost := lostLease(r.ctx, r.lease); lost != nil {
			return r.leaseLost(stage, lost)
		}
	}
	recorded := r.d.finish(r.wctx, r.rel, err)
	if r.ctx.Err() == nil {
		return err
	}
	ie := &InterruptedError{App: r.pl.app, Revision: r.rel.Version, Stage: stage, Recorded: recorded, Total: len(r.pl.objs), Applied: len(r.out.Results), Err: err}
	if r.st.current != nil {
		ie.Previous = r.st.current.Version
	}
	var we *kube.WaitError
	if errors.As(err, &we) {
		for _, p := range we.NotReady {
			ie.NotReady = append(ie.NotReady, p.Ref.Name)
		}
	}
	return ie
}

// finish marks rel deployed (err nil) or failed, even when ctx is done.
func (d *Deployer) finish(ctx context.Context, rel *hrelease.Release, err error) bool {
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	if err == nil {
		if serr := d.Records.Succeed(fctx, rel); serr != nil {
			fmt.Fprintf(d.Log, "warning: could not mark revision %d deployed: %v\n", rel.Version, serr)
			return false
		}
		return true
	}
	if ferr := d.Records.Fail(fctx, rel, failReason(ctx, err)); ferr != nil {
		fmt.Fprintf(d.Log, "warning: could not mark revision %d failed: %v\n", rel.Version, ferr)
		return false
	}
	return true
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
func (d *Deployer) restore(ctx context.Context, lease Lease, st *state, failed *plan, prev *hrelease.Release, held secretData, o RollOptions) (int, error) {
	meta, err := release.MetaOf(prev)
	if err != nil {
		return 0, err
	}
	meta.Cause = fmt.Sprintf("rollback to %d", prev.Version)
	meta.User, meta.BerthVersion = failed.meta.User, failed.meta.BerthVersion
	pl, err := newPlan(prev.Name, failed.namespace, prev.Chart, prev.Config, st.manifest(prev), meta)
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
	out, err := d.roll(ctx, lease, after, pl, o)
	if err != nil {
		return 0, err
	}
	return out.Revision, nil
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
