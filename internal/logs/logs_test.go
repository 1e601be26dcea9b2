package logs

import (
	"strings"
	"sync"
	"testing"
)

func TestPrefix(t *testing.T) {
	t.Parallel()
	plain := &Streamer{}
	if got := plain.prefix("web-1", "web"); got != "[pod/web-1/web] " {
		t.Errorf("plain prefix %q", got)
	}
	c := &Streamer{Color: true}
	a, b := c.prefix("web-1", "web"), c.prefix("web-1", "web")
	if a != b || !strings.HasPrefix(a, "\x1b[") || !strings.HasSuffix(a, "[pod/web-1/web] \x1b[0m") || strings.HasPrefix(a, "\x1b[31m") {
		t.Errorf("coloured prefix %q, %q: want one stable, non-red colour", a, b)
	}
	seen := map[string]bool{}
	for _, p := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		seen[c.prefix(p, "x")[:5]] = true
	}
	if len(seen) < 3 {
		t.Errorf("8 pods got %d colours", len(seen))
	}
}

// TestLineWriter: concurrent writers never split each other's lines, and
// a last line without a newline gets one.
func TestLineWriter(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	w := &lineWriter{out: &b}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for range 100 {
				w.line(string(rune('a'+i))+" ", strings.Repeat(string(rune('a'+i)), 50)+"\n")
			}
		})
	}
	wg.Wait()
	w.line("z ", "no newline")
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 801 {
		t.Fatalf("%d lines", len(lines))
	}
	for _, l := range lines[:800] {
		if len(l) != 52 || strings.Count(l, l[:1]) != 51 {
			t.Fatalf("mixed line %q", l)
		}
	}
	if lines[800] != "z no newline" {
		t.Errorf("last line %q", lines[800])
	}
}
