package deploy

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/berth-dev/berth/internal/release"
)

// LockTTL is how long a deploy lock lasts unless renewed; a killed berth
// blocks the next deploy of its app for at most this long.
const LockTTL = 30 * time.Second

// begin takes the app's lock (waiting up to lockWait while another berth
// holds it), marks revisions a killed berth left pending as failed, and
// reads the history, all before deadline (moved on by the time waited for
// the lock, which it returns).
func (d *Deployer) begin(ctx context.Context, ns, app, holder string, lockWait time.Duration, deadline time.Time) (Lease, *state, time.Duration, error) {
	start := time.Now()
	lease, err := d.lock(ctx, ns, app, holder, lockWait, deadline)
	if err != nil {
		return nil, nil, 0, err
	}
	waited := time.Since(start)
	ctx, cancel := context.WithDeadline(ctx, deadline.Add(waited))
	defer cancel()
	stuck, err := d.Records.RecoverPending(ctx, app)
	if err != nil {
		d.unlock(ctx, lease)
		return nil, nil, 0, fmt.Errorf("recovering interrupted revisions of %s: %w", app, err)
	}
	for _, rel := range stuck {
		fmt.Fprintf(d.Log, "revision %d was interrupted (berth stopped before it finished); marked failed\n", rel.Version)
	}
	h, err := d.Records.History(ctx, app)
	if err != nil {
		d.unlock(ctx, lease)
		return nil, nil, 0, fmt.Errorf("reading the release history of %s: %w", app, err)
	}
	return lease, readState(h), waited, nil
}

// lock takes the app's lock. While another berth holds it, it fails at
// once naming the holder, or with lockWait waits for it, saying so. The
// lock is renewed until unlock, past deadline (which bounds the taking
// only), until ctx is cancelled.
func (d *Deployer) lock(ctx context.Context, ns, app, holder string, lockWait time.Duration, deadline time.Time) (Lease, error) {
	if d.Locker == nil {
		return nil, errors.New("taking the deploy lock: the Deployer has no Locker")
	}
	// Not cancelled before the lease is released: the lease renews itself
	// until its context is cancelled.
	actx, cancel := context.WithDeadline(ctx, deadline)
	lease, err := d.Locker.Lock(actx, ns, app, holder, LockTTL)
	var locked *release.LockedError
	if lockWait > 0 && errors.As(err, &locked) {
		cancel()
		fmt.Fprintf(d.Log, "waiting up to %s for the deploy lock of %s: %s holds it since %s\n", lockWait, app, locked.Holder, locked.Since.Local().Format(time.TimeOnly))
		actx, cancel = context.WithTimeout(ctx, lockWait)
		lease, err = d.Locker.WaitLock(actx, ns, app, holder, LockTTL)
	}
	if err != nil {
		cancel()
		return nil, err
	}
	return &heldLease{Lease: lease, cancel: cancel}, nil
}

// heldLease is a Lease and the cancellation of the context it was taken
// with, which Release calls.
type heldLease struct {
	Lease
	cancel context.CancelFunc
}

func (l *heldLease) Release(ctx context.Context) error {
	defer l.cancel()
	return l.Lease.Release(ctx)
}

func (d *Deployer) unlock(ctx context.Context, lease Lease) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_ = lease.Release(rctx)
}

// errLeaseLost is the cause of a rollout context's cancellation by
// watchLease.
var errLeaseLost = errors.New("the deploy lock was lost")

// watchLease returns a context that is cancelled, with cause errLeaseLost,
// when lease is lost: a rollout's requests stop at once, the next write
// included.
func watchLease(ctx context.Context, lease Lease) (context.Context, context.CancelFunc) {
	lctx, cancel := context.WithCancelCause(ctx)
	go func() {
		select {
		case <-lease.Lost():
			cancel(errLeaseLost)
		case <-lctx.Done():
		}
	}()
	return lctx, func() { cancel(nil) }
}

// leaseCheckTimeout bounds the request with which Lease.Check may confirm
// the lease.
const leaseCheckTimeout = 5 * time.Second

// leaseError returns why lease was lost, or nil while it is held. Once ctx
// (the caller's) is done it returns nil: an interruption also stops the
// renewal, and is reported as what it is.
func leaseError(ctx context.Context, lease Lease) error {
	if ctx.Err() != nil {
		return nil
	}
	cctx, cancel := context.WithTimeout(ctx, leaseCheckTimeout)
	defer cancel()
	return lease.Check(cctx)
}

// lostLease returns why lease was lost, or nil while it is held, without
// asking the API server.
func lostLease(ctx context.Context, lease Lease) error {
	select {
	case <-lease.Lost():
		if err := lease.Check(context.WithoutCancel(ctx)); err != nil {
			return err
		}
		return errLeaseLost
	default:
		return nil
	}
}
