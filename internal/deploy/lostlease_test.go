package deploy_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/deploy"
)

// TestLostLease: once its lease is lost, a deploy stops before its next
// write, records the revision failed and says so.
func TestLostLease(t *testing.T) {
	t.Parallel()
	// The second deploy applies a new web and prunes the cache.
	second := strings.Replace(strings.Replace(shop, "  cache:\n    image: cache:1\n    volumes: [{name: data, mountPath: /data, size: 1Gi}]\n", "", 1), "web:1", "web:2", 1)
	for _, tc := range []struct {
		name string
		// at is the operation at which the lease is lost; with block, the
		// operation is under way and ends with the loss (a request
		// cancelled, a slow workload).
		at       string
		block    bool
		stage    string
		writes   []string
		revision int // the one LeaseLostError names; 0: none begun
		history  []string
	}{
		{
			name:    "before the record",
			at:      "check",
			history: []string{"1:deployed:first"},
		},
		{
			name:     "while applying",
			at:       "apply",
			block:    true,
			stage:    deploy.StageApply,
			revision: 2,
			history:  []string{"1:deployed:first", "2:failed:stopped while applying: deploy lock of shop lost: taken over by intruder"},
		},
		{
			name:     "while waiting",
			at:       "wait",
			block:    true,
			stage:    deploy.StageWait,
			writes:   []string{"apply deployment.apps/web configured"},
			revision: 2,
			history:  []string{"1:deployed:first", "2:failed:stopped while waiting: deploy lock of shop lost: taken over by intruder"},
		},
		{
			name:     "before pruning",
			at:       "ready",
			stage:    deploy.StagePrune,
			writes:   []string{"apply deployment.apps/web configured"},
			revision: 2,
			history:  []string{"1:deployed:first", "2:failed:stopped while pruning: deploy lock of shop lost: taken over by intruder"},
		},
		{
			name:     "while pruning",
			at:       "prune",
			block:    true,
			stage:    deploy.StagePrune,
			writes:   []string{"apply deployment.apps/web configured"},
			revision: 2,
			history:  []string{"1:deployed:first", "2:failed:stopped while pruning: deploy lock of shop lost: taken over by intruder"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.mustDeploy(t, shop, "first")
			e.cluster.before = func(ctx context.Context, op string) error {
				if op != tc.at {
					return nil
				}
				e.locker.current().lose("intruder")
				if tc.block {
					<-ctx.Done()
					return ctx.Err()
				}
				return nil
			}
			_, err := e.d.Deploy(t.Context(), options(project(t, second), "second"))
			var lost *deploy.LeaseLostError
			if !errors.As(err, &lost) {
				t.Fatalf("got %v, want a LeaseLostError", err)
			}
			if lost.Stage != tc.stage || lost.Revision != tc.revision || lost.Recorded != (tc.revision > 0) {
				t.Errorf("LeaseLostError %+v", lost)
			}
			if !strings.Contains(err.Error(), "taken over by intruder") || !strings.Contains(lost.Hint(), "berth history") {
				t.Errorf("error %q, hint %q", err, lost.Hint())
			}
			diff(t, "writes", tc.writes, e.cluster.Writes())
			diff(t, "history", tc.history, e.history(t))
		})
	}
}

func TestLostLeaseMessage(t *testing.T) {
	t.Parallel()
	cause := errors.New("deploy lock of shop lost: taken over by intruder")
	for _, tc := range []struct {
		err  *deploy.LeaseLostError
		want string
	}{
		{&deploy.LeaseLostError{App: "shop", Total: 5, Err: cause}, "stopped before anything was written: deploy lock of shop lost: taken over by intruder"},
		{&deploy.LeaseLostError{App: "shop", Revision: 2, Recorded: true, Stage: deploy.StageApply, Applied: 3, Total: 5, Err: cause},
			"stopped while applying revision 2 of shop: deploy lock of shop lost: taken over by intruder; berth wrote nothing after that (3 of 5 objects applied); revision 2 is recorded as failed"},
		{&deploy.LeaseLostError{App: "shop", Revision: 2, Stage: deploy.StageWait, Applied: 5, Total: 5, Err: cause},
			"stopped while waiting for revision 2 of shop: deploy lock of shop lost: taken over by intruder; berth wrote nothing after that (all 5 objects applied); revision 2 is not recorded yet (the next berth command marks it failed)"},
		{&deploy.LeaseLostError{App: "shop", Stage: deploy.StageScale, Applied: 1, Total: 2, Err: cause},
			"stopped while scaling shop: deploy lock of shop lost: taken over by intruder; berth wrote nothing after that (1 of 2 workloads scaled, no revision recorded)"},
	} {
		diff(t, "message", tc.want, tc.err.Error())
	}
}

// TestScaleLostLease: a scale stops at the first workload after its lease
// is lost, and records no revision.
func TestScaleLostLease(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.mustDeploy(t, shop, "first")
	scaled := 0
	e.cluster.before = func(ctx context.Context, op string) error {
		if op == "scale" {
			if scaled++; scaled == 2 {
				// Lost while the request is under way: it is cancelled.
				e.locker.current().lose("intruder")
				<-ctx.Done()
				return ctx.Err()
			}
		}
		return nil
	}
	_, err := e.d.Scale(t.Context(), deploy.ScaleOptions{Project: project(t, shop), Namespace: ns, Replicas: map[string]int32{"web": 3, "worker": 2}, Holder: "test"})
	var lost *deploy.LeaseLostError
	if !errors.As(err, &lost) {
		t.Fatalf("got %v, want a LeaseLostError", err)
	}
	diff(t, "error", "stopped while scaling shop: deploy lock of shop lost: taken over by intruder; berth wrote nothing after that (1 of 2 workloads scaled, no revision recorded)", err.Error())
	diff(t, "writes", []string{"scale deployment.apps/web to 3"}, e.cluster.Writes())
	diff(t, "history", []string{"1:deployed:first"}, e.history(t))
}
