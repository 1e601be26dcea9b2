package progress

import (
	"fmt"
	"io"
	"sync"

	"github.com/berth-dev/berth/internal/diagnose"
	"github.com/berth-dev/berth/internal/kube"
)

// Reporter tells what a command does beyond its text: events with
// --progress=json, log groups (::group::) in GitHub Actions. It is the
// deploy package's Reporter; build and push use Stage. A nil Reporter
// and a Reporter with neither events nor groups are silent.
type Reporter struct {
	mu     sync.Mutex
	events *Events   // nil unless --progress=json
	groups io.Writer // stderr in GitHub Actions, else nil
	open   bool      // a log group is open
	// diagnosed is the last diagnosis per object, so a wait that looks
	// every few seconds reports each change once.
	diagnosed map[string]string
}

// NewReporter reports to events (nil: none) and opens log groups on
// groups (nil: none).
func NewReporter(events *Events, groups io.Writer) *Reporter {
	return &Reporter{events: events, groups: groups, diagnosed: map[string]string{}}
}

// Stage starts a section: an event, or a log group (ending the last one:
// GitHub's groups do not nest).
func (r *Reporter) Stage(name string) {
	if r == nil {
		return
	}
	if r.events != nil {
		r.events.Stage(name)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.groups == nil {
		return
	}
	if r.open {
		fmt.Fprintln(r.groups, "::endgroup::")
	}
	fmt.Fprintf(r.groups, "::group::%s\n", EscapeData(name))
	r.open = true
}

// End closes an open log group.
func (r *Reporter) End() {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.open {
		fmt.Fprintln(r.groups, "::endgroup::")
		r.open = false
	}
}

// Applied reports an object's result as an apply event.
func (r *Reporter) Applied(res kube.Result) {
	if r != nil && r.events != nil {
		r.events.Applied(res)
	}
}

// Finished is the payload of finished events: how a deploy, apply, up,
// undo or scale ended.
type Finished struct {
	Command   string `json:"command"`
	App       string `json:"app"`
	Namespace string `json:"namespace"`
	Revision  int    `json:"revision,omitempty"`
	// Status is healthy, applied (not waited for), failed or dry-run.
	Status     string `json:"status"`
	RolledBack int    `json:"rolledBack,omitempty"`
	Duration   string `json:"duration"`
}

// Finish reports how a command ended, as a finished event.
func (r *Reporter) Finish(ev Finished) {
	if r != nil && r.events != nil {
		r.events.Emit(EventFinished, ev)
	}
}

// Diagnosis is the payload of diagnosis events.
type Diagnosis struct {
	Object   kube.Ref  `json:"object"`
	Findings []Finding `json:"findings"`
}

// Finding is one reason a workload is not healthy (a diagnose.Finding).
type Finding struct {
	Object   string   `json:"object"`
	Reason   string   `json:"reason"`
	Message  string   `json:"message"`
	Hint     string   `json:"hint,omitempty"`
	Terminal bool     `json:"terminal"`
	Logs     []string `json:"logs,omitempty"`
}

// Diagnose reports findings about an object, as a diagnosis event, once
// per change.
func (r *Reporter) Diagnose(ref kube.Ref, fs []Finding) {
	if r == nil || r.events == nil || len(fs) == 0 {
		return
	}
	key := fmt.Sprint(fs)
	r.mu.Lock()
	same := r.diagnosed[ref.Key()] == key
	r.diagnosed[ref.Key()] = key
	r.mu.Unlock()
	if !same {
		r.events.Emit(EventDiagnosis, Diagnosis{Object: ref, Findings: fs})
	}
}

// Diagnosed reports the findings of the diagnose package as a diagnosis
// event (diagnose.Explainer's OnFindings).
func (r *Reporter) Diagnosed(ref kube.Ref, fs []diagnose.Finding) {
	out := make([]Finding, len(fs))
	for i, x := range fs {
		out[i] = Finding(x)
	}
	r.Diagnose(ref, out)
}
