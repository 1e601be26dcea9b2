package deploy

import (
	"context"
	"fmt"
	"strings"
	"time"

	hrelease "helm.sh/helm/v3/pkg/release"
	"sigs.k8s.io/yaml"

	"github.com/berth-dev/berth/internal/kube"
	"github.com/berth-dev/berth/internal/registry"
	"github.com/berth-dev/berth/internal/release"
	"github.com/berth-dev/berth/internal/render"
)

// ImageChecker confirms that images still exist in their registries.
type ImageChecker interface {
	Check(ctx context.Context, images []string) []registry.Problem
}

// UndoOptions describe one undo.
type UndoOptions struct {
	RollOptions
	App, Namespace string
	// ToRevision is the revision to return to; 0 means the last good one
	// before the newest.
	ToRevision int
	// Meta says who undoes (User, BerthVersion); Undo sets the cause.
	Meta Meta
	// Images checks the revision's images before anything is applied; nil
	// skips the check.
	Images ImageChecker
}

// NotDeployedError is an app without any revision in a namespace. Apps,
// when not nil, are the apps berth manages there (release.Store.Apps):
// the error then names them, for a mistyped app or namespace.
type NotDeployedError struct {
	App, Namespace string
	Apps           []string
}

func (e *NotDeployedError) Error() string {
	switch {
	case e.Apps == nil:
		return fmt.Sprintf("%s has no revisions in namespace %s", e.App, e.Namespace)
	case len(e.Apps) == 0:
		return fmt.Sprintf("no app %q in namespace %q; berth manages no apps there", e.App, e.Namespace)
	}
	return fmt.Sprintf("no app %q in namespace %q; apps here: %s", e.App, e.Namespace, strings.Join(e.Apps, ", "))
}

// NotDeployed is the *NotDeployedError of app in namespace ns. When h
// can list the apps berth manages there (release.Store can), the error
// names them, so a mistyped app or namespace shows; a failed listing
// leaves them out.
func NotDeployed(ctx context.Context, h History, app, ns string) *NotDeployedError {
	e := &NotDeployedError{App: app, Namespace: ns}
	if l, ok := h.(interface {
		Apps(ctx context.Context) ([]string, error)
	}); ok {
		if apps, err := l.Apps(ctx); err == nil {
			e.Apps = append([]string{}, apps...)
		}
	}
	return e
}

// Hint says what to check.
func (e *NotDeployedError) Hint() string {
	if len(e.Apps) > 0 {
		return "name one of them, or the namespace the app is in with -n; berth list -A lists the apps of every namespace"
	}
	return "deploy it first (berth deploy), or name the namespace it is in with -n; berth list -A lists the apps of every namespace"
}

// RevisionError is an undo to a revision that cannot be used.
type RevisionError struct {
	Msg, Hint_ string
}

func (e *RevisionError) Error() string { return e.Msg }

// Hint says which revisions there are.
func (e *RevisionError) Hint() string { return e.Hint_ }

// MissingImagesError is an undo refused because images of the revision are
// gone from their registries; nothing was applied.
type MissingImagesError struct {
	Revision int
	Missing  []registry.Problem
}

func (e *MissingImagesError) Error() string {
	imgs := make([]string, len(e.Missing))
	for i, p := range e.Missing {
		imgs[i] = p.String()
	}
	return fmt.Sprintf("nothing was changed: revision %d runs images that are no longer in their registry: %s", e.Revision, strings.Join(imgs, "; "))
}

// Hint says the ways out.
func (e *MissingImagesError) Hint() string {
	return "push the images again (berth build at that commit), or pick another revision (berth history)"
}

// Undo rolls the app back to an earlier revision: it re-applies that
// revision's whole manifest (images, env, config files, Services, Ingress,
// replicas), prunes what the cluster holds from later revisions and the
// target did not have (claims kept unless PruneVolumes), waits, and records
// a new revision whose cause is "rollback to N".
func (d *Deployer) Undo(ctx context.Context, o UndoOptions) (*Outcome, error) {
	var (
		st    *state
		lease Lease
	)
	if o.DryRun == kube.DryRunNone {
		var err error
		var waited time.Duration
		deadline := o.deadline()
		if lease, st, waited, err = d.begin(ctx, o.Namespace, o.App, o.Holder, o.WaitLock, deadline); err != nil {
			return nil, err
		}
		o.Deadline = deadline.Add(waited)
		defer d.unlock(ctx, lease)
	} else {
		h, err := d.Records.History(ctx, o.App)
		if err != nil {
			return nil, fmt.Errorf("reading the release history of %s: %w", o.App, err)
		}
		st = readState(h)
	}
	if len(st.history) == 0 {
		return nil, NotDeployed(ctx, d.Records, o.App, o.Namespace)
	}
	target, err := undoTarget(st.history, o)
	if err != nil {
		return nil, err
	}
	meta, err := release.MetaOf(target)
	if err != nil {
		return nil, err
	}
	meta.Cause = fmt.Sprintf("rollback to %d", target.Version)
	meta.User, meta.BerthVersion = o.Meta.User, o.Meta.BerthVersion
	m := st.manifest(target)
	pl, err := newPlan(o.App, o.Namespace, target.Chart, target.Config, m, meta)
	if err != nil {
		return nil, fmt.Errorf("revision %d: %w", target.Version, err)
	}
	if o.Images != nil {
		if problems := o.Images.Check(ctx, ManifestImages(m)); len(problems) > 0 {
			var missing []registry.Problem
			for _, p := range problems {
				if p.Missing {
					missing = append(missing, p)
				} else {
					fmt.Fprintf(d.Log, "warning: %s; going on\n", p)
				}
			}
			if len(missing) > 0 {
				return nil, &MissingImagesError{Revision: target.Version, Missing: missing}
			}
		}
	}
	if err := d.fillSecrets(ctx, pl, target.Version, nil); err != nil {
		return nil, err
	}
	fmt.Fprintf(d.Log, "rolling %s back to revision %d (%s)\n", o.App, target.Version, describe(target))
	if o.DryRun != kube.DryRunNone {
		w, err := d.checkVolumes(ctx, st, pl, o.RollOptions)
		if err != nil {
			return nil, err
		}
		out := &Outcome{RolledBack: target.Version}
		d.stage("apply")
		opts := applyOptions(o.RollOptions)
		opts.Report = d.printResult
		out.Results, err = d.apply(ctx, w, pl.objs, opts)
		if err != nil {
			return out, err
		}
		out.Pruned, err = d.Cluster.Prune(ctx, kube.Stale(st.applied, pl.refs), kube.PruneOptions{Volumes: o.PruneVolumes, Claims: w.pruneClaims, DryRun: o.DryRun})
		for _, r := range out.Pruned {
			d.printResult(r)
		}
		return out, err
	}
	o.Atomic = false
	out, err := d.roll(ctx, lease, st, pl, o.RollOptions)
	if out != nil {
		out.RolledBack = target.Version
	}
	return out, err
}

// undoTarget picks the revision an undo returns to.
func undoTarget(h []release.Revision, o UndoOptions) (*hrelease.Release, error) {
	newest := h[len(h)-1].Release
	span := fmt.Sprintf("%s has revisions %d to %d", o.App, h[0].Release.Version, newest.Version)
	if len(h) == 1 {
		span = fmt.Sprintf("%s has only revision %d", o.App, newest.Version)
	}
	if o.ToRevision == 0 {
		for i := len(h) - 2; i >= 0; i-- {
			if good(h[i].Release) {
				return h[i].Release, nil
			}
		}
		return nil, &RevisionError{
			Msg:   fmt.Sprintf("no earlier revision of %s became healthy: there is nothing to go back to", o.App),
			Hint_: span + "; see berth history, and berth undo --to-revision N for a failed one",
		}
	}
	for _, r := range h {
		if r.Release.Version != o.ToRevision {
			continue
		}
		if r.Release == newest && good(newest) {
			return nil, &RevisionError{
				Msg:   fmt.Sprintf("revision %d is the current revision of %s already", o.ToRevision, o.App),
				Hint_: "berth history lists the others",
			}
		}
		return r.Release, nil
	}
	return nil, &RevisionError{
		Msg:   fmt.Sprintf("%s has no revision %d", o.App, o.ToRevision),
		Hint_: span + " (older ones are pruned beyond --history-max); see berth history",
	}
}

// good reports whether a revision became healthy when it was deployed.
func good(rel *hrelease.Release) bool {
	if rel.Info == nil {
		return false
	}
	return rel.Info.Status == hrelease.StatusDeployed || rel.Info.Status == hrelease.StatusSuperseded
}

func describe(rel *hrelease.Release) string {
	if m, err := release.MetaOf(rel); err == nil && m.Cause != "" {
		return m.Cause
	}
	if rel.Info != nil && rel.Info.Description != "" {
		return rel.Info.Description
	}
	return "no cause recorded"
}

// ManifestImages lists the container images (init containers included) of
// the workloads in a manifest.
func ManifestImages(m *render.Manifest) []string {
	var out []string
	for _, w := range Workloads(m) {
		for _, c := range w.Containers {
			out = append(out, c.Image)
		}
	}
	return out
}

// Workload is a Deployment or StatefulSet of a manifest, reduced to what
// history and undo show.
type Workload struct {
	Kind, Name string
	// Service is the app.kubernetes.io/component label: berth's service.
	Service    string
	Replicas   *int32
	Containers []Container
}

// Container is one container of a workload's pod template.
type Container struct {
	Name, Image string
	Init        bool
}

// Workloads decodes the Deployments and StatefulSets of a manifest; other
// objects and documents that do not decode are skipped.
func Workloads(m *render.Manifest) []Workload {
	var out []Workload
	for _, o := range m.Objects() {
		if o.Kind != "Deployment" && o.Kind != "StatefulSet" {
			continue
		}
		var obj struct {
			Metadata struct {
				Name   string            `json:"name"`
				Labels map[string]string `json:"labels"`
			} `json:"metadata"`
			Spec struct {
				Replicas *int32 `json:"replicas"`
				Template struct {
					Spec struct {
						InitContainers []struct{ Name, Image string } `json:"initContainers"`
						Containers     []struct{ Name, Image string } `json:"containers"`
					} `json:"spec"`
				} `json:"template"`
			} `json:"spec"`
		}
		if err := yaml.Unmarshal(o.YAML, &obj); err != nil {
			continue
		}
		w := Workload{Kind: o.Kind, Name: obj.Metadata.Name, Service: obj.Metadata.Labels["app.kubernetes.io/component"], Replicas: obj.Spec.Replicas}
		if w.Service == "" {
			w.Service = w.Name
		}
		for _, c := range obj.Spec.Template.Spec.InitContainers {
			w.Containers = append(w.Containers, Container{Name: c.Name, Image: c.Image, Init: true})
		}
		for _, c := range obj.Spec.Template.Spec.Containers {
			w.Containers = append(w.Containers, Container{Name: c.Name, Image: c.Image})
		}
		out = append(out, w)
	}
	return out
}
