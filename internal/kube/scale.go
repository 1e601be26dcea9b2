package kube

import (
	"context"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/util/retry"
	kscale "k8s.io/kubectl/pkg/scale"
)

// Scale sets the replicas of a Deployment or StatefulSet through its scale
// subresource, with kubectl's scaler (what kubectl scale does), and returns
// the replicas it had before.
//
// A scale is an update that takes over the ownership of spec.replicas from
// berth's server-side apply, so the next deploy that sets another count
// would conflict with berth itself. Scale therefore gives that ownership
// up again (Disown): spec.replicas is then owned by nobody until the next
// deploy sets it, and a deploy never conflicts with a berth scale. Other
// tools' scales (kubectl scale) still conflict, as they should.
func (c *Client) Scale(ctx context.Context, r Ref, replicas int32) (before int32, err error) {
	m, err := c.Mapper.RESTMapping(r.GVK().GroupKind(), r.Version)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", r, err)
	}
	cur, err := c.Scales.Scales(r.Namespace).Get(ctx, m.Resource.GroupResource(), r.Name, metav1.GetOptions{})
	if err != nil {
		return 0, fmt.Errorf("reading the scale of %s: %w", r, err)
	}
	before = cur.Spec.Replicas
	if before == replicas {
		return before, nil
	}
	if _, _, err := kscale.NewScaler(c.Scales).ScaleSimple(r.Namespace, r.Name, nil, uint(replicas), m.Resource, false); err != nil {
		return before, fmt.Errorf("scaling %s to %d: %w", r, replicas, err)
	}
	if err := c.Disown(ctx, r); err != nil {
		return before, err
	}
	return before, nil
}

// Disown removes the field ownership berth's own updates through the scale
// subresource took on r (see Scale).
func (c *Client) Disown(ctx context.Context, r Ref) error {
	res, err := c.Resource(r)
	if err != nil {
		return err
	}
	err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
		u, err := res.Get(ctx, r.Name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		kept, changed := withoutOwnScale(u)
		if !changed {
			return nil
		}
		if len(kept) == 0 {
			// An empty list means "leave as is"; one empty entry clears.
			kept = []metav1.ManagedFieldsEntry{{}}
		}
		u.SetManagedFields(kept)
		_, err = res.Update(ctx, u, metav1.UpdateOptions{FieldManager: FieldManager})
		return err
	})
	if err != nil {
		return fmt.Errorf("giving up berth's ownership of the replicas of %s: %w", r, err)
	}
	return nil
}

// withoutOwnScale drops the managed-fields entries of berth's updates
// through the scale subresource.
func withoutOwnScale(u *unstructured.Unstructured) ([]metav1.ManagedFieldsEntry, bool) {
	all := u.GetManagedFields()
	kept := make([]metav1.ManagedFieldsEntry, 0, len(all))
	for _, e := range all {
		if e.Manager == FieldManager && e.Operation == metav1.ManagedFieldsOperationUpdate && e.Subresource == "scale" {
			continue
		}
		kept = append(kept, e)
	}
	return kept, len(kept) != len(all)
}
