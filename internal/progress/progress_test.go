package progress

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fluxcd/cli-utils/pkg/kstatus/status"

	"github.com/berth-dev/berth/internal/kube"
	"github.com/berth-dev/berth/internal/testutil"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func web(st status.Status, ready int64, msg string) kube.Progress {
	return kube.Progress{Ref: kube.Ref{Group: "apps", Version: "v1", Kind: "Deployment", Namespace: "ns", Name: "web"},
		Status: st, Ready: ready, Desired: 2, Message: msg, Since: t0}
}

func TestPlain(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	p := New(&b, false, func() time.Time { return t0.Add(12 * time.Second) })
	p.Update(web(status.InProgressStatus, 1, "Available: 1/2"))
	p.Update(web(status.CurrentStatus, 2, ""))
	p.Done()
	want := "03:04:17 deployment.apps/web  1/2 ready  InProgress: Available: 1/2\n03:04:17 deployment.apps/web  2/2 ready  ok\n"
	if b.String() != want {
		t.Errorf("got\n%q\nwant\n%q", b.String(), want)
	}
	if strings.Contains(b.String(), "\x1b") {
		t.Errorf("plain output has escape codes")
	}
}

func TestLiveRedrawsInPlace(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	now := t0
	p := New(&b, true, func() time.Time { return now })
	p.Update(web(status.InProgressStatus, 0, "Available: 0/2"))
	now = now.Add(time.Second)
	p.Update(web(status.CurrentStatus, 2, ""))
	p.Done()
	out := b.String()
	if !strings.Contains(out, "\x1b[1A") || !strings.Contains(out, "✓ deployment.apps/web  2/2 ready  ok") {
		t.Errorf("live view did not redraw its line:\n%q", out)
	}
	if strings.Count(out, "\n") != 3 {
		t.Errorf("want three draws of one line, got %q", out)
	}
}

func deployment(i int, st status.Status) kube.Progress {
	ready := int64(0)
	if st == status.CurrentStatus {
		ready = 1
	}
	return kube.Progress{Ref: kube.Ref{Group: "apps", Version: "v1", Kind: "Deployment", Namespace: "ns", Name: fmt.Sprintf("svc-%03d", i)},
		Status: st, Ready: ready, Desired: 1, Message: "", Since: t0}
}

func refs(n int) []kube.Ref {
	out := make([]kube.Ref, n)
	for i := range out {
		out[i] = deployment(i, status.UnknownStatus).Ref
	}
	return out
}

func TestSummary(t *testing.T) {
	t.Parallel()
	waiting := func(names ...int) []kube.Progress {
		var out []kube.Progress
		for _, i := range names {
			out = append(out, deployment(i, status.InProgressStatus))
		}
		return out
	}
	for _, tc := range []struct {
		total   int
		waiting []kube.Progress
		want    string
	}{
		{300, nil, "300/300 ready"},
		{300, waiting(7), "299/300 ready, waiting on: svc-007"},
		{300, waiting(1, 2, 3), "297/300 ready, waiting on: svc-001, svc-002, svc-003"},
		{300, waiting(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13), "287/300 ready, waiting on: svc-001, svc-002, svc-003 … (10 more)"},
	} {
		if diff := cmp.Diff(tc.want, Summary(tc.total, tc.waiting)); diff != "" {
			t.Errorf("Summary (-want +got):\n%s", diff)
		}
	}
}

// TestPlainSummarised: 300 workloads that become ready one by one print a
// summary line at most every 2 s, not a line per change, and the final
// state at Done; a failure still gets its own line.
func TestPlainSummarised(t *testing.T) {
	t.Parallel()
	var b testutil.SyncBuffer
	now := t0
	p := New(&b, false, func() time.Time { return now })
	p.(*plainPrinter).every = time.Hour // no flush timer fires during the test
	p.Begin(refs(300))
	for i := range 300 {
		p.Update(deployment(i, status.InProgressStatus))
	}
	for i := range 299 {
		if i == 150 {
			now = now.Add(time.Hour) // a summary is due again
		}
		p.Update(deployment(i, status.CurrentStatus))
	}
	p.Update(kube.Progress{Ref: deployment(299, status.UnknownStatus).Ref, Status: status.FailedStatus, Message: "boom"})
	p.Done()
	want := strings.Join([]string{
		"03:04:05 0/300 ready, waiting on: svc-000, svc-001, svc-002 … (297 more)",
		"04:04:05 151/300 ready, waiting on: svc-151, svc-152, svc-153 … (146 more)",
		"04:04:05 deployment.apps/svc-299  Failed: boom",
		"04:04:05 299/300 ready, waiting on: svc-299",
		"",
	}, "\n")
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("plain view of 300 workloads (-want +got):\n%s", diff)
	}
}

// TestPlainSummaryFlushes: a summary held back because the last one was
// too recent is printed when its interval has passed, without another
// update (a wait that stalls shows where it stalled).
func TestPlainSummaryFlushes(t *testing.T) {
	t.Parallel()
	var b testutil.SyncBuffer
	p := New(&b, false, nil)
	p.(*plainPrinter).every = 50 * time.Millisecond
	p.Begin(refs(30))
	p.Update(deployment(0, status.CurrentStatus)) // printed at once
	p.Update(deployment(1, status.CurrentStatus)) // held back
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(b.String(), "2/30 ready") {
		if time.Now().After(deadline) {
			t.Fatalf("the held-back summary was never printed:\n%s", b.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	p.Done()
	if n := strings.Count(b.String(), "\n"); n != 2 {
		t.Errorf("want two summary lines, got:\n%s", b.String())
	}
}

// TestLiveSummarised: the live view of 300 workloads is a summary line and
// the first five not ready, never 300 lines; when the block shrinks the
// lines below are cleared; the final draw is one line.
func TestLiveSummarised(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	now := t0
	p := New(&b, true, func() time.Time { return now })
	p.Begin(refs(300))
	for i := range 300 {
		now = now.Add(time.Second)
		p.Update(deployment(i, status.InProgressStatus))
	}
	first := b.String()
	draws := strings.Count(first, "\x1b[2K…")
	if strings.Count(first, "\n") > 6*draws || !strings.Contains(first, "… 0/300 ready, waiting on: svc-000, svc-001, svc-002 … (297 more)\n") {
		t.Fatalf("live view of 300 workloads:\n%s", first)
	}
	b.Reset()
	for i := range 298 {
		p.Update(deployment(i, status.CurrentStatus))
	}
	now = now.Add(time.Second)
	p.Update(deployment(298, status.CurrentStatus))
	want := "\x1b[6A\x1b[2K… 299/300 ready, waiting on: svc-299\n\x1b[2K  … deployment.apps/svc-299  0/1 ready  InProgress 5m1s\n\x1b[J"
	if got := b.String(); !strings.HasSuffix(got, want) {
		t.Errorf("redraw with one left:\n%q\nwant suffix\n%q", got, want)
	}
	b.Reset()
	p.Update(deployment(299, status.CurrentStatus))
	p.Done()
	if diff := cmp.Diff("\x1b[2A\x1b[2K✓ 300/300 ready\n\x1b[J", b.String()); diff != "" {
		t.Errorf("final draw (-want +got):\n%s", diff)
	}
}
