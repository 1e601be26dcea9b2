package kube

import (
	"context"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// PruneOptions tune Prune.
type PruneOptions struct {
	// Volumes deletes PersistentVolumeClaims too; they are kept otherwise.
	Volumes bool
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
// behind, are kept (and reported) unless opts.Volumes.
func (c *Client) Prune(ctx context.Context, stale []Ref, opts PruneOptions) ([]Result, error) {
	var results []Result
	for i := len(stale) - 1; i >= 0; i-- {
		r := stale[i]
		if r.Kind == "PersistentVolumeClaim" && !opts.Volumes {
			results = append(results, Result{Ref: r, Action: Kept, DryRun: opts.DryRun, Note: "it holds data; berth deletes claims only with --prune-volumes"})
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
			if opts.Volumes {
				if opts.DryRun == DryRunNone {
					if err := c.Clientset.CoreV1().PersistentVolumeClaims(cl.Namespace).Delete(ctx, cl.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
						return results, fmt.Errorf("pruning %s: %w", cl, err)
					}
				}
				results = append(results, Result{Ref: cl, Action: Pruned, DryRun: opts.DryRun})
				continue
			}
			results = append(results, Result{Ref: cl, Action: Kept, DryRun: opts.DryRun, Note: fmt.Sprintf("volume of statefulset %s; berth deletes claims only with --prune-volumes", r.Name)})
		}
	}
	return results, nil
}

// statefulClaims lists the claims a StatefulSet's volumeClaimTemplates
// created (named TEMPLATE-SET-ORDINAL, labelled with the set's selector).
func (c *Client) statefulClaims(ctx context.Context, r Ref) ([]Ref, error) {
	sts, err := c.Clientset.AppsV1().StatefulSets(r.Namespace).Get(ctx, r.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", r, err)
	}
	if sts.Spec.Selector == nil || len(sts.Spec.VolumeClaimTemplates) == 0 {
		return nil, nil
	}
	sel := labels.SelectorFromSet(sts.Spec.Selector.MatchLabels)
	list, err := c.Clientset.CoreV1().PersistentVolumeClaims(r.Namespace).List(ctx, metav1.ListOptions{LabelSelector: sel.String()})
	if err != nil {
		return nil, fmt.Errorf("listing the claims of %s: %w", r, err)
	}
	var out []Ref
	for _, pvc := range list.Items {
		for _, t := range sts.Spec.VolumeClaimTemplates {
			if strings.HasPrefix(pvc.Name, t.Name+"-"+sts.Name+"-") {
				out = append(out, Ref{Version: "v1", Kind: "PersistentVolumeClaim", Namespace: pvc.Namespace, Name: pvc.Name})
				break
			}
		}
	}
	return out, nil
}
