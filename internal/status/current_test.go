package status

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// TestCurrent: berth status calls a workload healthy exactly when kstatus
// calls it Current, the state berth deploy waits for.
func TestCurrent(t *testing.T) {
	t.Parallel()
	three := int32(3)
	meta := metav1.ObjectMeta{Name: "web", Namespace: "shop", Generation: 2}
	deployment := func(status appsv1.DeploymentStatus) *appsv1.Deployment {
		return &appsv1.Deployment{ObjectMeta: meta, Spec: appsv1.DeploymentSpec{Replicas: &three}, Status: status}
	}
	conditions := func(progressing string) []appsv1.DeploymentCondition {
		return []appsv1.DeploymentCondition{
			{Type: appsv1.DeploymentAvailable, Status: corev1.ConditionTrue},
			{Type: appsv1.DeploymentProgressing, Status: corev1.ConditionTrue, Reason: progressing},
		}
	}
	rolledOut := appsv1.DeploymentStatus{ObservedGeneration: 2, Replicas: 3, UpdatedReplicas: 3, ReadyReplicas: 3, AvailableReplicas: 3, Conditions: conditions("NewReplicaSetAvailable")}
	rolling := appsv1.DeploymentStatus{ObservedGeneration: 2, Replicas: 4, UpdatedReplicas: 1, ReadyReplicas: 3, AvailableReplicas: 3, Conditions: conditions("ReplicaSetUpdated")}
	stale := rolledOut
	stale.ObservedGeneration = 1
	failed := rolling
	failed.Conditions = []appsv1.DeploymentCondition{{Type: appsv1.DeploymentProgressing, Status: corev1.ConditionFalse, Reason: "ProgressDeadlineExceeded"}}
	statefulSet := func(ready, updated int32) *appsv1.StatefulSet {
		return &appsv1.StatefulSet{ObjectMeta: meta, Spec: appsv1.StatefulSetSpec{Replicas: &three}, Status: appsv1.StatefulSetStatus{
			ObservedGeneration: 2, Replicas: 3, ReadyReplicas: ready, CurrentReplicas: updated, UpdatedReplicas: updated, CurrentRevision: "web-1", UpdateRevision: "web-1"}}
	}
	for _, tc := range []struct {
		name string
		obj  runtime.Object
		kind string
		want bool
	}{
		{"deployment rolled out", deployment(rolledOut), "Deployment", true},
		{"deployment rolling", deployment(rolling), "Deployment", false},
		{"deployment not yet observed", deployment(stale), "Deployment", false},
		{"deployment past its progress deadline", deployment(failed), "Deployment", false},
		{"statefulset ready", statefulSet(3, 3), "StatefulSet", true},
		{"statefulset starting", statefulSet(1, 3), "StatefulSet", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := current(tc.obj, tc.kind)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("current = %v, want %v", got, tc.want)
			}
		})
	}
}
