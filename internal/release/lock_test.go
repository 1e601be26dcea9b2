package release_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/berth-dev/berth/internal/release"
)

func TestLockedErrorMessage(t *testing.T) {
	t.Parallel()
	today := time.Now()
	at := func(h, m, s int) time.Time {
		return time.Date(today.Year(), today.Month(), today.Day(), h, m, s, 0, time.Local)
	}
	tests := []struct {
		name string
		err  *release.LockedError
		want string
	}{
		{
			name: "today",
			err:  &release.LockedError{App: "web", Holder: "alice@laptop pid 4242 (berth deploy)", Since: at(12, 0, 1), Expires: at(12, 0, 31)},
			want: "another berth deploy of web is running: alice@laptop pid 4242 (berth deploy) since 12:00:01 (lock expires 12:00:31 unless renewed)",
		},
		{
			name: "another day",
			err:  &release.LockedError{App: "api", Holder: "ci", Since: time.Date(2024, 2, 29, 23, 59, 59, 0, time.Local), Expires: at(0, 0, 29)},
			want: "another berth deploy of api is running: ci since 2024-02-29 23:59:59 (lock expires 00:00:29 unless renewed)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.err.Error()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if !strings.Contains(tt.err.Hint(), "kubectl delete lease berth-lock-"+tt.err.App) {
				t.Errorf("hint %q", tt.err.Hint())
			}
		})
	}
}

func acquire(t *testing.T, cs kubernetes.Interface, ns, app, holder string, ttl time.Duration) *release.Lock {
	t.Helper()
	l, err := release.Acquire(t.Context(), cs, ns, app, holder, ttl)
	if err != nil {
		t.Fatalf("%s: %v", holder, err)
	}
	return l
}

func wantLocked(t *testing.T, err error, holder string) *release.LockedError {
	t.Helper()
	var locked *release.LockedError
	if !errors.As(err, &locked) {
		t.Fatalf("got %v, want a LockedError", err)
	}
	if locked.Holder != holder {
		t.Errorf("LockedError names %q, want %q", locked.Holder, holder)
	}
	if !strings.Contains(err.Error(), holder) {
		t.Errorf("message %q does not name %q", err, holder)
	}
	return locked
}

// TestLockExclusive checks that a held lock refuses a second holder, and
// that releasing it lets the second in.
func TestLockExclusive(t *testing.T) {
	t.Parallel()
	cs, ns, _ := setup(t)
	ctx := t.Context()
	before := time.Now().Truncate(time.Second)
	a := acquire(t, cs, ns, "web", "alice@laptop pid 1 (berth deploy)", 30*time.Second)
	_, err := release.Acquire(ctx, cs, ns, "web", "bob@ci pid 2 (berth deploy)", 30*time.Second)
	locked := wantLocked(t, err, "alice@laptop pid 1 (berth deploy)")
	if locked.App != "web" || locked.Since.Before(before) || locked.Expires.Sub(locked.Since) < 29*time.Second {
		t.Errorf("LockedError %+v", locked)
	}

	// Another app's lock is independent.
	other := acquire(t, cs, ns, "api", "bob@ci pid 2 (berth deploy)", 30*time.Second)

	lease, err := cs.CoordinationV1().Leases(ns).Get(ctx, "berth-lock-web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := ptr.Deref(lease.Spec.HolderIdentity, ""); got != "alice@laptop pid 1 (berth deploy)" {
		t.Errorf("lease holder %q", got)
	}
	if ptr.Deref(lease.Spec.LeaseDurationSeconds, 0) != 30 || lease.Spec.AcquireTime == nil || lease.Spec.RenewTime == nil {
		t.Errorf("lease spec %+v", lease.Spec)
	}

	if err := a.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if err := a.Release(ctx); err != nil {
		t.Errorf("second Release: %v", err)
	}
	if a.Err() != nil {
		t.Errorf("Err after Release: %v", a.Err())
	}
	if _, err := cs.CoordinationV1().Leases(ns).Get(ctx, "berth-lock-web", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("lease after Release: %v, want NotFound", err)
	}
	b := acquire(t, cs, ns, "web", "bob@ci pid 2 (berth deploy)", 30*time.Second)
	for _, l := range []*release.Lock{b, other} {
		if err := l.Release(ctx); err != nil {
			t.Error(err)
		}
	}
}

// TestLockRenews checks that a lock outlives its ttl while its holder
// runs.
func TestLockRenews(t *testing.T) {
	t.Parallel()
	cs, ns, _ := setup(t)
	ctx := t.Context()
	a := acquire(t, cs, ns, "web", "a", time.Second)
	time.Sleep(2500 * time.Millisecond)
	_, err := release.Acquire(ctx, cs, ns, "web", "b", time.Second)
	wantLocked(t, err, "a")
	if a.Err() != nil {
		t.Errorf("Err while held: %v", a.Err())
	}
	select {
	case <-a.Lost():
		t.Error("Lost closed while held")
	default:
	}
	if err := a.Release(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestLockOutlivesAcquireDeadline checks that the deadline of the context
// given to Acquire bounds the acquisition only: the lock is renewed past
// it, as a deploy holds its lock past its rollout's deadline while it
// records the outcome.
func TestLockOutlivesAcquireDeadline(t *testing.T) {
	t.Parallel()
	cs, ns, _ := setup(t)
	ctx := t.Context()
	actx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	a, err := release.Acquire(actx, cs, ns, "web", "a", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(2500 * time.Millisecond)
	_, err = release.Acquire(ctx, cs, ns, "web", "b", time.Second)
	wantLocked(t, err, "a")
	select {
	case <-a.Lost():
		t.Errorf("Lost closed after the deadline: %v", a.Err())
	default:
	}
	if err := a.Check(ctx); err != nil {
		t.Errorf("Check: %v", err)
	}
	if err := a.Release(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestLockCheck checks that Check says the lock is held, and why it was
// lost once it is.
func TestLockCheck(t *testing.T) {
	t.Parallel()
	cs, ns, _ := setup(t)
	ctx := t.Context()
	a := acquire(t, cs, ns, "web", "a", time.Second)
	if err := a.Check(ctx); err != nil {
		t.Fatalf("Check while held: %v", err)
	}
	leases := cs.CoordinationV1().Leases(ns)
	lease, err := leases.Get(ctx, release.LeaseName("web"), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	lease.Spec.HolderIdentity = ptr.To("intruder")
	if _, err := leases.Update(ctx, lease, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	// Within half the ttl, Check renews (or the renewal has noticed).
	time.Sleep(600 * time.Millisecond)
	if err := a.Check(ctx); err == nil || err.Error() != "deploy lock of web lost: taken over by intruder" {
		t.Errorf("Check after a takeover: %v", err)
	}
	select {
	case <-a.Lost():
	default:
		t.Error("Lost not closed after Check found the lock lost")
	}
}

// TestLockExpiredTakeover checks that the lease of a holder that stopped
// renewing (a killed berth) is taken over once it expires, and that the old
// holder then neither keeps nor deletes it.
func TestLockExpiredTakeover(t *testing.T) {
	t.Parallel()
	cs, ns, _ := setup(t)
	ctx := t.Context()
	actx, kill := context.WithCancel(ctx)
	a, err := release.Acquire(actx, cs, ns, "web", "a", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	kill() // a stops renewing, as if killed
	select {
	case <-a.Lost():
	case <-time.After(5 * time.Second):
		t.Fatal("Lost not closed after the context was cancelled")
	}
	if a.Err() == nil || !strings.Contains(a.Err().Error(), "no longer renewed") {
		t.Errorf("Err = %v", a.Err())
	}

	_, err = release.Acquire(ctx, cs, ns, "web", "b", time.Second)
	locked := wantLocked(t, err, "a") // not expired yet
	time.Sleep(time.Until(locked.Expires) + 100*time.Millisecond)

	b := acquire(t, cs, ns, "web", "b", 30*time.Second)
	lease, err := cs.CoordinationV1().Leases(ns).Get(ctx, "berth-lock-web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ptr.Deref(lease.Spec.HolderIdentity, "") != "b" || ptr.Deref(lease.Spec.LeaseTransitions, 0) != 1 || ptr.Deref(lease.Spec.LeaseDurationSeconds, 0) != 30 {
		t.Errorf("lease after takeover: %+v", lease.Spec)
	}
	if err := a.Release(ctx); err == nil || !strings.Contains(err.Error(), "held by b") {
		t.Errorf("Release by the old holder: %v, want an error naming b", err)
	}
	if _, err := release.Acquire(ctx, cs, ns, "web", "c", time.Second); err == nil {
		t.Fatal("the old holder's Release deleted the new holder's lease")
	}
	if err := b.Release(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestLockLost checks that a holder learns that its lease was taken from
// it.
func TestLockLost(t *testing.T) {
	t.Parallel()
	cs, ns, _ := setup(t)
	tests := []struct {
		name string
		take func(ctx context.Context, leases leaseClient, lease *coordinationv1.Lease) error
		want string
	}{
		{"taken over", func(ctx context.Context, leases leaseClient, lease *coordinationv1.Lease) error {
			lease.Spec.HolderIdentity = ptr.To("intruder")
			_, err := leases.Update(ctx, lease, metav1.UpdateOptions{})
			return err
		}, "deploy lock of APP lost: taken over by intruder"},
		{"deleted", func(ctx context.Context, leases leaseClient, lease *coordinationv1.Lease) error {
			return leases.Delete(ctx, lease.Name, metav1.DeleteOptions{})
		}, "deploy lock of APP lost: its lease was deleted"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			app := fmt.Sprintf("app%d", i)
			l := acquire(t, cs, ns, app, "me", time.Second)
			leases := cs.CoordinationV1().Leases(ns)
			lease, err := leases.Get(ctx, release.LeaseName(app), metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if err := tt.take(ctx, leases, lease); err != nil {
				t.Fatal(err)
			}
			select {
			case <-l.Lost():
			case <-time.After(3 * time.Second):
				t.Fatal("Lost not closed")
			}
			if diff := cmp.Diff(strings.ReplaceAll(tt.want, "APP", app), fmt.Sprint(l.Err())); diff != "" {
				t.Errorf("Err (-want +got):\n%s", diff)
			}
		})
	}
}

type leaseClient interface {
	Update(ctx context.Context, lease *coordinationv1.Lease, opts metav1.UpdateOptions) (*coordinationv1.Lease, error)
	Delete(ctx context.Context, name string, opts metav1.DeleteOptions) error
}

// TestLockRace runs takers concurrently, on a free lock and on an expired
// one: exactly one wins, and every other is told who did.
func TestLockRace(t *testing.T) {
	t.Parallel()
	cs, ns, _ := setup(t)
	const takers = 12
	tests := []struct {
		name  string
		setup func(t *testing.T, app string)
	}{
		{"free", func(*testing.T, string) {}},
		{"expired", func(t *testing.T, app string) {
			past := metav1.NewMicroTime(time.Now().Add(-time.Minute))
			_, err := cs.CoordinationV1().Leases(ns).Create(t.Context(), &coordinationv1.Lease{
				ObjectMeta: metav1.ObjectMeta{Name: release.LeaseName(app)},
				Spec: coordinationv1.LeaseSpec{
					HolderIdentity: ptr.To("killed"), LeaseDurationSeconds: ptr.To[int32](30),
					AcquireTime: &past, RenewTime: &past,
				},
			}, metav1.CreateOptions{})
			if err != nil {
				t.Fatal(err)
			}
		}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			app := fmt.Sprintf("race%d", i)
			tt.setup(t, app)
			var (
				wg    sync.WaitGroup
				start = make(chan struct{})
				locks = make([]*release.Lock, takers)
				errs  = make([]error, takers)
			)
			for i := range takers {
				wg.Go(func() {
					<-start
					locks[i], errs[i] = release.Acquire(ctx, cs, ns, app, fmt.Sprintf("taker %d", i), 30*time.Second)
				})
			}
			close(start)
			wg.Wait()
			winner := -1
			for i, l := range locks {
				if l != nil {
					if winner >= 0 {
						t.Fatalf("takers %d and %d both won", winner, i)
					}
					winner = i
				}
			}
			if winner < 0 {
				t.Fatalf("nobody won: %v", errs)
			}
			for i, err := range errs {
				if i != winner {
					wantLocked(t, err, fmt.Sprintf("taker %d", winner))
				}
			}
			if err := locks[winner].Release(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestWaitAcquire checks that WaitAcquire gets the lock once its holder
// releases it, and gives up with both reasons when ctx ends first.
func TestWaitAcquire(t *testing.T) {
	t.Parallel()
	cs, ns, _ := setup(t)
	ctx := t.Context()
	a := acquire(t, cs, ns, "web", "a", 30*time.Second)

	short, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	_, err := release.WaitAcquire(short, cs, ns, "web", "b", 30*time.Second)
	wantLocked(t, err, "a")
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "gave up waiting after 1s") {
		t.Errorf("WaitAcquire past its deadline: %v", err)
	}

	go func() {
		time.Sleep(time.Second)
		_ = a.Release(ctx)
	}()
	t0 := time.Now()
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	b, err := release.WaitAcquire(wctx, cs, ns, "web", "b", 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(t0); waited > 3*time.Second {
		t.Errorf("waited %s for a lock released after 1s", waited)
	}
	if err := b.Release(ctx); err != nil {
		t.Fatal(err)
	}
}
