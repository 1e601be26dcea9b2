package progress

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/fluxcd/cli-utils/pkg/kstatus/status"

	"github.com/berth-dev/berth/internal/kube"
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
