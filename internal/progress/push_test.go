package progress

import (
	"bytes"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// TestBuildsPlain: without a terminal, uploads print a line at the start,
// at each quarter and at the end, with timestamps, and nothing twice.
func TestBuildsPlain(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	b := NewBuilds(&buf, false, func() time.Time { return time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC) })
	b.Log("web", "building")
	for _, done := range []int64{0, 10, 30, 30, 60, 80, 100, 100} {
		b.Push("web", v1.Update{Total: 100 << 20, Complete: done << 20})
	}
	b.Done()
	want := `12:00:00 [web] building
12:00:00 [web] uploading 100.0 MiB
12:00:00 [web] uploaded 25% of 100.0 MiB
12:00:00 [web] uploaded 50% of 100.0 MiB
12:00:00 [web] uploaded 75% of 100.0 MiB
12:00:00 [web] uploaded 100.0 MiB
`
	if got := buf.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// TestBuildsLive draws bars (mpb) and keeps log lines above them.
func TestBuildsLive(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	b := NewBuilds(&buf, true, nil)
	b.Push("web", v1.Update{Total: 1 << 20, Complete: 1 << 19})
	b.Log("web", "pushed x")
	b.Push("web", v1.Update{Total: 1 << 20, Complete: 1 << 20})
	b.Done()
	if out := buf.String(); !strings.Contains(out, "[web] pushed x") || !strings.Contains(out, "web") {
		t.Errorf("live output %q", out)
	}
}
