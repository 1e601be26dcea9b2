package kube

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	utilnet "k8s.io/apimachinery/pkg/util/net"
)

// RetryFor is how long berth keeps retrying a request to an API server
// that stopped answering (restarted, failed over) after it had answered
// this command, unless the request's context ends first.
const RetryFor = 30 * time.Second

// retryTransport retries requests that never reached the API server: the
// connection was refused or could not be made. That is safe for every
// method, since the server saw nothing. It only does so once the server
// has answered this process: a wrong address still fails at once.
type retryTransport struct {
	next http.RoundTripper
	// answered is set by the first response from the server (shared by
	// the transports of one Client).
	answered *atomic.Bool
	// down is the error of the last request that could not reach the
	// server, until one reaches it again (shared like answered).
	down *atomic.Pointer[error]
	// retryFor bounds the retries of one request.
	retryFor time.Duration
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	for attempt := 0; ; attempt++ {
		resp, err := t.next.RoundTrip(req)
		if err == nil {
			t.answered.Store(true)
			t.down.Store(nil)
			return resp, nil
		}
		if notSent(err) {
			t.down.Store(&err)
		}
		if down := t.down.Load(); down != nil && req.Context().Err() != nil && t.answered.Load() {
			// The request's time ran out while the server was not
			// answering: that is why, not the deadline.
			return nil, &UnreachableError{Host: req.URL.Host, For: time.Since(start).Round(time.Second), Err: fmt.Errorf("%w (then %w)", *down, err)}
		}
		if !t.answered.Load() || !notSent(err) || (req.Body != nil && req.GetBody == nil) {
			return nil, err
		}
		wait, ok := nextWait(start, attempt, t.retryFor)
		if !ok {
			return nil, &UnreachableError{Host: req.URL.Host, For: time.Since(start).Round(time.Second), Err: err}
		}
		select {
		case <-req.Context().Done():
			return nil, &UnreachableError{Host: req.URL.Host, For: time.Since(start).Round(time.Second), Err: fmt.Errorf("%w (then %w)", err, req.Context().Err())}
		case <-time.After(wait):
		}
		if req.GetBody != nil {
			body, gerr := req.GetBody()
			if gerr != nil {
				return nil, err
			}
			req = req.Clone(req.Context())
			req.Body = body
		}
	}
}

// UnreachableError is an API server that stopped answering and did not
// come back within RetryFor.
type UnreachableError struct {
	Host string
	For  time.Duration
	Err  error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("the API server at %s stopped answering (retried for %s): %v", e.Host, e.For, e.Err)
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// notSent reports errors of requests the server cannot have seen.
func notSent(err error) bool {
	if utilnet.IsConnectionRefused(err) {
		return true
	}
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// nextWait is the pause before retry attempt+1 of retries that began at
// start and may go on for budget: the backoff, cut short so that the last
// try comes when the budget ends (giving up early, when a whole backoff
// would overshoot, could end the retries at a third of the budget). It is
// false once the budget is spent.
func nextWait(start time.Time, attempt int, budget time.Duration) (time.Duration, bool) {
	left := budget - time.Since(start)
	if left <= 0 {
		return 0, false
	}
	return min(backoff(attempt), left), true
}

// backoff is the pause before retry attempt+1: 200 ms doubling to 2 s,
// with jitter.
func backoff(attempt int) time.Duration {
	d := 200 * time.Millisecond << min(attempt, 4)
	d = min(d, 2*time.Second)
	return d/2 + rand.N(d/2+1)
}

// Transient reports errors after which an idempotent request (a
// server-side apply, a read) may be sent again: the connection broke, the
// server was restarting or overloaded, or it timed out.
func Transient(err error) bool {
	switch {
	case err == nil:
		return false
	case utilnet.IsConnectionReset(err), utilnet.IsProbableEOF(err), utilnet.IsConnectionRefused(err):
		return true
	case apierrors.IsServiceUnavailable(err), apierrors.IsTooManyRequests(err), apierrors.IsServerTimeout(err), apierrors.IsTimeout(err):
		return true
	case errors.Is(err, io.ErrUnexpectedEOF):
		// The response was cut off while client-go read it ("unexpected
		// error when reading response body. Please retry."): the server
		// went away mid-answer. IsProbableEOF sees only the bare error.
		return true
	}
	var op *net.OpError
	if errors.As(err, &op) {
		return true
	}
	// The HTTP/2 connection died under the request (client-go closes it
	// when the server stops answering), or the request was given to a
	// connection that was closing; x/net/http2's errors have no type.
	msg := err.Error()
	for _, broken := range []string{"http2: client connection lost", "http2: client connection force closed", "http2: client conn is closed", "http2: client conn not usable"} {
		if strings.Contains(msg, broken) {
			return true
		}
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout() && !errors.Is(err, context.DeadlineExceeded)
}

// retryTransient calls f until it succeeds, fails for good (not Transient), the
// context ends, or RetryFor has passed; then it returns f's last error.
func retryTransient(ctx context.Context, retryFor time.Duration, f func() error) error {
	start := time.Now()
	for attempt := 0; ; attempt++ {
		err := f()
		if !Transient(err) {
			return err
		}
		wait, ok := nextWait(start, attempt, retryFor)
		if !ok {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
	}
}
