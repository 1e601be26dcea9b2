// Package progress shows what berth waits for: on a terminal a compact live
// view, one line per object redrawn in place; elsewhere (pipes, CI) one
// plain, timestamped line per change. It never colours or redraws when CI
// is set or the stream is not a terminal; the caller decides that.
package progress

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/fluxcd/cli-utils/pkg/kstatus/status"

	"github.com/berth-dev/berth/internal/kube"
)

// Printer receives progress updates.
type Printer interface {
	Update(kube.Progress)
	// Done finishes the view (the live view prints its final state).
	Done()
}

// New returns a live printer when live is true, a plain one otherwise.
func New(w io.Writer, live bool, now func() time.Time) Printer {
	if now == nil {
		now = time.Now
	}
	if live {
		return &livePrinter{w: w, now: now, rows: map[string]kube.Progress{}}
	}
	return &plainPrinter{w: w, now: now}
}

// Line describes one object: "web  1/2 ready  InProgress: Deployment ... 12s".
func Line(p kube.Progress, now time.Time) string {
	var b strings.Builder
	b.WriteString(p.Ref.String())
	if p.Desired > 0 || p.Ready > 0 {
		fmt.Fprintf(&b, "  %d/%d ready", p.Ready, p.Desired)
	}
	switch p.Status {
	case status.CurrentStatus:
		b.WriteString("  ok")
	default:
		fmt.Fprintf(&b, "  %s", p.Status)
		if p.Message != "" {
			fmt.Fprintf(&b, ": %s", p.Message)
		}
		if !p.Since.IsZero() {
			fmt.Fprintf(&b, " %s", now.Sub(p.Since).Round(time.Second))
		}
	}
	return b.String()
}

type plainPrinter struct {
	mu  sync.Mutex
	w   io.Writer
	now func() time.Time
}

func (p *plainPrinter) Update(pr kube.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	pr.Since = time.Time{} // the timestamp says when
	fmt.Fprintf(p.w, "%s %s\n", p.now().UTC().Format("15:04:05"), Line(pr, p.now()))
}

func (p *plainPrinter) Done() {}

// livePrinter redraws its block of lines on each update, at most every
// 100 ms, and once more at Done.
type livePrinter struct {
	mu    sync.Mutex
	w     io.Writer
	now   func() time.Time
	order []string
	rows  map[string]kube.Progress
	drawn int
	last  time.Time
}

func (p *livePrinter) Update(pr kube.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	k := pr.Ref.Key()
	if _, ok := p.rows[k]; !ok {
		p.order = append(p.order, k)
	}
	p.rows[k] = pr
	if p.now().Sub(p.last) >= 100*time.Millisecond {
		p.draw()
	}
}

func (p *livePrinter) Done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.draw()
}

func (p *livePrinter) draw() {
	p.last = p.now()
	var b strings.Builder
	if p.drawn > 0 {
		fmt.Fprintf(&b, "\x1b[%dA", p.drawn) // back to the first line of the block
	}
	for _, k := range p.order {
		mark := "…"
		if p.rows[k].Done() {
			mark = "✓"
		}
		fmt.Fprintf(&b, "\x1b[2K%s %s\n", mark, Line(p.rows[k], p.now()))
	}
	p.drawn = len(p.order)
	io.WriteString(p.w, b.String())
}
