// Package deploy is berth's main job, as a library: render a project,
// apply it to the cluster, wait until it is healthy, prune what the last
// revision had and this one does not, and record the revision. It is the
// action layer between the CLI and the kube, render and release packages,
// in the way Helm's pkg/action sits under helm.
package deploy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sort"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"
	"helm.sh/helm/v3/pkg/chart"
	hrelease "helm.sh/helm/v3/pkg/release"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/kube"
	"github.com/berth-dev/berth/internal/progress"
	"github.com/berth-dev/berth/internal/release"
	"github.com/berth-dev/berth/internal/render"
)

// Records is what a deploy needs from the release store.
type Records interface {
	// History is every revision of app, oldest first.
	History(ctx context.Context, app string) ([]release.Revision, error)
	// Begin records a new pending revision.
	Begin(ctx context.Context, app string, ch *chart.Chart, values map[string]any, manifest string, meta Meta) (*hrelease.Release, error)
	// Succeed marks it deployed, Fail marks it failed.
	Succeed(ctx context.Context, rel *hrelease.Release) error
	Fail(ctx context.Context, rel *hrelease.Release, reason string) error
	// RecoverPending marks revisions a killed berth left pending as failed.
	RecoverPending(ctx context.Context, app string) ([]*hrelease.Release, error)
	// Prune keeps at most max revisions, never the current or last good one.
	Prune(ctx context.Context, app string, max int) ([]int, error)
}

// Meta is what berth records about a revision beyond Helm's fields.
type Meta = release.Meta

// Diagnoser explains why an object is not ready; terminal findings end the
// wait at once.
type Diagnoser interface {
	Diagnose(ctx context.Context, p kube.Progress) (report string, terminal bool, err error)
}

// RollOptions say how a revision is rolled out, by deploy and undo alike.
type RollOptions struct {
	// DryRun is kube.DryRunNone, DryRunClient or DryRunServer.
	DryRun string
	// Force takes over fields other tools own (--force-conflicts).
	Force bool
	// PruneVolumes deletes claims the new revision no longer has, once
	// ConfirmVolumes approves the list (nil refuses any).
	PruneVolumes   bool
	ConfirmVolumes ConfirmVolumes
	// RecreateStatefulSets changes the volumeClaimTemplates of a
	// StatefulSet the supported way: the existing claims grow (when their
	// storage class allows expansion), the StatefulSet is deleted with its
	// pods orphaned and created again. Without it such a change is refused
	// before anything is written.
	RecreateStatefulSets bool
	// Wait for health. Timeout bounds the rollout: from Deadline (or from
	// the start when Deadline is zero) on, applying, waiting and pruning
	// stop; only the record of the outcome and the lock's release are
	// written after it, each with a few seconds of its own.
	Wait     bool
	Timeout  time.Duration
	Deadline time.Time
	// WaitLock is how long to wait for another berth's lock on the app to
	// be released (0: fail at once, naming the holder). The time waited
	// comes on top of the deadline.
	WaitLock time.Duration
	// Atomic restores the previous revision when this one fails.
	Atomic bool
	// HistoryMax bounds the revisions kept (default 10, like Helm).
	HistoryMax int
	// Holder identifies this berth to a concurrent one that finds the lock
	// taken ("alice@laptop pid 4242 (berth deploy)").
	Holder string
}

// Options describe one deploy.
type Options struct {
	RollOptions
	Project   *config.Project
	Namespace string
	// Images are the references to run, by service (see render.Options.Images).
	Images map[string]string
	// ResetScale drops the replica counts berth scale set: berth.yaml's
	// replicas apply again.
	ResetScale bool
	// Meta is recorded with the revision; its Cause also becomes the
	// kubernetes.io/change-cause of the workloads whose pod template the
	// deploy changes.
	Meta Meta
}

// LockTTL is how long a deploy lock lasts unless renewed; a killed berth
// blocks the next deploy of its app for at most this long.
const LockTTL = 30 * time.Second

// Deployer runs deploys against one cluster.
type Deployer struct {
	Client    *kube.Client
	Records   Records
	Diagnoser Diagnoser
	// Out receives the per-object result lines; Log receives notes.
	Out, Log io.Writer
	// Progress shows the wait; nil shows nothing.
	Progress progress.Printer
	// Reporter hears the steps of a rollout and each object's result
	// (berth --progress=json, GitHub log groups); nil hears nothing.
	Reporter Reporter
}

// Reporter hears what a rollout does, for machine-readable progress.
type Reporter interface {
	// Stage says a step begins: apply, wait, prune, rollback or scale.
	Stage(name string)
	// Applied hears each object's result: applied, pruned or scaled.
	Applied(kube.Result)
}

// stage tells the reporter a step begins.
func (d *Deployer) stage(name string) {
	if d.Reporter != nil {
		d.Reporter.Stage(name)
	}
}

// Outcome is the result of a deploy.
type Outcome struct {
	Revision int           `json:"revision"`
	Results  []kube.Result `json:"results"`
	Pruned   []kube.Result `json:"pruned,omitempty"`
	Healthy  bool          `json:"healthy"`
	// RolledBack is the revision restored by --atomic or undo, if any.
	RolledBack int `json:"rolledBack,omitempty"`
	// Scaled are the replica counts of berth scale the revision kept.
	Scaled map[string]release.Scale `json:"scaled,omitempty"`
}

// FailedError is a deploy that was applied but did not become healthy.
type FailedError struct {
	Revision   int
	Diagnosis  string
	RolledBack int
	Err        error
}

func (e *FailedError) Error() string {
	msg := fmt.Sprintf("revision %d did not become healthy: %v", e.Revision, e.Err)
	if e.RolledBack > 0 {
		msg += fmt.Sprintf("; rolled back to revision %d", e.RolledBack)
	}
	return msg
}

func (e *FailedError) Unwrap() error { return e.Err }

// plan is one revision to roll out: what to apply and what to record.
type plan struct {
	app, namespace string
	objs           []*unstructured.Unstructured
	refs           []kube.Ref
	chart          *chart.Chart
	values         map[string]any
	manifest       string
	meta           Meta
}

func newPlan(app, ns string, ch *chart.Chart, values map[string]any, manifest string, meta Meta) (*plan, error) {
	split := render.Split(manifest)
	objs, err := Objects(split)
	if err != nil {
		return nil, err
	}
	return &plan{app: app, namespace: ns, objs: objs, refs: Refs(split), chart: ch, values: values, manifest: manifest, meta: meta}, nil
}

// state is what the release history says before a rollout.
type state struct {
	history []release.Revision
	// current is the last deployed revision, or nil.
	current *hrelease.Release
	// applied are the objects that may be on the cluster: those of the
	// current revision and of every revision after it (failed ones were
	// applied, at least in part). Pruning starts from them.
	applied []kube.Ref
}

func readState(h []release.Revision) *state {
	st := &state{history: h}
	from := 0
	for i, r := range h {
		if r.Release.Info != nil && r.Release.Info.Status == hrelease.StatusDeployed {
			st.current = r.Release
			from = i
		}
	}
	seen := map[string]bool{}
	for _, r := range h[from:] {
		for _, ref := range Refs(render.Split(r.Release.Manifest)) {
			if !seen[ref.Key()] {
				seen[ref.Key()] = true
				st.applied = append(st.applied, ref)
			}
		}
	}
	return st
}

// lastManifest is the manifest of the newest revision, which the cluster
// holds (in part, if it failed), or "" before the first.
func (st *state) lastManifest() string {
	if len(st.history) == 0 {
		return ""
	}
	return st.history[len(st.history)-1].Release.Manifest
}

// Deploy renders, applies, waits and records one revision.
func (d *Deployer) Deploy(ctx context.Context, o Options) (out *Outcome, err error) {
	p := o.Project
	ropts := render.Options{Namespace: o.Namespace, Images: o.Images, ShowSecrets: true, ChangeCause: o.Meta.Cause}
	res, err := render.Render(p, ropts)
	if err != nil {
		return nil, err
	}
	deadline := o.deadline()
	dctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	if err := d.checkStorageClasses(dctx, p); err != nil {
		return nil, err
	}
	if o.DryRun != kube.DryRunNone {
		ctx = dctx
		h, err := d.Records.History(ctx, p.Name)
		if err != nil {
			return nil, fmt.Errorf("reading the release history of %s: %w", p.Name, err)
		}
		st := readState(h)
		pl, _, err := d.deployPlan(p, o, ropts, res, st)
		if err != nil {
			return nil, err
		}
		w, err := d.checkVolumes(ctx, st, pl, o.RollOptions)
		if err != nil {
			return nil, err
		}
		out := &Outcome{Scaled: pl.meta.Scaled}
		d.stage("apply")
		opts := applyOptions(o.RollOptions)
		opts.Report = d.printResult
		out.Results, err = d.apply(ctx, w, pl.objs, opts)
		return out, err
	}
	created, err := d.Client.EnsureNamespace(dctx, res.Namespace, nil)
	if err != nil {
		return nil, err
	}
	if created {
		fmt.Fprintf(d.Out, "namespace/%s created\n", res.Namespace)
	}
	lock, st, waited, err := d.begin(ctx, res.Namespace, p.Name, o.Holder, o.WaitLock, deadline)
	if err != nil {
		return nil, err
	}
	defer d.unlock(ctx, lock)
	if created {
		// The namespace exists for the dry run of the objects in it
		// (Check); when they are refused, it goes again (see below).
		defer func() {
			var refused *kube.RefusedError
			if !errors.As(err, &refused) {
				return
			}
			d.unlock(ctx, lock)
			if rerr := d.Client.RemoveNamespace(context.WithoutCancel(ctx), res.Namespace); rerr != nil {
				fmt.Fprintf(d.Log, "warning: %v\n", rerr)
			} else {
				fmt.Fprintf(d.Out, "namespace/%s deleted (created for the dry run; nothing else was applied)\n", res.Namespace)
			}
		}()
	}
	o.Deadline = deadline.Add(waited)
	pl, notes, err := d.deployPlan(p, o, ropts, res, st)
	if err != nil {
		return nil, err
	}
	for _, n := range notes {
		fmt.Fprintln(d.Log, n)
	}
	out, err = d.roll(ctx, st, pl, o.RollOptions)
	if out != nil {
		out.Scaled = pl.meta.Scaled
	}
	return out, err
}

// Diff returns how a deploy of o would change the cluster, object by
// object, and the deploy's notes; it takes no lock and changes nothing.
// It is computed as Deploy would roll it out: with the replica counts of
// berth scale it keeps and the same server-side dry run, so what the
// deploy would be refused (volume changes, field conflicts, node ports,
// admission) is the same error here. berth diff shows it.
func (d *Deployer) Diff(ctx context.Context, o Options) ([]kube.Diff, []string, error) {
	p := o.Project
	ropts := render.Options{Namespace: o.Namespace, Images: o.Images, ShowSecrets: true, ChangeCause: o.Meta.Cause}
	res, err := render.Render(p, ropts)
	if err != nil {
		return nil, nil, err
	}
	h, err := d.Records.History(ctx, p.Name)
	if err != nil {
		return nil, nil, fmt.Errorf("reading the release history of %s: %w", p.Name, err)
	}
	st := readState(h)
	pl, notes, err := d.deployPlan(p, o, ropts, res, st)
	if err != nil {
		return nil, nil, err
	}
	// The server's dry run would refuse these with a bare Forbidden; say
	// what a deploy would say.
	changes, err := d.Client.VolumeChanges(ctx, pl.objs)
	if err != nil {
		return nil, nil, err
	}
	if err := refusal(changes, false); err != nil {
		return nil, nil, err
	}
	diffs, err := d.Client.Diff(ctx, pl.objs, kube.Stale(st.applied, pl.refs), applyOptions(o.RollOptions))
	return diffs, notes, err
}

// applyOptions are how a rollout applies: the release is Helm's too, so
// what helm rollback or upgrade of it wrote, berth takes back without
// --force-conflicts.
func applyOptions(o RollOptions) kube.ApplyOptions {
	return kube.ApplyOptions{Force: o.Force, TakeFrom: []string{kube.HelmFieldManager}, DryRun: o.DryRun}
}

// deployPlan is the plan of a deploy: res, re-rendered with the replica
// counts of berth scale that the deploy keeps (see keepScale) and the
// change-cause of the workloads whose pod template it leaves as the newest
// revision had it (see keptCauses).
func (d *Deployer) deployPlan(p *config.Project, o Options, ropts render.Options, res *render.Result, st *state) (*plan, []string, error) {
	meta := o.Meta
	meta.Scaled = nil
	var notes []string
	if st.current != nil && !o.ResetScale {
		prev, err := release.MetaOf(st.current)
		if err != nil {
			return nil, nil, err
		}
		meta.Scaled, notes = keepScale(p, prev.Scaled)
	} else if st.current != nil && o.ResetScale {
		if prev, err := release.MetaOf(st.current); err == nil {
			for _, name := range sortedNames(prev.Scaled) {
				if s := p.Services[name]; s != nil && s.Autoscale == nil {
					notes = append(notes, fmt.Sprintf("%s: back to berth.yaml's %d replicas (--reset-scale; berth scale had set %d)", name, s.EffectiveReplicas(), prev.Scaled[name].Replicas))
				}
			}
		}
	}
	for name, cause := range keptCauses(st.lastManifest(), res.Manifest) {
		if cause != ropts.ChangeCause {
			if ropts.Causes == nil {
				ropts.Causes = map[string]string{}
			}
			ropts.Causes[name] = cause
		}
	}
	if len(meta.Scaled) > 0 || len(ropts.Causes) > 0 {
		ropts.Replicas = map[string]int32{}
		for name, sc := range meta.Scaled {
			ropts.Replicas[name] = sc.Replicas
		}
		var err error
		if res, err = render.Render(p, ropts); err != nil {
			return nil, nil, err
		}
	}
	pl, err := newPlan(p.Name, res.Namespace, res.Chart, res.Chart.Values, string(res.Manifest), meta)
	return pl, notes, err
}

// keepScale returns the replica counts set by berth scale that a deploy of
// p keeps, and a note for each decision: a count is kept while berth.yaml
// still says what it said when the count was set; a service that is gone,
// now autoscaled, or whose replicas changed in berth.yaml follows berth.yaml.
func keepScale(p *config.Project, scaled map[string]release.Scale) (map[string]release.Scale, []string) {
	var notes []string
	kept := map[string]release.Scale{}
	for _, name := range sortedNames(scaled) {
		sc := scaled[name]
		s := p.Services[name]
		switch {
		case s == nil:
		case s.Autoscale != nil:
			notes = append(notes, fmt.Sprintf("%s: dropping the %d replicas berth scale set: the service is autoscaled now", name, sc.Replicas))
		case s.EffectiveReplicas() != sc.Config:
			notes = append(notes, fmt.Sprintf("%s: berth.yaml now says %d replicas (it said %d when berth scale set %d): using berth.yaml", name, s.EffectiveReplicas(), sc.Config, sc.Replicas))
		default:
			kept[name] = sc
			notes = append(notes, fmt.Sprintf("%s: keeping the %d replicas berth scale set (berth.yaml says %d; --reset-scale to use it)", name, sc.Replicas, sc.Config))
		}
	}
	if len(kept) == 0 {
		return nil, notes
	}
	return kept, notes
}

// deadline is when the rollout must stop: Deadline, or Timeout from now.
func (o RollOptions) deadline() time.Time {
	if !o.Deadline.IsZero() {
		return o.Deadline
	}
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = 5 * time.Minute
	}
	return time.Now().Add(timeout)
}

// begin takes the app's lock (waiting up to lockWait while another berth
// holds it), marks revisions a killed berth left pending as failed, and
// reads the history, all before deadline (moved on by the time waited for
// the lock, which it returns).
func (d *Deployer) begin(ctx context.Context, ns, app, holder string, lockWait time.Duration, deadline time.Time) (*release.Lock, *state, time.Duration, error) {
	start := time.Now()
	lock, err := d.lock(ctx, ns, app, holder, lockWait, deadline)
	if err != nil {
		return nil, nil, 0, err
	}
	waited := time.Since(start)
	ctx, cancel := context.WithDeadline(ctx, deadline.Add(waited))
	defer cancel()
	stuck, err := d.Records.RecoverPending(ctx, app)
	if err != nil {
		d.unlock(ctx, lock)
		return nil, nil, 0, fmt.Errorf("recovering interrupted revisions of %s: %w", app, err)
	}
	for _, rel := range stuck {
		fmt.Fprintf(d.Log, "revision %d was interrupted (berth stopped before it finished); marked failed\n", rel.Version)
	}
	h, err := d.Records.History(ctx, app)
	if err != nil {
		d.unlock(ctx, lock)
		return nil, nil, 0, fmt.Errorf("reading the release history of %s: %w", app, err)
	}
	return lock, readState(h), waited, nil
}

// lock takes the app's lock. While another berth holds it, it fails at
// once naming the holder, or with lockWait waits for it, saying so.
func (d *Deployer) lock(ctx context.Context, ns, app, holder string, lockWait time.Duration, deadline time.Time) (*release.Lock, error) {
	actx, cancel := context.WithDeadline(ctx, deadline)
	lock, err := release.Acquire(actx, d.Client.Clientset, ns, app, holder, LockTTL)
	cancel()
	var locked *release.LockedError
	if lockWait <= 0 || !errors.As(err, &locked) {
		return lock, err
	}
	fmt.Fprintf(d.Log, "waiting up to %s for the deploy lock of %s: %s holds it since %s\n", lockWait, app, locked.Holder, locked.Since.Local().Format(time.TimeOnly))
	wctx, cancel := context.WithTimeout(ctx, lockWait)
	defer cancel()
	return release.WaitAcquire(wctx, d.Client.Clientset, ns, app, holder, LockTTL)
}

func (d *Deployer) unlock(ctx context.Context, lock *release.Lock) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_ = lock.Release(rctx)
}

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

// TimeoutError is a rollout stopped by --timeout before it was applied
// (or pruned) in full.
type TimeoutError struct {
	Timeout time.Duration
	Err     error
}

func (e *TimeoutError) Error() string {
	if e.unreachable() {
		return fmt.Sprintf("the rollout ran out of time (--timeout %s): the API server stopped answering: %v", e.Timeout, e.Err)
	}
	return fmt.Sprintf("the rollout ran out of time (--timeout %s): %v", e.Timeout, e.Err)
}

func (e *TimeoutError) Unwrap() error { return e.Err }

func (e *TimeoutError) unreachable() bool {
	var op *net.OpError
	return errors.As(e.Err, &op) && op.Op == "dial"
}

// Hint says what may help.
func (e *TimeoutError) Hint() string {
	if e.unreachable() {
		return "once it answers again (kubectl get --raw /readyz), deploy again: applying is idempotent, and the next deploy marks this revision failed if berth could not"
	}
	return "the API server answered too slowly for the objects to be applied in time; check it (kubectl get --raw /readyz) and deploy again, with a longer --timeout if needed"
}

// Stages of a rollout, as an InterruptedError names them.
const (
	StageApply = "applying"
	StageWait  = "waiting"
	StagePrune = "pruning"
)

// InterruptedError is a rollout stopped by its context (SIGINT, SIGTERM):
// what it had done and the state it leaves the app in.
type InterruptedError struct {
	App      string
	Revision int // the revision begun
	// Recorded says the revision is recorded as failed (else it is still
	// pending and the next berth command marks it).
	Recorded bool
	Stage    string
	// Applied of Total objects were applied; NotReady are the workloads not
	// ready when the wait stopped.
	Applied, Total int
	NotReady       []string
	// Previous is the revision deployed before, 0 if none.
	Previous int
	Err      error
}

func (e *InterruptedError) Error() string {
	var what string
	switch e.Stage {
	case StageApply:
		what = fmt.Sprintf("while applying revision %d of %s: %d of %d objects applied", e.Revision, e.App, e.Applied, e.Total)
	case StageWait:
		what = fmt.Sprintf("while waiting for revision %d of %s: all %d objects applied", e.Revision, e.App, e.Total)
		if len(e.NotReady) > 0 {
			what += fmt.Sprintf(", %d not ready yet (%s)", len(e.NotReady), strings.Join(abbreviate(e.NotReady, 5), ", "))
		}
	default:
		what = fmt.Sprintf("while %s revision %d of %s: all %d objects applied and healthy", e.Stage, e.Revision, e.App, e.Total)
	}
	rec := "recorded as failed"
	if !e.Recorded {
		rec = "not recorded yet (the next berth command marks it failed)"
	}
	return fmt.Sprintf("interrupted %s; revision %d is %s", what, e.Revision, rec)
}

func (e *InterruptedError) Unwrap() error { return e.Err }

// Hint says what the cluster runs now and the ways on.
func (e *InterruptedError) Hint() string {
	prev := "no earlier revision"
	back := "berth delete removes it"
	if e.Previous > 0 {
		prev = fmt.Sprintf("revision %d", e.Previous)
		back = fmt.Sprintf("berth undo returns to revision %d", e.Previous)
	}
	var now string
	switch e.Stage {
	case StageApply:
		now = fmt.Sprintf("the cluster runs %s with part of revision %d applied over it", prev, e.Revision)
	case StageWait:
		now = fmt.Sprintf("revision %d is applied and its workloads keep rolling out without berth (berth status shows them)", e.Revision)
	default:
		now = fmt.Sprintf("revision %d runs; objects of %s it no longer has may remain", e.Revision, prev)
	}
	return now + "; berth deploy again finishes it, " + back
}

func abbreviate(names []string, n int) []string {
	if len(names) <= n {
		return names
	}
	return append(append([]string{}, names[:n]...), fmt.Sprintf("… %d more", len(names)-n))
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

// DefaultHistoryMax is how many revisions a deploy keeps, as Helm's
// --history-max.
const DefaultHistoryMax = 10

// checkStorageClasses refuses, before anything is applied, volumes that
// name a StorageClass neither berth.yaml nor the cluster defines: their
// claims would stay Pending forever.
func (d *Deployer) checkStorageClasses(ctx context.Context, p *config.Project) error {
	var problems []string
	checked := map[string]bool{}
	for _, name := range sortedNames(p.Services) {
		for _, v := range p.Services[name].Volumes {
			sc := v.StorageClass
			if sc == "" || checked[sc] || p.StorageClasses[sc] != nil {
				continue
			}
			checked[sc] = true
			_, err := d.Client.Clientset.StorageV1().StorageClasses().Get(ctx, sc, metav1.GetOptions{})
			switch {
			case apierrors.IsNotFound(err):
				problems = append(problems, fmt.Sprintf("service %s, volume %s: storage class %q exists neither in berth.yaml nor in the cluster", name, v.Name, sc))
			case err != nil && !apierrors.IsForbidden(err):
				return fmt.Errorf("reading storage class %s: %w", sc, err)
			}
		}
	}
	if len(problems) == 0 {
		return nil
	}
	classes, _ := d.Client.Clientset.StorageV1().StorageClasses().List(ctx, metav1.ListOptions{})
	var names []string
	if classes != nil {
		for _, c := range classes.Items {
			names = append(names, c.Name)
		}
	}
	return &StorageClassError{Problems: problems, Available: names}
}

// StorageClassError lists volumes whose storage class does not exist.
type StorageClassError struct {
	Problems  []string
	Available []string
}

func (e *StorageClassError) Error() string {
	return "nothing was applied: " + strings.Join(e.Problems, "; ")
}

// Hint says which classes there are.
func (e *StorageClassError) Hint() string {
	if len(e.Available) == 0 {
		return "the cluster has no storage classes: define one under storageClasses in berth.yaml"
	}
	return "the cluster has: " + strings.Join(e.Available, ", ") + "; name one of them, leave storageClass out for the default, or define the class under storageClasses"
}

func sortedNames[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
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

type terminalError struct{ report string }

func (e *terminalError) Error() string { return "waiting longer will not help" }

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

func (d *Deployer) printResult(r kube.Result) {
	fmt.Fprintln(d.Out, r.String())
	if d.Reporter != nil {
		d.Reporter.Applied(r)
	}
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

// Objects decodes rendered objects for the kube package.
func Objects(objs []render.Object) ([]*unstructured.Unstructured, error) {
	docs := make([][]byte, len(objs))
	for i, o := range objs {
		docs[i] = o.YAML
	}
	return kube.Decode(docs)
}

// InstanceSelector selects the objects berth renders for an app.
func InstanceSelector(app string) string { return "app.kubernetes.io/instance=" + app }

// Refs names rendered objects for the kube package.
func Refs(objs []render.Object) []kube.Ref {
	out := make([]kube.Ref, 0, len(objs))
	for _, o := range objs {
		group, version, ok := strings.Cut(o.APIVersion, "/")
		if !ok {
			group, version = "", o.APIVersion
		}
		out = append(out, kube.Ref{Group: group, Version: version, Kind: o.Kind, Namespace: o.Namespace, Name: o.Name})
	}
	return out
}
