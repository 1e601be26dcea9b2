package kube

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// TestOtherManagers: an object missing from berth's listing counts as
// pre-existing when another manager wrote to it — before berth's apply
// when the apply was sent again (a lost answer), at all otherwise.
func TestOtherManagers(t *testing.T) {
	t.Parallel()
	t0 := metav1.NewTime(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
	t1 := metav1.NewTime(t0.Add(2 * time.Second))
	berth := metav1.ManagedFieldsEntry{Manager: FieldManager, Operation: metav1.ManagedFieldsOperationApply, Time: &t1}
	tests := []struct {
		name    string
		entries []metav1.ManagedFieldsEntry
		resent  bool
		want    bool
	}{
		{"only berth", []metav1.ManagedFieldsEntry{berth}, false, false},
		{"kubectl created it", []metav1.ManagedFieldsEntry{{Manager: "kubectl-create", Operation: metav1.ManagedFieldsOperationUpdate, Time: &t0}, berth}, false, true},
		{"kubectl created it, resent", []metav1.ManagedFieldsEntry{{Manager: "kubectl-create", Operation: metav1.ManagedFieldsOperationUpdate, Time: &t0}, berth}, true, true},
		{"controller wrote after berth, resent", []metav1.ManagedFieldsEntry{berth, {Manager: "kube-controller-manager", Operation: metav1.ManagedFieldsOperationUpdate, Time: &t1}}, true, false},
		{"status only, resent", []metav1.ManagedFieldsEntry{berth, {Manager: "kube-controller-manager", Operation: metav1.ManagedFieldsOperationUpdate, Subresource: "status", Time: &t0}}, true, false},
		{"controller after berth, first answer", []metav1.ManagedFieldsEntry{berth, {Manager: "kube-controller-manager", Operation: metav1.ManagedFieldsOperationUpdate, Time: &t1}}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := &unstructured.Unstructured{Object: map[string]any{}}
			u.SetManagedFields(tt.entries)
			if got := otherManagers(u, tt.resent); got != tt.want {
				t.Errorf("otherManagers(resent=%v) = %v, want %v", tt.resent, got, tt.want)
			}
		})
	}
}
