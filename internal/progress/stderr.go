package progress

import (
	"io"
	"sync"
	"time"
)

// Modes of --progress.
const (
	ModeAuto  = "auto"  // tty on a terminal without CI or --no-color, else plain
	ModeTTY   = "tty"   // the live view, redrawn in place
	ModePlain = "plain" // timestamped lines
	ModeJSON  = "json"  // one JSON event per line
)

// ResolveMode turns the --progress flag into tty, plain or json: auto is
// tty when stderr is a terminal and neither CI nor --no-color asks for
// plain output. An unknown flag value resolves as auto; ValidMode tells.
func ResolveMode(flag string, stderrTTY, noColor, ci bool) string {
	switch flag {
	case ModeTTY, ModePlain, ModeJSON:
		return flag
	}
	if !stderrTTY || noColor || ci {
		return ModePlain
	}
	return ModeTTY
}

// ValidMode reports whether flag is a --progress value ("" is auto).
func ValidMode(flag string) bool {
	switch flag {
	case "", ModeAuto, ModeTTY, ModePlain, ModeJSON:
		return true
	}
	return false
}

// Stderr is the stderr every command writes to: the process's own, or,
// with --progress=json, a writer that turns lines into events. Commands
// keep the streams they were built with, so the switch happens behind it.
type Stderr struct {
	mu  sync.Mutex
	raw io.Writer
	cur io.Writer
}

// NewStderr writes to w until JSON switches it to events.
func NewStderr(w io.Writer) *Stderr { return &Stderr{raw: w, cur: w} }

func (s *Stderr) Write(p []byte) (int, error) {
	s.mu.Lock()
	w := s.cur
	s.mu.Unlock()
	return w.Write(p)
}

// Raw is the process's stderr, behind any event writer: where events and
// workflow commands go.
func (s *Stderr) Raw() io.Writer { return s.raw }

// JSON makes every line written to s from now on an event on the raw
// stderr, stamped with now (time.Now when nil). It returns the events,
// for typed events, and the line writer, to Flush when the command ends.
func (s *Stderr) JSON(now func() time.Time) (*Events, *LineEvents) {
	events := NewEvents(s.raw, now)
	lines := events.Writer()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cur = lines
	return events, lines
}
