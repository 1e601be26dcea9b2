package kube_test

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/internal/kube"
)

// TestScaleThenApply: berth's scale goes through the scale subresource and
// leaves no ownership behind, so an apply can set any count afterwards
// without a conflict with berth itself.
func TestScaleThenApply(t *testing.T) {
	t.Parallel()
	kc, ns := setup(t)
	ctx := t.Context()
	objs := renderYAML(t, ns, strings.Replace(webApp, "%s", "one", 1))
	if _, err := kc.Apply(ctx, objs, kube.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	web := kube.Ref{Group: "apps", Version: "v1", Kind: "Deployment", Namespace: ns, Name: "web"}
	before, err := kc.Scale(ctx, web, 5)
	if err != nil {
		t.Fatal(err)
	}
	if before != 2 {
		t.Errorf("replicas before the scale %d, want 2", before)
	}
	d, err := kc.Clientset.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if *d.Spec.Replicas != 5 {
		t.Errorf("replicas after scale %d, want 5", *d.Spec.Replicas)
	}
	for _, e := range d.ManagedFields {
		if e.Subresource == "scale" {
			t.Errorf("scale left a managed-fields entry: %s %s", e.Manager, e.Operation)
		}
		if e.Manager != kube.FieldManager && e.Subresource != "status" {
			t.Errorf("unexpected field manager %q (%s): the user agent should name berth's writes", e.Manager, e.Operation)
		}
	}
	// berth.yaml's 2 again: no conflict, no force.
	if _, err := kc.Apply(ctx, objs, kube.ApplyOptions{}); err != nil {
		t.Fatalf("apply after berth scale: %v", err)
	}
	d, err = kc.Clientset.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
	if err != nil || *d.Spec.Replicas != 2 {
		t.Fatalf("replicas after apply %v %v, want 2", d.Spec.Replicas, err)
	}
	// Scaling to the current count changes nothing.
	if before, err := kc.Scale(ctx, web, 2); err != nil || before != 2 {
		t.Errorf("no-op scale: %d %v", before, err)
	}
}
