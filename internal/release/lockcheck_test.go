package release

import (
	"errors"
	"strconv"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/utils/ptr"
)

// TestCheckStaleLease runs Check on a lock whose holder was stopped for a
// minute (its last renewal is that old), with client-go's fake clientset:
// a lease taken over meanwhile is lost at once, before any renewal tick;
// one nobody took is renewed and still held.
func TestCheckStaleLease(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		takeOver bool
		want     string
	}{
		{"taken over", true, "deploy lock of shop lost: taken over by intruder"},
		{"not taken", false, "<nil>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			cs := leaseClientset()
			l, err := Acquire(ctx, cs, "ns", "shop", "me", 30*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer l.Release(ctx)
			l.mu.Lock()
			l.lease.Spec.RenewTime = &metav1.MicroTime{Time: time.Now().Add(-time.Minute)}
			l.mu.Unlock()
			if tc.takeOver {
				leases := cs.CoordinationV1().Leases("ns")
				cur, err := leases.Get(ctx, LeaseName("shop"), metav1.GetOptions{})
				if err != nil {
					t.Fatal(err)
				}
				now := metav1.NowMicro()
				cur.Spec.HolderIdentity, cur.Spec.AcquireTime, cur.Spec.RenewTime = ptr.To("intruder"), &now, &now
				if _, err := leases.Update(ctx, cur, metav1.UpdateOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			if got := errString(l.Check(ctx)); got != tc.want {
				t.Errorf("Check: %s, want %s", got, tc.want)
			}
			select {
			case <-l.Lost():
				if !tc.takeOver {
					t.Error("Lost closed")
				}
			default:
				if tc.takeOver {
					t.Error("Lost not closed")
				}
			}
		})
	}
}

// leaseClientset is client-go's fake clientset whose Lease updates are
// conditional on the resourceVersion, as the API server's are (the fake's
// tracker does not compare them).
func leaseClientset() *fake.Clientset {
	cs := fake.NewClientset()
	gvr := coordinationv1.SchemeGroupVersion.WithResource("leases")
	cs.PrependReactor("update", "leases", func(a k8stesting.Action) (bool, runtime.Object, error) {
		lease := a.(k8stesting.UpdateAction).GetObject().(*coordinationv1.Lease).DeepCopy()
		obj, err := cs.Tracker().Get(gvr, lease.Namespace, lease.Name)
		if err != nil {
			return true, nil, err
		}
		cur := obj.(*coordinationv1.Lease)
		if lease.ResourceVersion != cur.ResourceVersion {
			return true, nil, apierrors.NewConflict(gvr.GroupResource(), lease.Name, errors.New("the object has been modified"))
		}
		rv, _ := strconv.Atoi(cur.ResourceVersion)
		lease.ResourceVersion = strconv.Itoa(rv + 1)
		return true, lease, cs.Tracker().Update(gvr, lease, lease.Namespace)
	})
	return cs
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}
