package deploy

import (
	"context"
	"fmt"
	"time"

	"github.com/berth-dev/berth/internal/kube"
	"github.com/berth-dev/berth/internal/render"
)

// DeleteOptions describe one berth delete.
type DeleteOptions struct {
	App, Namespace string
	// Rendered are the objects berth.yaml renders now (nil when it does
	// not render): deleted with those of the current revision, in case
	// the two differ.
	Rendered []render.Object
	// Volumes deletes the app's claims too, those earlier prunes kept
	// included, once Confirm approves them.
	Volumes bool
	// KeepHistory keeps the release records.
	KeepHistory bool
	// AlsoClaims are deleted by someone else (helm uninstall for berth
	// down --charts) but listed in the plan with the app's, to be
	// confirmed at once.
	AlsoClaims []kube.Ref
	// Confirm approves the plan before anything is deleted; it returns an
	// error to refuse. nil approves the objects but refuses any claim.
	Confirm func(ctx context.Context, plan DeletePlan) error
	// Holder names this process to another berth that finds the app
	// locked (with a Deployer's Locker).
	Holder string
}

// deleteLockFor bounds how long a delete holds the deploy lock (a
// question on the terminal included).
const deleteLockFor = time.Hour

// DeletePlan is what a delete will remove, for its confirmation.
type DeletePlan struct {
	App, Namespace string
	// Refs are the objects, in apply order (deleted in reverse).
	Refs []kube.Ref
	// Claims are the claims deleted with their data (with Volumes only),
	// AlsoClaims included.
	Claims []kube.Claim
}

// DeleteOutcome is the result of a delete.
type DeleteOutcome struct {
	// Nothing is true when the app had nothing to delete: nothing was
	// confirmed or changed.
	Nothing bool `json:"nothing,omitempty"`
	// Results are the objects deleted or kept, in the order they were.
	Results []kube.Result `json:"results,omitempty"`
	// Revisions are the release records deleted.
	Revisions []int `json:"revisions,omitempty"`
}

// Delete removes the app from the cluster: the objects of its current
// revision and those in o.Rendered, in reverse apply order, its claims
// only with o.Volumes, then its release history unless o.KeepHistory.
// With a Locker it holds the app's deploy lock throughout, so a deploy,
// undo or scale running now is not deleted under (the delete refuses with
// a *release.LockedError naming it) and none starts midway. When the
// prune fails, the outcome holds the results so far with the error.
func (d *Deployer) Delete(ctx context.Context, o DeleteOptions) (*DeleteOutcome, error) {
	if d.Locker != nil {
		lease, err := d.lock(ctx, o.Namespace, o.App, o.Holder, 0, time.Now().Add(deleteLockFor))
		if err != nil {
			return nil, err
		}
		defer d.unlock(ctx, lease)
	}
	plan, err := d.deletePlan(ctx, o)
	if err != nil {
		return nil, err
	}
	if len(plan.Refs) == 0 && len(plan.Claims) == 0 {
		return &DeleteOutcome{Nothing: true}, nil
	}
	confirm := o.Confirm
	if confirm == nil {
		confirm = refuseClaims
	}
	if err := confirm(ctx, plan); err != nil {
		return nil, err
	}
	confirmed := make([]kube.Ref, 0, len(plan.Claims))
	for _, cl := range plan.Claims {
		confirmed = append(confirmed, cl.Ref)
	}
	out := &DeleteOutcome{}
	out.Results, err = d.Cluster.Prune(ctx, plan.Refs, kube.PruneOptions{Volumes: o.Volumes, Claims: confirmed, VolumesFlag: "--volumes"})
	if err != nil {
		return out, err
	}
	if !o.KeepHistory {
		if out.Revisions, err = d.Records.Delete(ctx, o.App); err != nil {
			return out, fmt.Errorf("deleting the release history: %w", err)
		}
	}
	return out, nil
}

// deletePlan collects what a delete of o removes: the objects of the
// current revision and the rendered ones, each once, and with Volumes the
// claims earlier prunes kept and the claims listed.
func (d *Deployer) deletePlan(ctx context.Context, o DeleteOptions) (DeletePlan, error) {
	plan := DeletePlan{App: o.App, Namespace: o.Namespace}
	seen := map[string]bool{}
	add := func(refs []kube.Ref) {
		for _, r := range refs {
			if !seen[r.Key()] {
				seen[r.Key()] = true
				plan.Refs = append(plan.Refs, r)
			}
		}
	}
	current, err := d.Records.Current(ctx, o.App)
	if err != nil {
		return plan, err
	}
	if current != nil {
		add(Refs(render.ParseManifest(current.Manifest).Objects()))
	}
	add(Refs(o.Rendered))
	if !o.Volumes {
		return plan, nil
	}
	// Claims earlier prunes kept are the app's too, though no revision
	// names them any more.
	kept, err := d.Cluster.AppClaims(ctx, o.Namespace, o.App)
	if err != nil {
		return plan, err
	}
	add(kept)
	plan.Claims, err = d.Cluster.ClaimsOf(ctx, append(append([]kube.Ref{}, plan.Refs...), o.AlsoClaims...))
	return plan, err
}

// refuseClaims is the confirmation of a delete without one: the objects
// go, claims are refused.
func refuseClaims(_ context.Context, plan DeletePlan) error {
	if len(plan.Claims) > 0 {
		return &VolumeDeletionError{Flag: "--volumes", Claims: plan.Claims}
	}
	return nil
}
