// Package progress shows what berth waits for: on a terminal a compact live
// view, one line per object redrawn in place; elsewhere (pipes, CI) one
// plain, timestamped line per change. Past SummaryAfter objects both views
// summarise ("287/300 ready, waiting on: a, b, c …") instead of printing a
// line per object. It never colours or redraws when CI is set or the
// stream is not a terminal; the caller decides that.
//
// It also renders everything else a command reports on stderr besides
// its own text: --progress=json events (Events, and Stderr, which turns
// every other line into an event), the Reporter of stages, results,
// diagnoses and how a command finished, GitHub Actions log groups and
// annotations (Annotation), and image build output (Builds). ResolveMode
// picks the view from the --progress flag, the terminal and CI; Output
// puts it all together for one command, from the flag to the report of
// the error it ends with.
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
	// Begin names every object the wait is for, before the first Update.
	Begin([]kube.Ref)
	Update(kube.Progress)
	// Done finishes the view (the live view prints its final state).
	Done()
}

// SummaryAfter is the number of objects up to which the views show a line
// per object; with more they show a summary and the objects not ready yet.
const SummaryAfter = 20

// liveRows is how many objects that are not ready the summarised live view
// lists under its summary line.
const liveRows = 5

// summaryNames is how many names a summary line lists.
const summaryNames = 3

// plainEvery is how often at most the summarised plain view prints a line.
const plainEvery = 2 * time.Second

// New returns a live printer when live is true, a plain one otherwise.
func New(w io.Writer, live bool, now func() time.Time) Printer {
	if now == nil {
		now = time.Now
	}
	if live {
		return &livePrinter{w: w, now: now, board: newBoard()}
	}
	return &plainPrinter{w: w, now: now, board: newBoard(), every: plainEvery}
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

// board is the last known progress of every object, in the order they
// were named (Begin) or first seen.
type board struct {
	order []string
	rows  map[string]kube.Progress
}

func newBoard() *board { return &board{rows: map[string]kube.Progress{}} }

func (b *board) begin(refs []kube.Ref) {
	for _, r := range refs {
		b.set(kube.Progress{Ref: r, Status: status.UnknownStatus})
	}
}

func (b *board) set(p kube.Progress) {
	k := p.Ref.Key()
	if _, ok := b.rows[k]; !ok {
		b.order = append(b.order, k)
	}
	b.rows[k] = p
}

func (b *board) summarised() bool { return len(b.order) > SummaryAfter }

// waiting are the objects not ready, in order.
func (b *board) waiting() []kube.Progress {
	var out []kube.Progress
	for _, k := range b.order {
		if p := b.rows[k]; !p.Done() {
			out = append(out, p)
		}
	}
	return out
}

// Summary is the one-line state of many objects: "287/300 ready, waiting
// on: a, b, c … (10 more)", or "300/300 ready".
func Summary(total int, waiting []kube.Progress) string {
	s := fmt.Sprintf("%d/%d ready", total-len(waiting), total)
	if len(waiting) == 0 {
		return s
	}
	names := make([]string, 0, summaryNames)
	for _, p := range waiting[:min(summaryNames, len(waiting))] {
		names = append(names, p.Ref.Name)
	}
	s += ", waiting on: " + strings.Join(names, ", ")
	if more := len(waiting) - len(names); more > 0 {
		s += fmt.Sprintf(" … (%d more)", more)
	}
	return s
}

func (b *board) summary() string { return Summary(len(b.order), b.waiting()) }

// plainPrinter prints a line per change; summarised, a summary line when
// the count of ready objects changed, at most every `every` (and the last
// state at Done), plus a line for each object that failed.
type plainPrinter struct {
	mu    sync.Mutex
	w     io.Writer
	now   func() time.Time
	board *board
	every time.Duration
	// summarised: the last summary printed, when, and the pending flush
	printed string
	last    time.Time
	flush   *time.Timer
}

func (p *plainPrinter) Begin(refs []kube.Ref) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.board.begin(refs)
}

func (p *plainPrinter) Update(pr kube.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.board.set(pr)
	if !p.board.summarised() {
		pr.Since = time.Time{} // the timestamp says when
		p.printf("%s", Line(pr, p.now()))
		return
	}
	if pr.Status == status.FailedStatus {
		pr.Since = time.Time{}
		p.printf("%s", Line(pr, p.now()))
	}
	if wait := p.every - p.now().Sub(p.last); wait > 0 {
		// Too soon: print the state as it is then, unless more comes first.
		if p.flush == nil {
			p.flush = time.AfterFunc(wait, func() {
				p.mu.Lock()
				defer p.mu.Unlock()
				p.flush = nil
				p.printSummary()
			})
		}
		return
	}
	p.printSummary()
}

// printSummary prints the summary line unless it says what the last one
// said. The caller holds mu.
func (p *plainPrinter) printSummary() {
	s := p.board.summary()
	if s == p.printed {
		return
	}
	p.printed, p.last = s, p.now()
	p.printf("%s", s)
}

func (p *plainPrinter) printf(format string, args ...any) {
	fmt.Fprintf(p.w, "%s "+format+"\n", append([]any{p.now().UTC().Format("15:04:05")}, args...)...)
}

func (p *plainPrinter) Done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.flush != nil {
		p.flush.Stop()
		p.flush = nil
	}
	if p.board.summarised() {
		p.printSummary()
	}
}

// livePrinter redraws its block of lines on each update, at most every
// 100 ms, and once more at Done. Summarised, the block is the summary line
// and the first objects not ready.
type livePrinter struct {
	mu    sync.Mutex
	w     io.Writer
	now   func() time.Time
	board *board
	drawn int
	last  time.Time
}

func (p *livePrinter) Begin(refs []kube.Ref) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.board.begin(refs)
}

func (p *livePrinter) Update(pr kube.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.board.set(pr)
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
	var lines []string
	if !p.board.summarised() {
		for _, k := range p.board.order {
			lines = append(lines, mark(p.board.rows[k])+" "+Line(p.board.rows[k], p.now()))
		}
	} else {
		waiting := p.board.waiting()
		head := "✓ "
		if len(waiting) > 0 {
			head = "… "
		}
		lines = append(lines, head+p.board.summary())
		for _, w := range waiting[:min(liveRows, len(waiting))] {
			lines = append(lines, "  "+mark(w)+" "+Line(w, p.now()))
		}
	}
	var b strings.Builder
	if p.drawn > 0 {
		fmt.Fprintf(&b, "\x1b[%dA", p.drawn) // back to the first line of the block
	}
	for _, l := range lines {
		fmt.Fprintf(&b, "\x1b[2K%s\n", l)
	}
	if len(lines) < p.drawn {
		b.WriteString("\x1b[J") // the block shrank: clear what was below it
	}
	p.drawn = len(lines)
	io.WriteString(p.w, b.String())
}

func mark(p kube.Progress) string {
	if p.Done() {
		return "✓"
	}
	return "…"
}
