package progress

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/fluxcd/cli-utils/pkg/kstatus/status"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/berth-dev/berth/internal/build"
	"github.com/berth-dev/berth/internal/kube"
)

// EventVersion is the "v" of every event --progress=json writes. It
// changes only when a field changes meaning or goes away; new event types
// and new fields keep it.
const EventVersion = 1

// Event types, as the "type" field of an event. docs/ci.md describes each.
const (
	EventStage         = "stage"          // a section of the command begins
	EventBuildStarted  = "build.started"  // a service's image build begins
	EventBuildLog      = "build.log"      // a line of a build
	EventBuildFinished = "build.finished" // a service's image is built (and pushed)
	EventPush          = "push.progress"  // bytes uploaded of a service's image
	EventApply         = "apply"          // an object applied, pruned or scaled
	EventWorkload      = "workload"       // a workload's health changed (kstatus)
	EventDiagnosis     = "diagnosis"      // why a workload is not healthy
	EventFinished      = "finished"       // deploy, apply, up, undo or scale ended
	EventLog           = "log"            // any other line berth writes to stderr
	EventNote          = "note"
	EventWarning       = "warning"
	EventError         = "error" // the error the command ends with
)

// Events writes progress as JSON lines, one event per line, for CI
// systems (berth --progress=json). It is the JSON counterpart of the live
// and plain printers: a Printer (workload events), a build.Observer and
// build.Stages (build and push events), and the deploy reporter (stages
// and object results). Writer turns any other text into log events, so
// that every line of stderr is an event.
type Events struct {
	mu   sync.Mutex
	w    io.Writer
	now  func() time.Time
	push map[string]int64 // the last tenth of an upload reported, per service
}

var (
	_ Printer        = (*Events)(nil)
	_ build.Observer = (*Events)(nil)
	_ build.Stages   = (*Events)(nil)
)

// NewEvents writes events to w, stamped with now (time.Now when nil).
func NewEvents(w io.Writer, now func() time.Time) *Events {
	if now == nil {
		now = time.Now
	}
	return &Events{w: w, now: now, push: map[string]int64{}}
}

type header struct {
	V    int    `json:"v"`
	Time string `json:"time"`
	Type string `json:"type"`
}

// Emit writes one event: {"v":1,"time":"RFC 3339 UTC","type":typ} with the
// fields of payload (a struct or map marshalling to a JSON object, or nil)
// after them.
func (e *Events) Emit(typ string, payload any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.emit(typ, payload)
}

func (e *Events) emit(typ string, payload any) {
	line, _ := json.Marshal(header{V: EventVersion, Time: e.now().UTC().Format(time.RFC3339Nano), Type: typ})
	if payload != nil {
		fields, err := json.Marshal(payload)
		if err != nil {
			fields, _ = json.Marshal(map[string]string{"marshalError": err.Error()})
		}
		if len(fields) > 2 && fields[0] == '{' {
			line = append(line[:len(line)-1], ',')
			line = append(line, fields[1:]...)
		}
	}
	line = append(line, '\n')
	_, _ = e.w.Write(line)
}

// Message is the payload of log, note and warning events.
type Message struct {
	Message string `json:"message"`
}

// Problem is the payload of error and warning events: what is wrong, the
// hint that says what to do, and for a berth.yaml problem where it is.
type Problem struct {
	Message  string `json:"message"`
	Hint     string `json:"hint,omitempty"`
	ExitCode int    `json:"exitCode,omitempty"` // error events only (never 0)
	File     string `json:"file,omitempty"`
	Line     int    `json:"line,omitempty"`
	Column   int    `json:"column,omitempty"`
	Path     string `json:"path,omitempty"`
}

// Stage is the payload of stage events: build, push, preflight, apply,
// wait, prune, rollback.
type Stage struct {
	Name string `json:"name"`
}

// Stage says a section of the command begins.
func (e *Events) Stage(name string) { e.Emit(EventStage, Stage{Name: name}) }

// Workload is the payload of workload events.
type Workload struct {
	Object kube.Ref `json:"object"`
	// Status is kstatus's: InProgress, Current, Failed, Terminating,
	// NotFound, Unknown.
	Status  status.Status `json:"status"`
	Ready   int64         `json:"ready"`
	Desired int64         `json:"desired"`
	Message string        `json:"message,omitempty"`
}

// Update writes a workload event.
func (e *Events) Update(p kube.Progress) {
	e.Emit(EventWorkload, Workload{Object: p.Ref, Status: p.Status, Ready: p.Ready, Desired: p.Desired, Message: p.Message})
}

// Begin does nothing: machine readers get every workload event, unsummarised,
// and each names its object.
func (e *Events) Begin([]kube.Ref) {}

// Done does nothing: every update was written when it came.
func (e *Events) Done() {}

// Applied writes an apply event: the object and its result (created,
// configured, unchanged, pruned, kept, scaled), as in deploy -o json.
func (e *Events) Applied(r kube.Result) { e.Emit(EventApply, r) }

// BuildLog is the payload of build.log events.
type BuildLog struct {
	Service string `json:"service"`
	Message string `json:"message"`
}

// Log writes a build.log event.
func (e *Events) Log(service, line string) {
	e.Emit(EventBuildLog, BuildLog{Service: service, Message: line})
}

// Push is the payload of push.progress events.
type Push struct {
	Service  string `json:"service"`
	Complete int64  `json:"complete"`
	Total    int64  `json:"total"`
}

// Push writes a push.progress event at the start of an upload, at every
// tenth and at its end.
func (e *Events) Push(service string, u v1.Update) {
	if u.Total <= 0 {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	tenth := u.Complete * 10 / u.Total
	last, started := e.push[service]
	if started && tenth <= last {
		return
	}
	e.push[service] = tenth
	e.emit(EventPush, Push{Service: service, Complete: u.Complete, Total: u.Total})
}

// BuildStarted is the payload of build.started events.
type BuildStarted struct {
	Service string `json:"service"`
}

// Started writes a build.started event.
func (e *Events) Started(service string) {
	e.Emit(EventBuildStarted, BuildStarted{Service: service})
}

// BuildFinished is the payload of build.finished events: the result of
// berth build -o json, or the error.
type BuildFinished struct {
	build.Result
	Error string `json:"error,omitempty"`
}

// Finished writes a build.finished event.
func (e *Events) Finished(service string, r *build.Result, err error) {
	ev := BuildFinished{}
	if r != nil {
		ev.Result = *r
	}
	ev.Service = service
	if err != nil {
		ev.Error = err.Error()
	}
	e.Emit(EventBuildFinished, ev)
}

// Writer returns a writer that turns each line written to it into an
// event: "warning: …" and "note: …" lines into warning and note events,
// blank lines into nothing, any other line into a log event. Call Flush
// on it before the command ends.
func (e *Events) Writer() *LineEvents { return &LineEvents{e: e} }

// LineEvents is Events.Writer.
type LineEvents struct {
	mu      sync.Mutex
	e       *Events
	partial []byte
}

func (l *LineEvents) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.partial = append(l.partial, p...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		l.line(string(l.partial[:i]))
		l.partial = l.partial[i+1:]
	}
	return len(p), nil
}

// Flush writes a last line that has no newline.
func (l *LineEvents) Flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.partial) > 0 {
		l.line(string(l.partial))
		l.partial = nil
	}
}

func (l *LineEvents) line(s string) {
	s = strings.TrimRight(s, "\r")
	if i := strings.LastIndex(s, "\r"); i >= 0 {
		s = s[i+1:] // a line redrawn in place: its last state
	}
	s = stripANSI(s)
	switch {
	case strings.TrimSpace(s) == "":
	case strings.HasPrefix(s, "warning: "):
		l.e.Emit(EventWarning, Message{Message: strings.TrimPrefix(s, "warning: ")})
	case strings.HasPrefix(s, "note: "):
		l.e.Emit(EventNote, Message{Message: strings.TrimPrefix(s, "note: ")})
	default:
		l.e.Emit(EventLog, Message{Message: s})
	}
}

// stripANSI drops terminal escape sequences (CSI: ESC [ … final byte).
func stripANSI(s string) string {
	if !strings.Contains(s, "\x1b") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '[' {
			j := i + 2
			for j < len(s) && (s[j] < 0x40 || s[j] > 0x7e) {
				j++
			}
			i = j
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
