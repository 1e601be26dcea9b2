package kube

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
)

// VolumeChangeKind is what changed about a claim or a claim template.
type VolumeChangeKind string

// Volume change kinds.
const (
	VolumeExpanded      VolumeChangeKind = "size increase"
	VolumeShrunk        VolumeChangeKind = "size decrease"
	VolumeAccessModes   VolumeChangeKind = "accessModes"
	VolumeStorageClass  VolumeChangeKind = "storageClassName"
	VolumeTemplateAdded VolumeChangeKind = "new volume"
	VolumeTemplateGone  VolumeChangeKind = "removed volume"
)

// VolumeChange is a difference between a rendered claim (a
// PersistentVolumeClaim, or a StatefulSet's volumeClaimTemplate) and the
// live one that a plain apply cannot make: the API server forbids any
// change of a StatefulSet's volumeClaimTemplates, and a claim's size may
// only grow, on a storage class that allows expansion.
type VolumeChange struct {
	// Object is the StatefulSet or the PersistentVolumeClaim.
	Object Ref `json:"object"`
	// Volume is the claim template's name ("" for a claim).
	Volume string           `json:"volume,omitempty"`
	Kind   VolumeChangeKind `json:"change"`
	// Field is the changed field's path, as the API names it.
	Field    string `json:"field"`
	From, To string
	// Claims are the live claims a StatefulSet's template created (for a
	// size increase: those to expand).
	Claims []Ref `json:"claims,omitempty"`
	// Problem, when set, is why the change cannot be made at all.
	Problem string `json:"problem,omitempty"`
}

// String reads: statefulset.apps/db, volume data: size increase
// (spec.volumeClaimTemplates[data].spec.resources.requests.storage 1Gi -> 2Gi).
func (ch VolumeChange) String() string {
	s := ch.Object.String()
	if ch.Volume != "" {
		s += ", volume " + ch.Volume
	}
	s += ": " + string(ch.Kind)
	switch {
	case ch.From != "" || ch.To != "":
		s += fmt.Sprintf(" (%s %s -> %s)", ch.Field, orNone(ch.From), orNone(ch.To))
	case ch.Field != "":
		s += " (" + ch.Field + ")"
	}
	if ch.Problem != "" {
		s += ": " + ch.Problem
	}
	return s
}

func orNone(s string) string {
	if s == "" {
		return `""`
	}
	return s
}

// NeedsRecreate reports whether the change is one of a StatefulSet's claim
// templates that Kubernetes allows only by deleting the StatefulSet (its
// pods orphaned) and creating it again.
func (ch VolumeChange) NeedsRecreate() bool {
	return ch.Problem == "" && ch.Object.Kind == "StatefulSet"
}

// VolumeChanges compares the claims and claim templates of objs with the
// live ones, reading the cluster only: the StatefulSets and claims that
// exist, the claims their templates created, and the storage classes of
// claims that grow. Objects that do not exist yet have no changes.
func (c *Client) VolumeChanges(ctx context.Context, objs []*unstructured.Unstructured) ([]VolumeChange, error) {
	var out []VolumeChange
	for _, o := range objs {
		switch o.GetKind() {
		case "StatefulSet":
			chs, err := c.templateChanges(ctx, o)
			if err != nil {
				return nil, err
			}
			out = append(out, chs...)
		case "PersistentVolumeClaim":
			chs, err := c.claimChanges(ctx, o)
			if err != nil {
				return nil, err
			}
			out = append(out, chs...)
		}
	}
	return out, nil
}

func (c *Client) templateChanges(ctx context.Context, o *unstructured.Unstructured) ([]VolumeChange, error) {
	ref := RefOf(o)
	var want appsv1.StatefulSet
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, &want); err != nil {
		return nil, fmt.Errorf("decoding %s: %w", ref, err)
	}
	live, err := c.Clientset.AppsV1().StatefulSets(ref.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", ref, err)
	}
	claims, err := c.templateClaims(ctx, live)
	if err != nil {
		return nil, err
	}
	old := map[string]corev1.PersistentVolumeClaim{}
	for _, t := range live.Spec.VolumeClaimTemplates {
		old[t.Name] = t
	}
	var out []VolumeChange
	for _, t := range want.Spec.VolumeClaimTemplates {
		field := "spec.volumeClaimTemplates[" + t.Name + "]"
		base := VolumeChange{Object: ref, Volume: t.Name}
		lt, ok := old[t.Name]
		if !ok {
			ch := base
			ch.Kind, ch.Field = VolumeTemplateAdded, field
			out = append(out, ch)
			continue
		}
		delete(old, t.Name)
		for _, ch := range specChanges(base, field+".spec", &lt.Spec, &t.Spec) {
			for i := range claims[t.Name] {
				ch.Claims = append(ch.Claims, claimRef(&claims[t.Name][i]))
			}
			if ch.Kind == VolumeExpanded {
				ch.Problem, err = c.expansionProblem(ctx, claims[t.Name])
				if err != nil {
					return nil, err
				}
			}
			out = append(out, ch)
		}
	}
	for _, t := range live.Spec.VolumeClaimTemplates {
		if _, gone := old[t.Name]; gone {
			ch := VolumeChange{Object: ref, Volume: t.Name, Kind: VolumeTemplateGone, Field: "spec.volumeClaimTemplates[" + t.Name + "]"}
			for i := range claims[t.Name] {
				ch.Claims = append(ch.Claims, claimRef(&claims[t.Name][i]))
			}
			out = append(out, ch)
		}
	}
	return out, nil
}

func (c *Client) claimChanges(ctx context.Context, o *unstructured.Unstructured) ([]VolumeChange, error) {
	ref := RefOf(o)
	var want corev1.PersistentVolumeClaim
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, &want); err != nil {
		return nil, fmt.Errorf("decoding %s: %w", ref, err)
	}
	live, err := c.Clientset.CoreV1().PersistentVolumeClaims(ref.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", ref, err)
	}
	spec := want.Spec
	if spec.StorageClassName == nil {
		// Left to the default class, which admission wrote into the live claim.
		spec.StorageClassName = live.Spec.StorageClassName
	}
	chs := specChanges(VolumeChange{Object: ref}, "spec", &live.Spec, &spec)
	for i := range chs {
		if chs[i].Kind == VolumeExpanded {
			if chs[i].Problem, err = c.expansionProblem(ctx, []corev1.PersistentVolumeClaim{*live}); err != nil {
				return nil, err
			}
		}
	}
	return chs, nil
}

// specChanges compares what berth renders of a claim spec: size, access
// modes and storage class. Shrinking and changing the access modes or the
// class get their Problem; a size increase is left to the caller.
func specChanges(base VolumeChange, field string, old, want *corev1.PersistentVolumeClaimSpec) []VolumeChange {
	var out []VolumeChange
	oldSize, newSize := old.Resources.Requests[corev1.ResourceStorage], want.Resources.Requests[corev1.ResourceStorage]
	if cmp := newSize.Cmp(oldSize); cmp != 0 {
		ch := base
		ch.Field, ch.From, ch.To = field+".resources.requests.storage", oldSize.String(), newSize.String()
		ch.Kind = VolumeExpanded
		if cmp < 0 {
			ch.Kind, ch.Problem = VolumeShrunk, "a volume cannot shrink: Kubernetes only grows claims, and shrinking would cut off data"
		}
		out = append(out, ch)
	}
	if !sameModes(old.AccessModes, want.AccessModes) {
		ch := base
		ch.Kind, ch.Field, ch.From, ch.To = VolumeAccessModes, field+".accessModes", modes(old.AccessModes), modes(want.AccessModes)
		ch.Problem = "the access mode of an existing claim cannot change: the volume was provisioned for the old one"
		out = append(out, ch)
	}
	if o, w := deref(old.StorageClassName), deref(want.StorageClassName); o != w {
		ch := base
		ch.Kind, ch.Field, ch.From, ch.To = VolumeStorageClass, field+".storageClassName", o, w
		ch.Problem = "the storage class of an existing claim cannot change: its volume lives on the old class's storage"
		out = append(out, ch)
	}
	return out
}

// expansionProblem says why claims cannot grow in place, or "" when they
// can: each is bound, and its storage class allows volume expansion.
func (c *Client) expansionProblem(ctx context.Context, claims []corev1.PersistentVolumeClaim) (string, error) {
	classes := map[string]string{}
	for _, pvc := range claims {
		if pvc.Status.Phase != corev1.ClaimBound {
			return fmt.Sprintf("claim %s is %s, not Bound: Kubernetes resizes bound claims only", pvc.Name, pvc.Status.Phase), nil
		}
		class := deref(pvc.Spec.StorageClassName)
		if class == "" {
			return fmt.Sprintf("claim %s has no storage class: only a class with allowVolumeExpansion: true can grow a volume", pvc.Name), nil
		}
		problem, ok := classes[class]
		if !ok {
			sc, err := c.Clientset.StorageV1().StorageClasses().Get(ctx, class, metav1.GetOptions{})
			switch {
			case apierrors.IsNotFound(err):
				problem = fmt.Sprintf("storage class %s of claim %s does not exist", class, pvc.Name)
			case err != nil:
				return "", fmt.Errorf("reading storage class %s: %w", class, err)
			case sc.AllowVolumeExpansion == nil || !*sc.AllowVolumeExpansion:
				problem = fmt.Sprintf("storage class %s (of claim %s) does not allow volume expansion (allowVolumeExpansion is not true)", class, pvc.Name)
			}
			classes[class] = problem
		}
		if problem != "" {
			return problem, nil
		}
	}
	return "", nil
}

// ExpandClaim raises a claim's storage request to size, unless it asks
// for as much already, and reports whether it did. The API server records
// the new request at once; the volume and its file system grow when the
// storage driver's resizer gets to it (status.capacity follows).
func (c *Client) ExpandClaim(ctx context.Context, claim Ref, size string) (bool, error) {
	q, err := resource.ParseQuantity(size)
	if err != nil {
		return false, fmt.Errorf("expanding %s: %w", claim, err)
	}
	claims := c.Clientset.CoreV1().PersistentVolumeClaims(claim.Namespace)
	pvc, err := claims.Get(ctx, claim.Name, metav1.GetOptions{})
	if err != nil {
		return false, fmt.Errorf("reading %s: %w", claim, err)
	}
	if cur := pvc.Spec.Resources.Requests[corev1.ResourceStorage]; cur.Cmp(q) >= 0 {
		return false, nil
	}
	patch := fmt.Appendf(nil, `{"spec":{"resources":{"requests":{"storage":%q}}}}`, q.String())
	if _, err = claims.Patch(ctx, claim.Name, types.MergePatchType, patch, metav1.PatchOptions{FieldManager: FieldManager}); err != nil {
		return false, fmt.Errorf("expanding %s to %s: %w", claim, size, err)
	}
	return true, nil
}

// OrphanStatefulSet deletes a StatefulSet without its pods (propagation
// Orphan, kubectl delete --cascade=orphan) and waits until it is gone, so
// that one with a new volumeClaimTemplates can take its place and adopt
// the pods.
func (c *Client) OrphanStatefulSet(ctx context.Context, r Ref, timeout time.Duration) error {
	sets := c.Clientset.AppsV1().StatefulSets(r.Namespace)
	policy := metav1.DeletePropagationOrphan
	err := sets.Delete(ctx, r.Name, metav1.DeleteOptions{PropagationPolicy: &policy})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("deleting %s (its pods kept): %w", r, err)
	}
	err = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		_, err := sets.Get(ctx, r.Name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return true, nil
		}
		return false, err
	})
	if err != nil {
		return fmt.Errorf("waiting for %s to be deleted (its pods kept): %w", r, err)
	}
	return nil
}

func sameModes(a, b []corev1.PersistentVolumeAccessMode) bool {
	if len(a) != len(b) {
		return false
	}
	for _, m := range a {
		if !slices.Contains(b, m) {
			return false
		}
	}
	return true
}

func modes(ms []corev1.PersistentVolumeAccessMode) string {
	s := ""
	for i, m := range ms {
		if i > 0 {
			s += ","
		}
		s += string(m)
	}
	return s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// ReplacePodsMissingVolumes deletes the pods of a StatefulSet that lack a
// volume of one of its volumeClaimTemplates, one at a time from the lowest
// ordinal, each after the one before came back Ready. The StatefulSet
// controller cannot add a volume to a running pod (it tries, the API server
// refuses, and the controller goes no further), but it creates a missing
// pod with every volume, and the pod's new claims. report is called before
// each deletion with the pod and the volumes it lacks.
func (c *Client) ReplacePodsMissingVolumes(ctx context.Context, r Ref, timeout time.Duration, report func(pod string, missing []string)) error {
	sts, err := c.Clientset.AppsV1().StatefulSets(r.Namespace).Get(ctx, r.Name, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("reading %s: %w", r, err)
	}
	if sts.Spec.Selector == nil {
		return nil
	}
	pods := c.Clientset.CoreV1().Pods(r.Namespace)
	list, err := pods.List(ctx, metav1.ListOptions{LabelSelector: metav1.FormatLabelSelector(sts.Spec.Selector)})
	if err != nil {
		return fmt.Errorf("listing the pods of %s: %w", r, err)
	}
	type stale struct {
		pod     corev1.Pod
		ordinal int
		missing []string
	}
	var todo []stale
	for _, p := range list.Items {
		ord, ok := strings.CutPrefix(p.Name, sts.Name+"-")
		if !ok || !isDigits(ord) {
			continue
		}
		have := map[string]bool{}
		for _, v := range p.Spec.Volumes {
			have[v.Name] = true
		}
		var missing []string
		for _, t := range sts.Spec.VolumeClaimTemplates {
			if !have[t.Name] {
				missing = append(missing, t.Name)
			}
		}
		if len(missing) > 0 {
			n, _ := strconv.Atoi(ord)
			todo = append(todo, stale{pod: p, ordinal: n, missing: missing})
		}
	}
	slices.SortFunc(todo, func(a, b stale) int { return a.ordinal - b.ordinal })
	for _, s := range todo {
		if report != nil {
			report(s.pod.Name, s.missing)
		}
		uid := s.pod.UID
		if err := pods.Delete(ctx, s.pod.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}}); err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
			return fmt.Errorf("replacing pod %s of %s: %w", s.pod.Name, r, err)
		}
		err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
			p, err := pods.Get(ctx, s.pod.Name, metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				return false, nil
			}
			if err != nil {
				return false, err
			}
			return p.UID != uid && p.DeletionTimestamp == nil && podReady(p), nil
		})
		if err != nil {
			return fmt.Errorf("waiting for pod %s of %s to come back with its new volumes: %w", s.pod.Name, r, err)
		}
	}
	return nil
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
