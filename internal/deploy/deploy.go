package deploy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"sync/atomic"
	"time"

	"helm.sh/helm/v3/pkg/chart"
	hrelease "helm.sh/helm/v3/pkg/release"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/kube"
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
	// Current is the last deployed revision, or nil when none is.
	Current(ctx context.Context, app string) (*hrelease.Release, error)
	// Delete deletes every revision of app and returns their versions.
	Delete(ctx context.Context, app string) ([]int, error)
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

// Deployer runs deploys against one cluster.
type Deployer struct {
	// Cluster is where objects are applied, waited for and pruned.
	Cluster Cluster
	// Locker takes the app's deploy lock; Diff and dry runs need none.
	Locker Locker
	// Records are the app's release records.
	Records Records
	// Diagnoser explains workloads that do not become ready; nil skips
	// the diagnosis.
	Diagnoser Diagnoser
	// Out receives the per-object result lines; Log receives notes.
	Out, Log io.Writer
	// Progress shows the wait; nil shows nothing.
	Progress WaitPrinter
	// Reporter hears the steps of a rollout and each object's result
	// (berth --progress=json, GitHub log groups); nil hears nothing.
	Reporter Reporter

	// renders counts the project renders of deploys and diffs (a deploy
	// after berth scale should render once).
	renders atomic.Int64
}

// render renders p for a deploy or diff, counting it.
func (d *Deployer) render(p *config.Project, o render.Options) (*render.Result, error) {
	d.renders.Add(1)
	return render.Render(p, o)
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

// Deploy renders, applies, waits and records one revision.
func (d *Deployer) Deploy(ctx context.Context, o Options) (out *Outcome, err error) {
	p := o.Project
	deadline := o.deadline()
	dctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	// The history read before rendering gives the replica counts of berth
	// scale that the deploy keeps, so that one render is enough. A real
	// deploy reads it again under its lease (begin) and renders again only
	// if a scale came in between; an error here is the one that read's.
	h, herr := d.Records.History(dctx, p.Name)
	var peek *state
	if herr == nil {
		peek = readState(h)
	}
	ropts := d.renderOptions(p, o, peek)
	res, err := d.render(p, ropts)
	if err != nil {
		return nil, err
	}
	if err := d.checkStorageClasses(dctx, p); err != nil {
		return nil, err
	}
	if o.DryRun != kube.DryRunNone {
		ctx = dctx
		if herr != nil {
			return nil, fmt.Errorf("reading the release history of %s: %w", p.Name, herr)
		}
		pl, _, err := d.deployPlan(p, o, ropts, res, peek)
		if err != nil {
			return nil, err
		}
		w, err := d.checkVolumes(ctx, peek, pl, o.RollOptions)
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
	created, err := d.Cluster.EnsureNamespace(dctx, res.Namespace, nil)
	if err != nil {
		return nil, err
	}
	if created {
		fmt.Fprintf(d.Out, "namespace/%s created\n", res.Namespace)
	}
	lease, st, waited, err := d.begin(ctx, res.Namespace, p.Name, o.Holder, o.WaitLock, deadline)
	if err != nil {
		return nil, err
	}
	defer d.unlock(ctx, lease)
	if created {
		// The namespace exists for the dry run of the objects in it
		// (Check); when they are refused, it goes again (see below).
		defer func() {
			var refused *kube.RefusedError
			if !errors.As(err, &refused) {
				return
			}
			d.unlock(ctx, lease)
			if rerr := d.Cluster.RemoveNamespace(context.WithoutCancel(ctx), res.Namespace); rerr != nil {
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
	out, err = d.roll(ctx, lease, st, pl, o.RollOptions)
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
	h, herr := d.Records.History(ctx, p.Name)
	var st *state
	if herr == nil {
		st = readState(h)
	}
	ropts := d.renderOptions(p, o, st)
	res, err := d.render(p, ropts)
	if err != nil {
		return nil, nil, err
	}
	if herr != nil {
		return nil, nil, fmt.Errorf("reading the release history of %s: %w", p.Name, herr)
	}
	pl, notes, err := d.deployPlan(p, o, ropts, res, st)
	if err != nil {
		return nil, nil, err
	}
	// The server's dry run would refuse these with a bare Forbidden; say
	// what a deploy would say.
	changes, err := d.Cluster.VolumeChanges(ctx, pl.objs)
	if err != nil {
		return nil, nil, err
	}
	if err := refusal(changes, false); err != nil {
		return nil, nil, err
	}
	diffs, err := d.Cluster.Diff(ctx, pl.objs, kube.Stale(st.applied, pl.refs), applyOptions(o.RollOptions))
	return diffs, notes, err
}

// applyOptions are how a rollout applies: the release is Helm's too, so
// what helm rollback or upgrade of it wrote, berth takes back without
// --force-conflicts.
func applyOptions(o RollOptions) kube.ApplyOptions {
	return kube.ApplyOptions{Force: o.Force, TakeFrom: []string{kube.HelmFieldManager}, DryRun: o.DryRun}
}

// renderOptions are the render options of a deploy of o over st (nil
// when the history could not be read): with the replica counts of berth
// scale it keeps (see keepScale).
func (d *Deployer) renderOptions(p *config.Project, o Options, st *state) render.Options {
	ropts := render.Options{Namespace: o.Namespace, Images: o.Images, ShowSecrets: true, ChangeCause: o.Meta.Cause}
	if st != nil {
		// An error here is deployPlan's to report.
		if scaled, _, err := scaleOf(p, o, st); err == nil {
			ropts.Replicas = replicas(scaled)
		}
	}
	return ropts
}

// deployPlan is the plan of a deploy: res, rendered with ropts, or again
// if planOptions says so: when the replica counts of berth scale that the
// deploy keeps differ from ropts' (a scale came in after ropts were made),
// or the change-cause of a workload whose pod template the deploy leaves
// as the newest revision had it is not ropts' (see keptCauses).
func (d *Deployer) deployPlan(p *config.Project, o Options, ropts render.Options, res *render.Result, st *state) (*plan, []string, error) {
	ropts, meta, notes, again, err := planOptions(p, o, ropts, res.Parsed(), st)
	if err != nil {
		return nil, nil, err
	}
	if again {
		if res, err = d.render(p, ropts); err != nil {
			return nil, nil, err
		}
	}
	pl, err := newPlan(p.Name, res.Namespace, res.Chart, res.Chart.Values, res.Parsed(), meta)
	return pl, notes, err
}

// planOptions completes ropts, which rendered m, for a deploy of o over
// st: the replica counts of berth scale it keeps and the causes it keeps,
// the revision's meta and notes, and whether m must be rendered again
// with the completed options. Pod templates depend on neither replicas
// nor causes, so m's templates are the ones to compare.
func planOptions(p *config.Project, o Options, ropts render.Options, m *render.Manifest, st *state) (render.Options, Meta, []string, bool, error) {
	meta := o.Meta
	scaled, notes, err := scaleOf(p, o, st)
	if err != nil {
		return ropts, meta, nil, false, err
	}
	meta.Scaled = scaled
	want := replicas(scaled)
	again := !maps.Equal(want, ropts.Replicas)
	ropts.Replicas = want
	causes := maps.Clone(ropts.Causes)
	for name, cause := range keptCauses(st.lastManifest(), m) {
		if cause == ropts.ChangeCause {
			continue
		}
		if old, ok := causes[name]; !ok || old != cause {
			again = true
		}
		if causes == nil {
			causes = map[string]string{}
		}
		causes[name] = cause
	}
	ropts.Causes = causes
	return ropts, meta, notes, again, nil
}

// scaleOf returns the replica counts of berth scale a deploy of o over st
// keeps, and the notes saying so.
func scaleOf(p *config.Project, o Options, st *state) (map[string]release.Scale, []string, error) {
	var notes []string
	switch {
	case st.current != nil && !o.ResetScale:
		prev, err := release.MetaOf(st.current)
		if err != nil {
			return nil, nil, err
		}
		scaled, notes := keepScale(p, prev.Scaled)
		return scaled, notes, nil
	case st.current != nil && o.ResetScale:
		if prev, err := release.MetaOf(st.current); err == nil {
			for _, name := range sortedNames(prev.Scaled) {
				if s := p.Services[name]; s != nil && s.Autoscale == nil {
					notes = append(notes, fmt.Sprintf("%s: back to berth.yaml's %d replicas (--reset-scale; berth scale had set %d)", name, s.EffectiveReplicas(), prev.Scaled[name].Replicas))
				}
			}
		}
	}
	return nil, notes, nil
}

// replicas are the replica counts of scaled, for render.Options, or nil.
func replicas(scaled map[string]release.Scale) map[string]int32 {
	if len(scaled) == 0 {
		return nil
	}
	out := make(map[string]int32, len(scaled))
	for name, sc := range scaled {
		out[name] = sc.Replicas
	}
	return out
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

// DefaultHistoryMax is how many revisions a deploy keeps, as Helm's
// --history-max.
const DefaultHistoryMax = 10

func (d *Deployer) printResult(r kube.Result) {
	fmt.Fprintln(d.Out, r.String())
	if d.Reporter != nil {
		d.Reporter.Applied(r)
	}
}
