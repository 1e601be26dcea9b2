package kube

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// PruneOptions tune Prune.
type PruneOptions struct {
	// Volumes deletes PersistentVolumeClaims too, but only those in Claims:
	// the ones the user was shown (ClaimsOf) and confirmed. Claims are kept
	// otherwise, and so is a claim that appeared after the confirmation.
	Volumes bool
	Claims  []Ref
	// VolumesFlag is the flag of the calling command that deletes claims,
	// named in the note of a kept one: --prune-volumes (deploy's and
	// undo's) when empty, --volumes for delete.
	VolumesFlag string
	// DryRun reports what would happen without deleting.
	DryRun string
}

// Stale returns the refs of previous that are not in current: the objects
// the last revision had and this one no longer renders.
func Stale(previous, current []Ref) []Ref {
	keep := make(map[string]bool, len(current))
	for _, r := range current {
		keep[r.Key()] = true
	}
	var out []Ref
	for _, r := range previous {
		if !keep[r.Key()] {
			out = append(out, r)
		}
	}
	return out
}

// Prune deletes stale objects in reverse apply order. Claims are data:
// a stale PersistentVolumeClaim, and the claims a pruned StatefulSet leaves
// behind, are kept (and reported) unless opts.Volumes names them.
// PersistentVolumes are never deleted.
func (c *Client) Prune(ctx context.Context, stale []Ref, opts PruneOptions) ([]Result, error) {
	confirmed := map[string]bool{}
	for _, r := range opts.Claims {
		confirmed[r.Key()] = true
	}
	deleteClaim := func(r Ref) bool { return opts.Volumes && confirmed[r.Key()] }
	var results []Result
	for i := len(stale) - 1; i >= 0; i-- {
		r := stale[i]
		if r.Kind == "PersistentVolume" {
			results = append(results, Result{Ref: r, Action: Kept, DryRun: opts.DryRun, Note: "berth never deletes persistent volumes; kubectl delete does, once its data is not needed"})
			continue
		}
		if r.Kind == "PersistentVolumeClaim" && !deleteClaim(r) {
			results = append(results, Result{Ref: r, Action: Kept, DryRun: opts.DryRun, Note: keptNote(opts, "it holds data")})
			continue
		}
		var claims []Ref
		if r.Kind == "StatefulSet" {
			var err error
			if claims, err = c.statefulClaims(ctx, r); err != nil {
				return results, err
			}
		}
		if opts.DryRun == DryRunNone {
			res, err := c.Resource(r)
			if err != nil {
				return results, err
			}
			policy := metav1.DeletePropagationBackground
			err = res.Delete(ctx, r.Name, metav1.DeleteOptions{PropagationPolicy: &policy})
			if apierrors.IsNotFound(err) {
				continue // gone already (or a failed revision never created it)
			}
			if err != nil {
				return results, fmt.Errorf("pruning %s: %w", r, err)
			}
		}
		results = append(results, Result{Ref: r, Action: Pruned, DryRun: opts.DryRun})
		for _, cl := range claims {
			if deleteClaim(cl) {
				if opts.DryRun == DryRunNone {
					if err := c.Clientset.CoreV1().PersistentVolumeClaims(cl.Namespace).Delete(ctx, cl.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
						return results, fmt.Errorf("pruning %s: %w", cl, err)
					}
				}
				results = append(results, Result{Ref: cl, Action: Pruned, DryRun: opts.DryRun})
				continue
			}
			results = append(results, Result{Ref: cl, Action: Kept, DryRun: opts.DryRun, Note: keptNote(opts, "volume of statefulset "+r.Name)})
		}
	}
	return results, nil
}

func keptNote(opts PruneOptions, what string) string {
	if opts.Volumes {
		return what + "; it was not among the claims confirmed for deletion"
	}
	flag := opts.VolumesFlag
	if flag == "" {
		flag = "--prune-volumes"
	}
	return what + "; berth deletes claims only with " + flag
}

// statefulClaims lists the claims a StatefulSet's volumeClaimTemplates
// created.
func (c *Client) statefulClaims(ctx context.Context, r Ref) ([]Ref, error) {
	sts, err := c.Clientset.AppsV1().StatefulSets(r.Namespace).Get(ctx, r.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", r, err)
	}
	byTemplate, err := c.templateClaims(ctx, sts)
	if err != nil {
		return nil, err
	}
	var out []Ref
	for _, t := range sts.Spec.VolumeClaimTemplates {
		for i := range byTemplate[t.Name] {
			out = append(out, claimRef(&byTemplate[t.Name][i]))
		}
	}
	return out, nil
}
