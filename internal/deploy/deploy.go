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
	"sort"
	"strings"
	"time"

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
	// Current is the last deployed revision, or nil.
	Current(ctx context.Context, app string) (*hrelease.Release, error)
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

// Options describe one deploy.
type Options struct {
	Project   *config.Project
	Namespace string
	// Images are the references to run, by service (see render.Options.Images).
	Images map[string]string
	// DryRun is kube.DryRunNone, DryRunClient or DryRunServer.
	DryRun string
	// Force takes over fields other tools own (--force-conflicts).
	Force bool
	// PruneVolumes deletes claims the new revision no longer has.
	PruneVolumes bool
	// Wait for health, for at most Timeout.
	Wait    bool
	Timeout time.Duration
	// Atomic restores the previous revision when this one fails.
	Atomic bool
	// Meta is recorded with the revision.
	Meta Meta
	// HistoryMax bounds the revisions kept (default 10, like Helm).
	HistoryMax int
	// Holder identifies this deploy to a concurrent one that finds the
	// lock taken ("alice@laptop pid 4242 (berth deploy)").
	Holder string
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
}

// Outcome is the result of a deploy.
type Outcome struct {
	Revision int           `json:"revision"`
	Results  []kube.Result `json:"results"`
	Pruned   []kube.Result `json:"pruned,omitempty"`
	Healthy  bool          `json:"healthy"`
	// RolledBack is the revision restored by --atomic, if any.
	RolledBack int `json:"rolledBack,omitempty"`
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

// Deploy renders, applies, waits and records one revision.
func (d *Deployer) Deploy(ctx context.Context, o Options) (*Outcome, error) {
	p := o.Project
	res, err := render.Render(p, render.Options{Namespace: o.Namespace, Images: o.Images, ShowSecrets: true})
	if err != nil {
		return nil, err
	}
	objs, err := Objects(res.Objects)
	if err != nil {
		return nil, err
	}
	if err := d.checkStorageClasses(ctx, p); err != nil {
		return nil, err
	}
	out := &Outcome{}
	if o.DryRun != kube.DryRunNone {
		out.Results, err = d.Client.Apply(ctx, objs, kube.ApplyOptions{Force: o.Force, DryRun: o.DryRun, Report: d.printResult})
		return out, err
	}
	if created, err := d.Client.EnsureNamespace(ctx, res.Namespace, nil); err != nil {
		return nil, err
	} else if created {
		fmt.Fprintf(d.Out, "namespace/%s created\n", res.Namespace)
	}

	lock, err := release.Acquire(ctx, d.Client.Clientset, res.Namespace, p.Name, o.Holder, LockTTL)
	if err != nil {
		return nil, err
	}
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = lock.Release(rctx)
	}()
	if stuck, err := d.Records.RecoverPending(ctx, p.Name); err != nil {
		return nil, fmt.Errorf("recovering interrupted revisions of %s: %w", p.Name, err)
	} else {
		for _, rel := range stuck {
			fmt.Fprintf(d.Log, "revision %d was interrupted (berth stopped before it finished); marked failed\n", rel.Version)
		}
	}
	previous, err := d.Records.Current(ctx, p.Name)
	if err != nil {
		return nil, fmt.Errorf("reading the release history of %s: %w", p.Name, err)
	}
	rel, err := d.Records.Begin(ctx, p.Name, res.Chart, res.Chart.Values, string(res.Manifest), o.Meta)
	if err != nil {
		return nil, fmt.Errorf("recording the new revision: %w", err)
	}
	out.Revision = rel.Version
	// Whatever happens from here, the revision ends deployed or failed,
	// even when ctx is cancelled (SIGINT): finish with a context of its own.
	fail := func(reason string) {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := d.Records.Fail(fctx, rel, reason); err != nil {
			fmt.Fprintf(d.Log, "warning: could not mark revision %d failed: %v\n", rel.Version, err)
		}
	}

	out.Results, err = d.Client.Apply(ctx, objs, kube.ApplyOptions{Force: o.Force, Report: d.printResult, Selector: InstanceSelector(p.Name)})
	if err != nil {
		fail(failReason(ctx, err))
		return out, err
	}
	if o.Wait {
		if werr := d.wait(ctx, out.Results, o.Timeout); werr != nil {
			fail(failReason(ctx, werr))
			ferr := &FailedError{Revision: rel.Version, Err: werr}
			var we *kube.WaitError
			if errors.As(werr, &we) && d.Diagnoser != nil && ctx.Err() == nil {
				ferr.Diagnosis = d.diagnoseAll(ctx, we.NotReady)
			}
			if o.Atomic && previous != nil && ctx.Err() == nil {
				fmt.Fprintf(d.Log, "rolling back to revision %d (--atomic)\n", previous.Version)
				back, rerr := d.restore(ctx, previous, o)
				if rerr != nil {
					return out, fmt.Errorf("%w; rolling back to revision %d failed too: %v", ferr, previous.Version, rerr)
				}
				ferr.RolledBack = previous.Version
				out.RolledBack = back
			}
			return out, ferr
		}
		out.Healthy = true
	}
	if previous != nil {
		stale := kube.Stale(Refs(render.Split(previous.Manifest)), Refs(res.Objects))
		out.Pruned, err = d.Client.Prune(ctx, stale, kube.PruneOptions{Volumes: o.PruneVolumes})
		for _, r := range out.Pruned {
			d.printResult(r)
		}
		if err != nil {
			fail(failReason(ctx, err))
			return out, err
		}
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := d.Records.Succeed(sctx, rel); err != nil {
		return out, fmt.Errorf("recording revision %d as deployed: %w", rel.Version, err)
	}
	max := o.HistoryMax
	if max <= 0 {
		max = DefaultHistoryMax
	}
	if _, err := d.Records.Prune(sctx, p.Name, max); err != nil {
		fmt.Fprintf(d.Log, "warning: pruning old revisions: %v\n", err)
	}
	return out, nil
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

// restore re-applies a previous revision's manifest as a new revision.
func (d *Deployer) restore(ctx context.Context, prev *hrelease.Release, o Options) (int, error) {
	objs, err := Objects(render.Split(prev.Manifest))
	if err != nil {
		return 0, err
	}
	meta := o.Meta
	meta.Cause = fmt.Sprintf("rollback to %d", prev.Version)
	rel, err := d.Records.Begin(ctx, prev.Name, prev.Chart, prev.Config, prev.Manifest, meta)
	if err != nil {
		return 0, err
	}
	results, err := d.Client.Apply(ctx, objs, kube.ApplyOptions{Force: true, Report: d.printResult})
	if err == nil && o.Wait {
		err = d.wait(ctx, results, o.Timeout)
	}
	if err != nil {
		_ = d.Records.Fail(context.WithoutCancel(ctx), rel, err.Error())
		return 0, err
	}
	return rel.Version, d.Records.Succeed(ctx, rel)
}

func (d *Deployer) wait(ctx context.Context, results []kube.Result, timeout time.Duration) error {
	var refs []kube.Ref
	for _, r := range results {
		if kube.Waited(r.Ref.Kind) {
			refs = append(refs, r.Ref)
		}
	}
	opts := kube.WaitOptions{Timeout: timeout}
	if d.Progress != nil {
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

type terminalError struct{ report string }

func (e *terminalError) Error() string { return "waiting longer will not help" }

func (d *Deployer) diagnoseAll(ctx context.Context, notReady []kube.Progress) string {
	var b strings.Builder
	for _, p := range notReady {
		report, _, err := d.Diagnoser.Diagnose(ctx, p)
		switch {
		case err != nil:
			fmt.Fprintf(&b, "%s: could not diagnose: %v\n", p.Ref, err)
		case report != "":
			b.WriteString(report)
		default:
			fmt.Fprintf(&b, "%s: %s (%s)\n", p.Ref, p.Status, p.Message)
		}
	}
	return b.String()
}

func (d *Deployer) printResult(r kube.Result) { fmt.Fprintln(d.Out, r.String()) }

func failReason(ctx context.Context, err error) string {
	if ctx.Err() != nil {
		return "interrupted: " + err.Error()
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
