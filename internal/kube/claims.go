package kube

import (
	"context"
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// Claim is a PersistentVolumeClaim with the volume bound to it: what
// deleting the claim costs.
type Claim struct {
	Ref          Ref    `json:"claim"`
	Size         string `json:"size,omitempty"`
	StorageClass string `json:"storageClass,omitempty"`
	// Volume is the bound PersistentVolume ("" when unbound).
	Volume string `json:"volume,omitempty"`
	// ReclaimPolicy is the volume's (Delete, Retain, Recycle), "" when
	// unbound or when berth may not read volumes.
	ReclaimPolicy string `json:"reclaimPolicy,omitempty"`
	// StatefulSet created the claim from a volumeClaimTemplate, if set.
	StatefulSet string `json:"statefulSet,omitempty"`
}

// String says what deleting the claim deletes:
// persistentvolumeclaim/data-db-0 (1Gi, class standard, of statefulset db):
// bound to persistentvolume/pvc-1, reclaim policy Delete: the volume and its data are deleted too.
func (cl Claim) String() string {
	facts := []string{}
	if cl.Size != "" {
		facts = append(facts, cl.Size)
	}
	if cl.StorageClass != "" {
		facts = append(facts, "class "+cl.StorageClass)
	}
	if cl.StatefulSet != "" {
		facts = append(facts, "of statefulset "+cl.StatefulSet)
	}
	s := cl.Ref.String()
	if len(facts) > 0 {
		s += " (" + strings.Join(facts, ", ") + ")"
	}
	if cl.Volume == "" {
		return s + ": not bound to a volume"
	}
	s += ": bound to persistentvolume/" + cl.Volume
	switch corev1.PersistentVolumeReclaimPolicy(cl.ReclaimPolicy) {
	case corev1.PersistentVolumeReclaimDelete:
		return s + ", reclaim policy Delete: the volume and its data are deleted too"
	case corev1.PersistentVolumeReclaimRetain:
		return s + ", reclaim policy Retain: the volume is kept (Released) with its data"
	case corev1.PersistentVolumeReclaimRecycle:
		return s + ", reclaim policy Recycle: the volume is wiped"
	}
	return s + ", reclaim policy unknown (berth may not read persistent volumes): its data may be deleted too"
}

// ClaimsOf lists the claims that deleting refs with their volumes deletes:
// the PersistentVolumeClaims among refs and the claims the StatefulSets
// among refs created, each with its bound volume; claims that do not exist
// are left out.
func (c *Client) ClaimsOf(ctx context.Context, refs []Ref) ([]Claim, error) {
	var out []Claim
	seen := map[string]bool{}
	add := func(pvc *corev1.PersistentVolumeClaim, sts string) error {
		ref := claimRef(pvc)
		if seen[ref.Key()] {
			return nil
		}
		seen[ref.Key()] = true
		cl, err := c.describeClaim(ctx, pvc)
		if err != nil {
			return err
		}
		cl.StatefulSet = sts
		out = append(out, cl)
		return nil
	}
	for _, r := range refs {
		switch r.Kind {
		case "PersistentVolumeClaim":
			pvc, err := c.Clientset.CoreV1().PersistentVolumeClaims(r.Namespace).Get(ctx, r.Name, metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("reading %s: %w", r, err)
			}
			if err := add(pvc, ""); err != nil {
				return nil, err
			}
		case "StatefulSet":
			sts, err := c.Clientset.AppsV1().StatefulSets(r.Namespace).Get(ctx, r.Name, metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("reading %s: %w", r, err)
			}
			byTemplate, err := c.templateClaims(ctx, sts)
			if err != nil {
				return nil, err
			}
			for _, t := range sts.Spec.VolumeClaimTemplates {
				for i := range byTemplate[t.Name] {
					if err := add(&byTemplate[t.Name][i], sts.Name); err != nil {
						return nil, err
					}
				}
			}
		}
	}
	return out, nil
}

// AppClaims lists the claims of namespace ns labelled as berth's for app
// (app.kubernetes.io/name and instance), including those earlier prunes
// kept and no revision names any more.
func (c *Client) AppClaims(ctx context.Context, ns, app string) ([]Ref, error) {
	sel := labels.SelectorFromSet(labels.Set{"app.kubernetes.io/name": app, "app.kubernetes.io/instance": app})
	list, err := c.Clientset.CoreV1().PersistentVolumeClaims(ns).List(ctx, metav1.ListOptions{LabelSelector: sel.String()})
	if err != nil {
		return nil, fmt.Errorf("listing the claims of %s: %w", app, err)
	}
	out := make([]Ref, 0, len(list.Items))
	for i := range list.Items {
		out = append(out, claimRef(&list.Items[i]))
	}
	return out, nil
}

func claimRef(pvc *corev1.PersistentVolumeClaim) Ref {
	return Ref{Version: "v1", Kind: "PersistentVolumeClaim", Namespace: pvc.Namespace, Name: pvc.Name}
}

// describeClaim reads the volume bound to a claim.
func (c *Client) describeClaim(ctx context.Context, pvc *corev1.PersistentVolumeClaim) (Claim, error) {
	cl := Claim{Ref: claimRef(pvc), Volume: pvc.Spec.VolumeName}
	if q, ok := pvc.Spec.Resources.Requests[corev1.ResourceStorage]; ok {
		cl.Size = q.String()
	}
	if pvc.Spec.StorageClassName != nil {
		cl.StorageClass = *pvc.Spec.StorageClassName
	}
	if cl.Volume == "" {
		return cl, nil
	}
	pv, err := c.Clientset.CoreV1().PersistentVolumes().Get(ctx, cl.Volume, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err), apierrors.IsForbidden(err):
		// Gone, or not ours to read: the policy stays unknown and says so.
	case err != nil:
		return cl, fmt.Errorf("reading persistentvolume/%s: %w", cl.Volume, err)
	default:
		cl.ReclaimPolicy = string(pv.Spec.PersistentVolumeReclaimPolicy)
	}
	return cl, nil
}

// templateClaims lists the claims a StatefulSet's volumeClaimTemplates
// created (named TEMPLATE-SET-ORDINAL, labelled with the set's selector),
// by template name.
func (c *Client) templateClaims(ctx context.Context, sts *appsv1.StatefulSet) (map[string][]corev1.PersistentVolumeClaim, error) {
	if sts.Spec.Selector == nil || len(sts.Spec.VolumeClaimTemplates) == 0 {
		return nil, nil
	}
	sel := labels.SelectorFromSet(sts.Spec.Selector.MatchLabels)
	list, err := c.Clientset.CoreV1().PersistentVolumeClaims(sts.Namespace).List(ctx, metav1.ListOptions{LabelSelector: sel.String()})
	if err != nil {
		return nil, fmt.Errorf("listing the claims of statefulset.apps/%s: %w", sts.Name, err)
	}
	out := map[string][]corev1.PersistentVolumeClaim{}
	for _, pvc := range list.Items {
		for _, t := range sts.Spec.VolumeClaimTemplates {
			if ordinal, ok := strings.CutPrefix(pvc.Name, t.Name+"-"+sts.Name+"-"); ok && isDigits(ordinal) {
				out[t.Name] = append(out[t.Name], pvc)
				break
			}
		}
	}
	return out, nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
