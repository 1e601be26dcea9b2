package kube

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/fluxcd/cli-utils/pkg/kstatus/polling/event"
	"github.com/fluxcd/cli-utils/pkg/kstatus/polling/statusreaders"
	"github.com/fluxcd/cli-utils/pkg/kstatus/status"
	"github.com/fluxcd/cli-utils/pkg/kstatus/watcher"
	"github.com/fluxcd/cli-utils/pkg/object"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Progress is the state of one object while berth waits for it.
type Progress struct {
	Ref     Ref           `json:"object"`
	Status  status.Status `json:"status"`
	Message string        `json:"message,omitempty"`
	// Ready and Desired count pods of workloads (Deployment, StatefulSet, DaemonSet).
	Ready   int64     `json:"ready"`
	Desired int64     `json:"desired"`
	Since   time.Time `json:"since"`
}

// Done reports a settled object.
func (p Progress) Done() bool { return p.Status == status.CurrentStatus }

// WaitOptions tune Wait.
type WaitOptions struct {
	// Timeout bounds the whole wait (default 5 minutes).
	Timeout time.Duration
	// OnUpdate is called whenever an object's progress changes.
	OnUpdate func(Progress)
	// Check is called every CheckInterval for each object not yet ready;
	// an error stops the wait at once: waiting longer would not help.
	Check func(context.Context, Progress) error
	// CheckInterval defaults to 2 s.
	CheckInterval time.Duration
}

// WaitError says which objects did not become ready and why the wait stopped.
type WaitError struct {
	NotReady []Progress
	// TimedOut is set when the timeout ran out.
	TimedOut bool
	// Err is the terminal failure a Check found, or the context's error.
	Err error
}

func (e *WaitError) Error() string {
	names := make([]string, len(e.NotReady))
	for i, p := range e.NotReady {
		names[i] = p.Ref.String()
	}
	list := strings.Join(names, ", ")
	if e.TimedOut {
		return "timed out waiting for " + list + " to become ready"
	}
	return fmt.Sprintf("%s did not become ready: %v", list, e.Err)
}

func (e *WaitError) Unwrap() error { return e.Err }

// Waited reports whether Wait watches objects of this kind: workloads and
// the objects whose status kstatus reads. Config and accounts are ready
// when they exist; claims are bound when their pods run; a LoadBalancer
// address depends on the cluster having a load-balancer controller.
func Waited(kind string) bool {
	switch kind {
	case "Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet", "Pod", "HorizontalPodAutoscaler", "CustomResourceDefinition":
		return true
	}
	return false
}

// Wait watches objects with kstatus until every one is Current, an object
// fails, a Check reports a terminal problem, or the timeout runs out.
func (c *Client) Wait(ctx context.Context, refs []Ref, opts WaitOptions) error {
	if len(refs) == 0 {
		return nil
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 5 * time.Minute
	}
	if opts.CheckInterval <= 0 {
		opts.CheckInterval = 2 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()

	wt := newWaiter(refs, opts)
	w := watcher.NewDefaultStatusWatcher(c.Dynamic, c.Mapper)
	// kstatus's default readers also list each Deployment's ReplicaSets and
	// their Pods on every event, only to attach them to the event; the
	// status itself is status.Compute of the object either way. berth uses
	// none of them (its diagnosis reads what it needs), and with hundreds
	// of workloads those lists were most of the wait's requests.
	w.StatusReader = statusreaders.NewGenericStatusReader(c.Mapper, status.Compute)
	events := w.Watch(ctx, wt.ids, watcher.Options{})
	ticker := time.NewTicker(opts.CheckInterval)
	defer ticker.Stop()
	// Checks run beside the status events, a round at a time: a slow API
	// server makes them slow, and they must not hold up the events.
	checked := make(chan found, 1)
	checking := false
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				return c.stopped(ctx, wt.notReady())
			}
			if done, err := wt.event(ev); done {
				return err
			}
		case <-ticker.C:
			if opts.Check == nil || checking {
				continue
			}
			checking = true
			round, progress := wt.pending()
			go wt.check(ctx, round, progress, checked)
		case f := <-checked:
			checking = false
			if f.err != nil && !wt.state[f.id].Done() {
				return &WaitError{NotReady: wt.notReady(), Err: f.err}
			}
		case <-ctx.Done():
			return c.stopped(ctx, wt.notReady())
		}
	}
}

// waiter is the state of one Wait: the progress of each object.
type waiter struct {
	opts  WaitOptions
	ids   object.ObjMetadataSet
	state map[object.ObjMetadata]*Progress
}

func newWaiter(refs []Ref, opts WaitOptions) *waiter {
	wt := &waiter{opts: opts, ids: make(object.ObjMetadataSet, 0, len(refs)), state: make(map[object.ObjMetadata]*Progress, len(refs))}
	start := time.Now()
	for _, r := range refs {
		id := object.ObjMetadata{Namespace: r.Namespace, Name: r.Name, GroupKind: schema.GroupKind{Group: r.Group, Kind: r.Kind}}
		wt.ids = append(wt.ids, id)
		wt.state[id] = &Progress{Ref: r, Status: status.UnknownStatus, Since: start}
	}
	return wt
}

// notReady is the progress of the objects not ready yet, in refs' order.
func (wt *waiter) notReady() []Progress {
	var out []Progress
	for _, id := range wt.ids {
		if p := wt.state[id]; !p.Done() {
			out = append(out, *p)
		}
	}
	return out
}

// event takes in one status event; done says the wait is over, with err.
func (wt *waiter) event(ev event.Event) (done bool, err error) {
	switch ev.Type {
	case event.ErrorEvent:
		return true, &WaitError{NotReady: wt.notReady(), Err: ev.Error}
	case event.ResourceUpdateEvent:
		p := wt.state[ev.Resource.Identifier]
		if p == nil {
			return false, nil
		}
		next := progressOf(*p, ev.Resource)
		if next != *p {
			if next.Status != p.Status {
				next.Since = time.Now()
			}
			*p = next
			if wt.opts.OnUpdate != nil {
				wt.opts.OnUpdate(next)
			}
		}
		if p.Status == status.FailedStatus {
			return true, &WaitError{NotReady: wt.notReady(), Err: fmt.Errorf("%s failed: %s", p.Ref, p.Message)}
		}
		if len(wt.notReady()) == 0 {
			return true, nil
		}
	}
	return false, nil
}

// found is the first terminal problem a round of checks found, if any.
type found struct {
	id  object.ObjMetadata
	err error
}

// pending are the objects not ready yet and their progress, a snapshot
// for the checks to read beside the events.
func (wt *waiter) pending() ([]object.ObjMetadata, []Progress) {
	var round []object.ObjMetadata
	var progress []Progress
	for _, id := range wt.ids {
		if p := wt.state[id]; !p.Done() {
			round = append(round, id)
			progress = append(progress, *p)
		}
	}
	return round, progress
}

// check runs opts.Check on each object of round, with its progress, and
// sends what it found on out.
func (wt *waiter) check(ctx context.Context, round []object.ObjMetadata, progress []Progress, out chan<- found) {
	for i, p := range progress {
		if err := wt.opts.Check(ctx, p); err != nil {
			out <- found{id: round[i], err: err}
			return
		}
	}
	out <- found{}
}

func (c *Client) stopped(ctx context.Context, notReady []Progress) error {
	if len(notReady) == 0 {
		return nil
	}
	err := ctx.Err()
	return &WaitError{NotReady: notReady, TimedOut: errors.Is(err, context.DeadlineExceeded), Err: err}
}

func progressOf(p Progress, rs *event.ResourceStatus) Progress {
	p.Status = rs.Status
	p.Message = rs.Message
	if rs.Error != nil {
		p.Message = rs.Error.Error()
	}
	if u := rs.Resource; u != nil {
		p.Ready, p.Desired = replicas(u)
	}
	return p
}

// replicas reads ready and desired pods of a workload.
func replicas(u *unstructured.Unstructured) (ready, desired int64) {
	switch u.GetKind() {
	case "Deployment", "StatefulSet", "ReplicaSet":
		desired, found, _ := unstructured.NestedInt64(u.Object, "spec", "replicas")
		if !found {
			desired = 1
		}
		ready, _, _ := unstructured.NestedInt64(u.Object, "status", "readyReplicas")
		return ready, desired
	case "DaemonSet":
		desired, _, _ := unstructured.NestedInt64(u.Object, "status", "desiredNumberScheduled")
		ready, _, _ := unstructured.NestedInt64(u.Object, "status", "numberReady")
		return ready, desired
	}
	return 0, 0
}
