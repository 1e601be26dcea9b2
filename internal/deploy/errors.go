package deploy

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

// FailedError is a deploy that was applied but did not become healthy.
type FailedError struct {
	Revision   int
	Diagnosis  string
	RolledBack int
	Err        error
}

func (e *FailedError) Error() string {
	msg := fmt.Sprintf("revision %d did not become healthy: %v", e.Revision, e.Err)
	if e.RolledBack > 0 {
		msg += fmt.Sprintf("; rolled back to revision %d", e.RolledBack)
	}
	return msg
}

func (e *FailedError) Unwrap() error { return e.Err }

// TimeoutError is a rollout stopped by --timeout before it was applied
// (or pruned) in full.
type TimeoutError struct {
	Timeout time.Duration
	Err     error
}

func (e *TimeoutError) Error() string {
	if e.unreachable() {
		return fmt.Sprintf("the rollout ran out of time (--timeout %s): the API server stopped answering: %v", e.Timeout, e.Err)
	}
	return fmt.Sprintf("the rollout ran out of time (--timeout %s): %v", e.Timeout, e.Err)
}

func (e *TimeoutError) Unwrap() error { return e.Err }

func (e *TimeoutError) unreachable() bool {
	var op *net.OpError
	return errors.As(e.Err, &op) && op.Op == "dial"
}

// Hint says what may help.
func (e *TimeoutError) Hint() string {
	if e.unreachable() {
		return "once it answers again (kubectl get --raw /readyz), deploy again: applying is idempotent, and the next deploy marks this revision failed if berth could not"
	}
	return "the API server answered too slowly for the objects to be applied in time; check it (kubectl get --raw /readyz) and deploy again, with a longer --timeout if needed"
}

// Stages of a rollout, as an InterruptedError names them.
const (
	StageApply = "applying"
	StageWait  = "waiting"
	StagePrune = "pruning"
)

// InterruptedError is a rollout stopped by its context (SIGINT, SIGTERM):
// what it had done and the state it leaves the app in.
type InterruptedError struct {
	App      string
	Revision int // the revision begun
	// Recorded says the revision is recorded as failed (else it is still
	// pending and the next berth command marks it).
	Recorded bool
	Stage    string
	// Applied of Total objects were applied; NotReady are the workloads not
	// ready when the wait stopped.
	Applied, Total int
	NotReady       []string
	// Previous is the revision deployed before, 0 if none.
	Previous int
	Err      error
}

func (e *InterruptedError) Error() string {
	var what string
	switch e.Stage {
	case StageApply:
		what = fmt.Sprintf("while applying revision %d of %s: %d of %d objects applied", e.Revision, e.App, e.Applied, e.Total)
	case StageWait:
		what = fmt.Sprintf("while waiting for revision %d of %s: all %d objects applied", e.Revision, e.App, e.Total)
		if len(e.NotReady) > 0 {
			what += fmt.Sprintf(", %d not ready yet (%s)", len(e.NotReady), strings.Join(abbreviate(e.NotReady, 5), ", "))
		}
	default:
		what = fmt.Sprintf("while %s revision %d of %s: all %d objects applied and healthy", e.Stage, e.Revision, e.App, e.Total)
	}
	rec := "recorded as failed"
	if !e.Recorded {
		rec = "not recorded yet (the next berth command marks it failed)"
	}
	return fmt.Sprintf("interrupted %s; revision %d is %s", what, e.Revision, rec)
}

func (e *InterruptedError) Unwrap() error { return e.Err }

// Hint says what the cluster runs now and the ways on.
func (e *InterruptedError) Hint() string {
	prev := "no earlier revision"
	back := "berth delete removes it"
	if e.Previous > 0 {
		prev = fmt.Sprintf("revision %d", e.Previous)
		back = fmt.Sprintf("berth undo returns to revision %d", e.Previous)
	}
	var now string
	switch e.Stage {
	case StageApply:
		now = fmt.Sprintf("the cluster runs %s with part of revision %d applied over it", prev, e.Revision)
	case StageWait:
		now = fmt.Sprintf("revision %d is applied and its workloads keep rolling out without berth (berth status shows them)", e.Revision)
	default:
		now = fmt.Sprintf("revision %d runs; objects of %s it no longer has may remain", e.Revision, prev)
	}
	return now + "; berth deploy again finishes it, " + back
}

func abbreviate(names []string, n int) []string {
	if len(names) <= n {
		return names
	}
	return append(append([]string{}, names[:n]...), fmt.Sprintf("… %d more", len(names)-n))
}

// Stages a LeaseLostError may name besides those of an InterruptedError:
// scaling (berth scale) and recording the revision deployed.
const (
	StageScale  = "scaling"
	StageRecord = "recording"
)

// LeaseLostError is a rollout stopped because its deploy lock was lost:
// the lease was taken over (it expired while berth was stopped or could
// not reach the API server, or someone took it) or deleted. Another berth
// may be deploying the app, so this one writes nothing more; the revision
// it had begun is recorded as failed.
type LeaseLostError struct {
	App string
	// Revision is the revision begun, 0 when none was.
	Revision int
	// Recorded says the revision is recorded as failed.
	Recorded bool
	Stage    string
	// Applied of Total objects were applied.
	Applied, Total int
	// Err says how the lock was lost.
	Err error
}

func (e *LeaseLostError) Error() string {
	switch {
	case e.Revision == 0 && e.Applied == 0:
		return fmt.Sprintf("stopped before anything was written: %v", e.Err)
	case e.Revision == 0:
		return fmt.Sprintf("stopped while %s %s: %v; berth wrote nothing after that (%d of %d workloads scaled, no revision recorded)", e.Stage, e.App, e.Err, e.Applied, e.Total)
	}
	what := fmt.Sprintf("%d of %d objects applied", e.Applied, e.Total)
	if e.Stage != StageApply {
		what = fmt.Sprintf("all %d objects applied", e.Total)
	}
	rec := "recorded as failed"
	if !e.Recorded {
		rec = "not recorded yet (the next berth command marks it failed)"
	}
	stage := e.Stage
	if stage == StageWait {
		stage += " for"
	}
	return fmt.Sprintf("stopped while %s revision %d of %s: %v; berth wrote nothing after that (%s); revision %d is %s", stage, e.Revision, e.App, e.Err, what, e.Revision, rec)
}

func (e *LeaseLostError) Unwrap() error { return e.Err }

// Hint says what happened and how to go on.
func (e *LeaseLostError) Hint() string {
	return fmt.Sprintf("another berth deploy, undo or scale of %s may be running now (a berth stopped or cut off from the API server for longer than the lock's %s loses it): berth history and berth status show what the cluster runs; deploy again once it is done", e.App, LockTTL)
}
