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
func (d *Deployer) begin(ctx context.Context, ns, app, holder string, lockWait time.Duration, deadline time.Time) (*release.Lock, *state, time.Duration, error) {
	start := time.Now()
	lock, err := d.lock(ctx, ns, app, holder, lockWait, deadline)
	if err != nil {
		return nil, nil, 0, err
	}
	waited := time.Since(start)
	ctx, cancel := context.WithDeadline(ctx, deadline.Add(waited))
	defer cancel()
	stuck, err := d.Records.RecoverPending(ctx, app)
	if err != nil {
		d.unlock(ctx, lock)
		return nil, nil, 0, fmt.Errorf("recovering interrupted revisions of %s: %w", app, err)
	}
	for _, rel := range stuck {
		fmt.Fprintf(d.Log, "revision %d was interrupted (berth stopped before it finished); marked failed\n", rel.Version)
	}
	h, err := d.Records.History(ctx, app)
	if err != nil {
		d.unlock(ctx, lock)
		return nil, nil, 0, fmt.Errorf("reading the release history of %s: %w", app, err)
	}
	return lock, readState(h), waited, nil
}

// lock takes the app's lock. While another berth holds it, it fails at
// once naming the holder, or with lockWait waits for it, saying so.
func (d *Deployer) lock(ctx context.Context, ns, app, holder string, lockWait time.Duration, deadline time.Time) (*release.Lock, error) {
	actx, cancel := context.WithDeadline(ctx, deadline)
	lock, err := release.Acquire(actx, d.Client.Clientset, ns, app, holder, LockTTL)
	cancel()
	var locked *release.LockedError
	if lockWait <= 0 || !errors.As(err, &locked) {
		return lock, err
	}
	fmt.Fprintf(d.Log, "waiting up to %s for the deploy lock of %s: %s holds it since %s\n", lockWait, app, locked.Holder, locked.Since.Local().Format(time.TimeOnly))
	wctx, cancel := context.WithTimeout(ctx, lockWait)
	defer cancel()
	return release.WaitAcquire(wctx, d.Client.Clientset, ns, app, holder, LockTTL)
}

func (d *Deployer) unlock(ctx context.Context, lock *release.Lock) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_ = lock.Release(rctx)
}
