package kube

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// restartable is an HTTP server on a fixed 127.0.0.1 port that can be
// stopped (connections refused) and started again, as an API server
// restarts.
type restartable struct {
	t    *testing.T
	addr string
	srv  *http.Server
	got  atomic.Value // the last request body
}

func newRestartable(t *testing.T) *restartable {
	r := &restartable{t: t}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.addr = l.Addr().String()
	r.serve(l)
	t.Cleanup(r.stop)
	return r
}

func (r *restartable) serve(l net.Listener) {
	r.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.got.Store(string(body))
		io.WriteString(w, "ok")
	})}
	go r.srv.Serve(l)
}

func (r *restartable) stop() { r.srv.Close() }

func (r *restartable) start() {
	l, err := net.Listen("tcp", r.addr)
	if err != nil {
		r.t.Errorf("listening on %s again: %v", r.addr, err)
		return
	}
	r.serve(l)
}

func post(t *testing.T, rt http.RoundTripper, addr, body string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, "http://"+addr+"/apis", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return rt.RoundTrip(req)
}

// TestRetryTransportServerRestarts: a request sent while the server that
// answered before is down waits for it and arrives once, body intact.
func TestRetryTransportServerRestarts(t *testing.T) {
	t.Parallel()
	srv := newRestartable(t)
	rt := &retryTransport{next: &http.Transport{DisableKeepAlives: true}, answered: &atomic.Bool{}, down: &atomic.Pointer[error]{}, retryFor: 20 * time.Second}
	if resp, err := post(t, rt, srv.addr, "first"); err != nil {
		t.Fatal(err)
	} else {
		resp.Body.Close()
	}
	srv.stop()
	time.AfterFunc(time.Second, srv.start)
	start := time.Now()
	resp, err := post(t, rt, srv.addr, "second")
	if err != nil {
		t.Fatalf("request during a restart: %v", err)
	}
	resp.Body.Close()
	if got := srv.got.Load(); got != "second" {
		t.Errorf("the server got %q, want the body again", got)
	}
	if time.Since(start) < time.Second {
		t.Errorf("answered after %s, before the server was back", time.Since(start))
	}
}

// TestRetryTransportBounded: a server that never answered fails at once
// (a wrong address is not an outage); one that stays down fails after the
// retry budget, saying how long it tried.
func TestRetryTransportBounded(t *testing.T) {
	t.Parallel()
	srv := newRestartable(t)
	srv.stop()
	rt := &retryTransport{next: &http.Transport{DisableKeepAlives: true}, answered: &atomic.Bool{}, down: &atomic.Pointer[error]{}, retryFor: 2 * time.Second}
	start := time.Now()
	if _, err := post(t, rt, srv.addr, "x"); err == nil || time.Since(start) > 500*time.Millisecond {
		t.Errorf("never answered: %v after %s, want an error at once", err, time.Since(start))
	}
	rt.answered.Store(true)
	start = time.Now()
	_, err := post(t, rt, srv.addr, "x")
	var ue *UnreachableError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "stopped answering (retried for") {
		t.Fatalf("stays down: %v, want an UnreachableError", err)
	}
	if d := time.Since(start); d < time.Second || d > 3*time.Second {
		t.Errorf("gave up after %s, want about the 2 s budget", d)
	}
}

// TestRetryTransportDeadline: a request whose time runs out while the
// server is down says that the server stopped answering (the dial error),
// not only that the deadline passed; so does one that starts after the
// deadline while another request found the server down.
func TestRetryTransportDeadline(t *testing.T) {
	t.Parallel()
	srv := newRestartable(t)
	srv.stop()
	rt := &retryTransport{next: &http.Transport{DisableKeepAlives: true}, answered: &atomic.Bool{}, down: &atomic.Pointer[error]{}, retryFor: 20 * time.Second}
	rt.answered.Store(true)
	send := func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+srv.addr+"/apis", nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = rt.RoundTrip(req)
		return err
	}
	for _, wait := range []time.Duration{time.Second, 0} {
		ctx, cancel := context.WithTimeout(t.Context(), wait)
		err := send(ctx)
		cancel()
		var ue *UnreachableError
		var op *net.OpError
		if !errors.As(err, &ue) || !errors.As(err, &op) || op.Op != "dial" || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("deadline %s while down: %v, want an UnreachableError with the dial error and the deadline", wait, err)
		}
	}
}

func TestTransient(t *testing.T) {
	t.Parallel()
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{refused, true},
		{io.ErrUnexpectedEOF, true},
		{fmt.Errorf("unexpected error when reading response body. Please retry. Original error: %w", io.ErrUnexpectedEOF), true},
		{errors.New("read tcp 127.0.0.1:1->127.0.0.1:2: read: connection reset by peer"), true},
		{errors.New(`Patch "https://127.0.0.1:1/api": http2: client connection force closed via ClientConn.Close`), true},
		{errors.New(`Patch "https://127.0.0.1:1/api": http2: client connection lost`), true},
		{errors.New(`Patch "https://127.0.0.1:1/api/v1/namespaces/a/services/b?fieldManager=berth": http2: client conn is closed`), true},
		{errors.New(`Get "https://127.0.0.1:1/api": http2: client conn not usable`), true},
		{errors.New(`deployments.apps "web" is forbidden`), false},
	} {
		if got := Transient(tc.err); got != tc.want {
			t.Errorf("Transient(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

// TestNextWait: the retries use their whole budget. A backoff that would
// overshoot it is cut to what is left, and none comes once it is spent.
func TestNextWait(t *testing.T) {
	t.Parallel()
	start := time.Now().Add(-1900 * time.Millisecond)
	for attempt := range 8 {
		wait, ok := nextWait(start, attempt, 2*time.Second)
		if !ok || wait > 100*time.Millisecond {
			t.Errorf("attempt %d, 100 ms of the budget left: %s %v, want at most 100 ms", attempt, wait, ok)
		}
	}
	if _, ok := nextWait(time.Now().Add(-3*time.Second), 0, 2*time.Second); ok {
		t.Error("a spent budget still waits")
	}
	if wait, ok := nextWait(time.Now(), 0, time.Minute); !ok || wait < 100*time.Millisecond || wait > 200*time.Millisecond {
		t.Errorf("first wait %s %v, want 100-200 ms", wait, ok)
	}
}
