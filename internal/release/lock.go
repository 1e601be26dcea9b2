package release

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	typedcoordinationv1 "k8s.io/client-go/kubernetes/typed/coordination/v1"
	"k8s.io/utils/ptr"
)

// ErrNotLocked is matched by the error of Begin when the app's lock is not
// held.
var ErrNotLocked = errors.New("the deploy lock is not held")

// LeaseName returns the name of the Lease that is app's deploy lock.
func LeaseName(app string) string { return "berth-lock-" + app }

// acquireAttempts bounds Acquire's loop; it only goes round again when the
// Lease changed under it (released, or taken over by someone else).
const acquireAttempts = 5

// waitInterval is how often WaitAcquire tries again.
const waitInterval = 500 * time.Millisecond

// LockedError is returned by Acquire while another holder's lease has not
// expired.
type LockedError struct {
	App     string
	Holder  string
	Since   time.Time // when the holder acquired the lock
	Expires time.Time // when the lock expires unless renewed
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("another berth deploy of %s is running: %s since %s (lock expires %s unless renewed)",
		e.App, e.Holder, clock(e.Since), clock(e.Expires))
}

// Hint says what the user can do.
func (e *LockedError) Hint() string {
	return fmt.Sprintf("wait until it is done; if that berth was killed, its lock expires at %s and the next deploy takes it over "+
		"(kubectl delete lease %s removes it at once)", clock(e.Expires), LeaseName(e.App))
}

// clock formats t for messages: the time of day, with the date when it is
// not today.
func clock(t time.Time) string {
	t, now := t.Local(), time.Now()
	if t.Year() != now.Year() || t.YearDay() != now.YearDay() {
		return t.Format(time.DateTime)
	}
	return t.Format(time.TimeOnly)
}

// Lock is a held deploy lock; it renews itself until Release.
type Lock struct {
	leases typedcoordinationv1.LeaseInterface
	app    string
	holder string
	ttl    time.Duration

	stop    context.CancelCauseFunc // stops renewing
	unwatch func() bool             // stops watching the context of Acquire
	stopped chan struct{}           // closed when renewing has stopped
	lost    chan struct{}           // closed when the lock is lost

	mu    sync.Mutex
	lease *coordinationv1.Lease // as last written by this holder
	err   error                 // why the lock was lost
}

// Acquire takes the deploy lock of app in namespace for holder, a
// description of who holds it shown to others ("alice@laptop pid 4242
// (berth deploy)"). While another holder's lease has not expired, it
// returns a *LockedError. The lock lasts ttl (whole seconds, at least one)
// and is renewed every ttl/3 until Release, or until ctx is cancelled
// before its deadline. The deadline bounds the acquisition only: a deploy
// acquires within its rollout's deadline and holds the lock past it, while
// it records the outcome.
func Acquire(ctx context.Context, client kubernetes.Interface, namespace, app, holder string, ttl time.Duration) (*Lock, error) {
	if err := validApp(app); err != nil {
		return nil, err
	}
	if holder == "" {
		return nil, errors.New("acquiring the deploy lock: no holder identity")
	}
	secs := max(1, int32(math.Ceil(ttl.Seconds())))
	l := &Lock{
		leases: client.CoordinationV1().Leases(namespace),
		app:    app,
		holder: holder,
		ttl:    time.Duration(secs) * time.Second,
	}
	lease, err := l.acquire(ctx, secs)
	if err != nil {
		return nil, err
	}
	l.lease = lease
	rctx, stop := context.WithCancelCause(context.WithoutCancel(ctx))
	l.stop = stop
	l.unwatch = context.AfterFunc(ctx, func() {
		if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
			stop(context.Cause(ctx))
		}
	})
	l.stopped = make(chan struct{})
	l.lost = make(chan struct{})
	go l.renew(rctx)
	return l, nil
}

func (l *Lock) acquire(ctx context.Context, secs int32) (*coordinationv1.Lease, error) {
	name := LeaseName(l.app)
	for range acquireAttempts {
		now := metav1.NowMicro()
		spec := coordinationv1.LeaseSpec{
			HolderIdentity:       ptr.To(l.holder),
			LeaseDurationSeconds: ptr.To(secs),
			AcquireTime:          &now,
			RenewTime:            &now,
		}
		lease, err := l.leases.Create(ctx, &coordinationv1.Lease{
			ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{LabelManagedBy: "berth"}},
			Spec:       spec,
		}, metav1.CreateOptions{})
		if err == nil {
			return lease, nil
		}
		if !apierrors.IsAlreadyExists(err) {
			return nil, fmt.Errorf("acquiring the deploy lock of %s: %w", l.app, err)
		}
		cur, err := l.leases.Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			continue // released meanwhile
		}
		if err != nil {
			return nil, fmt.Errorf("acquiring the deploy lock of %s: %w", l.app, err)
		}
		if held(cur, now.Time) {
			return nil, lockedError(l.app, cur)
		}
		// Expired: take it over. cur carries the resourceVersion read, so of
		// several takers only the first update succeeds.
		cur = cur.DeepCopy()
		spec.LeaseTransitions = ptr.To(ptr.Deref(cur.Spec.LeaseTransitions, 0) + 1)
		cur.Spec = spec
		lease, err = l.leases.Update(ctx, cur, metav1.UpdateOptions{})
		if err == nil {
			return lease, nil
		}
		if !apierrors.IsConflict(err) && !apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("taking over the expired deploy lock of %s: %w", l.app, err)
		}
		// Someone else took it or released it: look again.
	}
	return nil, fmt.Errorf("acquiring the deploy lock of %s: the lease kept changing, %d attempts", l.app, acquireAttempts)
}

// WaitAcquire is Acquire, trying again while the lock is held by another
// until ctx is done. Then its error matches both the last *LockedError and
// ctx's error.
func WaitAcquire(ctx context.Context, client kubernetes.Interface, namespace, app, holder string, ttl time.Duration) (*Lock, error) {
	start := time.Now()
	t := time.NewTicker(waitInterval)
	defer t.Stop()
	var last *LockedError
	gaveUp := func() error {
		return fmt.Errorf("%w; gave up waiting after %s: %w", last, time.Since(start).Round(time.Second), context.Cause(ctx))
	}
	for {
		l, err := Acquire(ctx, client, namespace, app, holder, ttl)
		var locked *LockedError
		switch {
		case errors.As(err, &locked):
			last = locked
		case err != nil && last != nil && pastDeadline(ctx):
			// The deadline came during a try (client-go's rate limiter says so
			// before ctx is done): report the lock, not the interrupted try.
			<-ctx.Done()
			return nil, gaveUp()
		default:
			return l, err
		}
		select {
		case <-ctx.Done():
			return nil, gaveUp()
		case <-t.C:
		}
	}
}

func pastDeadline(ctx context.Context) bool {
	d, ok := ctx.Deadline()
	return ctx.Err() != nil || ok && !time.Now().Before(d)
}

// held reports whether lease has a holder and has not expired at now.
func held(lease *coordinationv1.Lease, now time.Time) bool {
	return ptr.Deref(lease.Spec.HolderIdentity, "") != "" && expires(lease).After(now)
}

// expires returns when lease expires unless renewed.
func expires(lease *coordinationv1.Lease) time.Time {
	last := lease.Spec.RenewTime
	if last == nil {
		last = lease.Spec.AcquireTime
	}
	if last == nil {
		return time.Time{}
	}
	return last.Add(time.Duration(ptr.Deref(lease.Spec.LeaseDurationSeconds, 0)) * time.Second)
}

func lockedError(app string, lease *coordinationv1.Lease) *LockedError {
	e := &LockedError{App: app, Holder: ptr.Deref(lease.Spec.HolderIdentity, ""), Expires: expires(lease)}
	if lease.Spec.AcquireTime != nil {
		e.Since = lease.Spec.AcquireTime.Time
	}
	return e
}

// Lost returns a channel closed when the lock is lost: taken over by
// another holder, deleted, not renewed for a whole ttl, or no longer renewed
// because the context given to Acquire was cancelled. It stays open after
// Release.
func (l *Lock) Lost() <-chan struct{} { return l.lost }

// Err returns why the lock was lost, or nil while it is held.
func (l *Lock) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

// Check returns why the lock was lost, or nil while it is held. When the
// lock was last renewed ttl/2 ago or more (its holder was stopped, say, or
// the API server slow), Check renews it first: a lease that expired
// meanwhile and was taken over is lost, and Lost closes.
func (l *Lock) Check(ctx context.Context) error {
	if err := l.Err(); err != nil {
		return err
	}
	if time.Since(l.current().Spec.RenewTime.Time) < l.ttl/2 {
		return nil
	}
	if err := l.renewOnce(ctx); err != nil {
		var gone *lostError
		if errors.As(err, &gone) || time.Since(l.current().Spec.RenewTime.Time) >= l.ttl {
			l.lose(err)
			return l.Err()
		}
		// The API server did not answer; the lease is still ours until it
		// expires.
	}
	return nil
}

func (l *Lock) renew(ctx context.Context) {
	defer close(l.stopped)
	t := time.NewTicker(l.ttl / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			// Release stops renewing by cancelling ctx: that is no loss.
			if !errors.Is(context.Cause(ctx), errReleased) {
				l.lose(fmt.Errorf("deploy lock of %s no longer renewed: %w", l.app, context.Cause(ctx)))
			}
			return
		case <-t.C:
		}
		// A renewal that hangs must not outlive the lease it renews.
		tctx, cancel := context.WithTimeout(ctx, l.ttl/3)
		err := l.renewOnce(tctx)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				continue // the select above says why
			}
			var gone *lostError
			if errors.As(err, &gone) || time.Since(l.current().Spec.RenewTime.Time) >= l.ttl {
				l.lose(err)
				return
			}
			// Otherwise (the API server did not answer, say) try again at the
			// next tick: the lease is still ours until it expires.
		}
	}
}

// errReleased is the cause of the renewing context's cancellation by
// Release.
var errReleased = errors.New("released")

// lostError says the lease is not this holder's any more.
type lostError struct{ msg string }

func (e *lostError) Error() string { return e.msg }

func (l *Lock) current() *coordinationv1.Lease {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lease
}

func (l *Lock) lose(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err == nil {
		l.err = err
		close(l.lost)
	}
}

// renewOnce writes a new renew time, conditional on the resourceVersion
// this holder last wrote; after a conflict it looks whether the lease is
// still its own.
func (l *Lock) renewOnce(ctx context.Context) error {
	lease := l.current().DeepCopy()
	for range 2 {
		now := metav1.NowMicro()
		lease.Spec.RenewTime = &now
		updated, err := l.leases.Update(ctx, lease, metav1.UpdateOptions{})
		if err == nil {
			l.mu.Lock()
			l.lease = updated
			l.mu.Unlock()
			return nil
		}
		if apierrors.IsNotFound(err) {
			return &lostError{fmt.Sprintf("deploy lock of %s lost: its lease was deleted", l.app)}
		}
		if !apierrors.IsConflict(err) {
			return fmt.Errorf("renewing the deploy lock of %s: %w", l.app, err)
		}
		cur, err := l.leases.Get(ctx, lease.Name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return &lostError{fmt.Sprintf("deploy lock of %s lost: its lease was deleted", l.app)}
		}
		if err != nil {
			return fmt.Errorf("renewing the deploy lock of %s: %w", l.app, err)
		}
		if !l.owns(cur) {
			return &lostError{fmt.Sprintf("deploy lock of %s lost: taken over by %s", l.app, ptr.Deref(cur.Spec.HolderIdentity, "nobody"))}
		}
		lease = cur.DeepCopy()
	}
	return fmt.Errorf("renewing the deploy lock of %s: the lease kept changing", l.app)
}

// owns reports whether lease is still the one this holder acquired: same
// holder identity and acquire time (two processes may share an identity).
func (l *Lock) owns(lease *coordinationv1.Lease) bool {
	mine := l.current()
	if ptr.Deref(lease.Spec.HolderIdentity, "") != l.holder || lease.Spec.AcquireTime == nil || mine.Spec.AcquireTime == nil {
		return false
	}
	return lease.Spec.AcquireTime.Equal(mine.Spec.AcquireTime)
}

// Release stops renewing the lock and deletes its Lease, unless it is not
// this holder's any more (then it returns an error saying who has it). It
// works after the context given to Acquire is done; pass one that is not
// (context.WithoutCancel). Releasing twice is harmless.
func (l *Lock) Release(ctx context.Context) error {
	l.unwatch()
	l.stop(errReleased)
	<-l.stopped
	name := LeaseName(l.app)
	cur, err := l.leases.Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("releasing the deploy lock of %s: %w", l.app, err)
	}
	if !l.owns(cur) {
		if ptr.Deref(cur.Spec.HolderIdentity, "") == "" {
			return nil
		}
		return fmt.Errorf("releasing the deploy lock of %s: it is held by %s now", l.app, ptr.Deref(cur.Spec.HolderIdentity, ""))
	}
	err = l.leases.Delete(ctx, name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{
		UID:             &cur.UID,
		ResourceVersion: &cur.ResourceVersion,
	}})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("releasing the deploy lock of %s: %w", l.app, err)
	}
	return nil
}

// checkLocked returns an error matching ErrNotLocked unless the deploy lock
// of app is held (by anyone: see the package documentation).
func (s *Store) checkLocked(ctx context.Context, app string) error {
	if s.client == nil {
		return nil // a driver of its own: see NewStoreDriver
	}
	lease, err := s.client.CoordinationV1().Leases(s.namespace).Get(ctx, LeaseName(app), metav1.GetOptions{})
	if apierrors.IsNotFound(err) || (err == nil && !held(lease, time.Now())) {
		return fmt.Errorf("recording a revision of %s: %w (acquire it first: release.Acquire)", app, ErrNotLocked)
	}
	if err != nil {
		return fmt.Errorf("checking the deploy lock of %s: %w", app, err)
	}
	return nil
}
