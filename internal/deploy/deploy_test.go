package deploy_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"helm.sh/helm/v3/pkg/storage/driver"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/kube"
	"github.com/berth-dev/berth/internal/release"
)

// These tests run the deploy package with no cluster: a recording fake
// Cluster (fake_test.go), a fake Locker and Helm's in-memory release
// storage behind release.Store. The sandbox tests (lease_test.go, and
// internal/cli's) are the proof against a real API server.

const ns = "shop-ns"

// shop is the app of these tests: a web Deployment with a Service, a
// worker, and a cache whose volume is a claim.
const shop = `apiVersion: berth/v1
name: shop
services:
  web:
    image: web:1
    ports: [{port: 80}]
  worker:
    image: worker:1
  cache:
    image: cache:1
    volumes: [{name: data, mountPath: /data, size: 1Gi}]
`

func project(t *testing.T, text string) *config.Project {
	t.Helper()
	p, _, err := config.Parse("berth.yaml", []byte(text), config.Options{LookupEnv: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// env is a Deployer on fakes, and what it wrote.
type env struct {
	cluster  *fakeCluster
	locker   *fakeLocker
	store    *release.Store
	d        *deploy.Deployer
	out, log bytes.Buffer
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{cluster: newFakeCluster(), locker: &fakeLocker{}, store: release.NewStoreDriver(driver.NewMemory(), ns)}
	e.d = &deploy.Deployer{Cluster: e.cluster, Locker: e.locker, Records: e.store, Out: &e.out, Log: &e.log}
	return e
}

func options(p *config.Project, cause string) deploy.Options {
	return deploy.Options{
		Project:     p,
		Namespace:   ns,
		RollOptions: deploy.RollOptions{Wait: true, Timeout: time.Minute, Holder: "test"},
		Meta:        deploy.Meta{Cause: cause},
	}
}

// mustDeploy deploys text and forgets what the cluster recorded.
func (e *env) mustDeploy(t *testing.T, text, cause string) *deploy.Outcome {
	t.Helper()
	out, err := e.d.Deploy(t.Context(), options(project(t, text), cause))
	if err != nil {
		t.Fatalf("deploy %q: %v", cause, err)
	}
	e.cluster.Writes()
	return out
}

// history is each revision as VERSION:STATUS:DESCRIPTION.
func (e *env) history(t *testing.T) []string {
	t.Helper()
	h, err := e.store.History(t.Context(), "shop")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range h {
		out = append(out, fmt.Sprintf("%d:%s:%s", r.Release.Version, r.Release.Info.Status, r.Release.Info.Description))
	}
	return out
}

func diff(t *testing.T, what string, want, got any) {
	t.Helper()
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("%s (-want +got):\n%s", what, d)
	}
}

// actions are the results as "REF ACTION".
func actions(rs []kube.Result) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Ref.String()+" "+string(r.Action))
	}
	return out
}

func TestFirstDeploy(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	out, err := e.d.Deploy(t.Context(), options(project(t, shop), "first"))
	if err != nil {
		t.Fatal(err)
	}
	writes := e.cluster.Writes()
	if len(writes) < 5 || writes[0] != "create namespace/"+ns {
		t.Fatalf("writes %q: want the namespace, then the objects", writes)
	}
	for _, w := range writes[1:] {
		if !strings.HasPrefix(w, "apply ") || !strings.HasSuffix(w, " created") {
			t.Errorf("write %q: want only objects created", w)
		}
	}
	if !out.Healthy || out.Revision != 1 || len(out.Results) != len(writes)-1 {
		t.Errorf("outcome %+v", out)
	}
	diff(t, "history", []string{"1:deployed:first"}, e.history(t))
	if !strings.Contains(e.out.String(), "namespace/"+ns+" created\n") || !strings.Contains(e.out.String(), "deployment.apps/web created\n") {
		t.Errorf("output:\n%s", e.out.String())
	}
	if !e.locker.current().released {
		t.Error("the lock was not released")
	}
}

func TestRedeployChangesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	first := e.mustDeploy(t, shop, "first")
	out, err := e.d.Deploy(t.Context(), options(project(t, shop), "again"))
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "writes", []string(nil), e.cluster.Writes())
	for _, r := range out.Results {
		if r.Action != kube.Unchanged {
			t.Errorf("%s %s, want unchanged", r.Ref, r.Action)
		}
	}
	if len(out.Results) != len(first.Results) || len(out.Pruned) != 0 {
		t.Errorf("outcome %+v", out)
	}
	// A cause alone changes no pod template: the workloads keep "first".
	diff(t, "history", []string{"1:superseded:first", "2:deployed:again"}, e.history(t))
}

func TestPruneRemovedService(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.mustDeploy(t, shop, "first")
	without := strings.Replace(shop, "  cache:\n    image: cache:1\n    volumes: [{name: data, mountPath: /data, size: 1Gi}]\n", "", 1)
	out, err := e.d.Deploy(t.Context(), options(project(t, without), "no cache"))
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "pruned", []string{"deployment.apps/cache pruned", "persistentvolumeclaim/cache-data kept"}, actions(out.Pruned))
	diff(t, "writes", []string{"prune deployment.apps/cache"}, e.cluster.Writes())
	if e.cluster.object("PersistentVolumeClaim", "cache-data") == nil {
		t.Error("the claim was deleted")
	}
}

// notReady is a Wait that finds web crash-looping.
func notReady(_ context.Context, refs []kube.Ref) error {
	var p []kube.Progress
	for _, r := range refs {
		if r.Name == "web" {
			p = append(p, kube.Progress{Ref: r, Message: "0/1 ready"})
		}
	}
	return &kube.WaitError{NotReady: p, Err: errors.New("web failed")}
}

// diagnoser finds what a crash-looping web has.
type diagnoser struct{}

func (diagnoser) Diagnose(_ context.Context, p kube.Progress) (string, bool, error) {
	return p.Ref.String() + ": CrashLoopBackOff\n  hint: look at its logs\n", true, nil
}

func TestFailedWait(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.d.Diagnoser = diagnoser{}
	e.cluster.waitFor = notReady
	out, err := e.d.Deploy(t.Context(), options(project(t, shop), "first"))
	var failed *deploy.FailedError
	if !errors.As(err, &failed) {
		t.Fatalf("got %v, want a FailedError", err)
	}
	if failed.Revision != 1 || failed.RolledBack != 0 || !strings.Contains(failed.Diagnosis, "deployment.apps/web: CrashLoopBackOff") {
		t.Errorf("FailedError %+v", failed)
	}
	if out.Healthy || out.Revision != 1 {
		t.Errorf("outcome %+v", out)
	}
	// The description is the diagnosis's headlines, without hints.
	diff(t, "history", []string{"1:failed:deployment.apps/web: CrashLoopBackOff"}, e.history(t))
}

func TestAtomicRollsBack(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.mustDeploy(t, shop, "first")
	e.cluster.waitFor = func(ctx context.Context, refs []kube.Ref) error {
		if img := e.cluster.object("Deployment", "web").Object["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)["containers"].([]any)[0].(map[string]any)["image"]; img == "web:2" {
			return notReady(ctx, refs)
		}
		return nil
	}
	o := options(project(t, strings.Replace(shop, "web:1", "web:2", 1)), "second")
	o.Atomic = true
	out, err := e.d.Deploy(t.Context(), o)
	var failed *deploy.FailedError
	if !errors.As(err, &failed) || failed.RolledBack != 1 {
		t.Fatalf("got %v, want a FailedError rolled back to 1", err)
	}
	if out.RolledBack != 3 {
		t.Errorf("outcome rolled back to %d, want revision 3", out.RolledBack)
	}
	diff(t, "writes", []string{"apply deployment.apps/web configured", "apply deployment.apps/web configured"}, e.cluster.Writes())
	diff(t, "history", []string{"1:superseded:first", "2:failed:deployment.apps/web did not become ready: web failed", "3:deployed:rollback to 1"}, e.history(t))
	if !strings.Contains(e.log.String(), "rolling back to revision 1 (--atomic)") {
		t.Errorf("log:\n%s", e.log.String())
	}
}

// TestInterrupted: a rollout stopped by its context (SIGINT) records the
// revision failed and says where it stopped, although the interruption
// also stopped renewing the lease.
func TestInterrupted(t *testing.T) {
	t.Parallel()
	second := strings.Replace(shop, "  cache:\n    image: cache:1\n    volumes: [{name: data, mountPath: /data, size: 1Gi}]\n", "", 1)
	for _, tc := range []struct {
		at     string
		stage  string
		writes []string
	}{
		{"wait", deploy.StageWait, nil},
		{"ready", deploy.StagePrune, nil},
	} {
		t.Run(tc.at, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.mustDeploy(t, shop, "first")
			ctx, interrupt := context.WithCancel(t.Context())
			defer interrupt()
			e.cluster.before = func(ctx context.Context, op string) error {
				if op != tc.at {
					return nil
				}
				interrupt() // SIGINT
				if op == "ready" {
					return nil // the wait was over
				}
				<-ctx.Done()
				return ctx.Err()
			}
			_, err := e.d.Deploy(ctx, options(project(t, second), "second"))
			var ie *deploy.InterruptedError
			if !errors.As(err, &ie) {
				t.Fatalf("got %v, want an InterruptedError", err)
			}
			if ie.Stage != tc.stage || ie.Revision != 2 || !ie.Recorded || ie.Previous != 1 {
				t.Errorf("InterruptedError %+v", ie)
			}
			diff(t, "writes", tc.writes, e.cluster.Writes())
			h := e.history(t)
			if len(h) != 2 || !strings.HasPrefix(h[1], "2:failed:interrupted: ") {
				t.Errorf("history %q, want revision 2 failed as interrupted", h)
			}
		})
	}
}

func TestUndo(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.mustDeploy(t, shop, "first")
	e.mustDeploy(t, strings.Replace(shop, "web:1", "web:2", 1), "second")
	out, err := e.d.Undo(t.Context(), deploy.UndoOptions{App: "shop", Namespace: ns, RollOptions: deploy.RollOptions{Wait: true, Timeout: time.Minute, Holder: "test"}})
	if err != nil {
		t.Fatal(err)
	}
	if out.RolledBack != 1 || out.Revision != 3 || !out.Healthy {
		t.Errorf("outcome %+v", out)
	}
	diff(t, "writes", []string{"apply deployment.apps/web configured"}, e.cluster.Writes())
	diff(t, "history", []string{"1:superseded:first", "2:superseded:second", "3:deployed:rollback to 1"}, e.history(t))
	if !strings.Contains(e.log.String(), "rolling shop back to revision 1 (first)") {
		t.Errorf("log:\n%s", e.log.String())
	}
}

func TestScale(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.mustDeploy(t, shop, "first")
	p := project(t, shop)
	out, err := e.d.Scale(t.Context(), deploy.ScaleOptions{Project: p, Namespace: ns, Replicas: map[string]int32{"web": 3, "worker": 2}, Wait: true, Timeout: time.Minute, Holder: "test"})
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "writes", []string{"scale deployment.apps/web to 3", "scale deployment.apps/worker to 2"}, e.cluster.Writes())
	if out.Revision != 2 || !out.Healthy || len(out.Scaled) != 2 || out.Scaled[0].From != 1 || out.Scaled[0].To != 3 {
		t.Errorf("outcome %+v", out)
	}
	diff(t, "history", []string{"1:superseded:first", "2:deployed:berth scale web=3 worker=2"}, e.history(t))
	meta, err := e.store.Meta(t.Context(), "shop", 2)
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "scaled", map[string]release.Scale{"web": {Replicas: 3, Config: 1}, "worker": {Replicas: 2, Config: 1}}, meta.Scaled)

	// The next deploy keeps the counts, and says so.
	next, err := e.d.Deploy(t.Context(), options(p, "again"))
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "kept", map[string]release.Scale{"web": {Replicas: 3, Config: 1}, "worker": {Replicas: 2, Config: 1}}, next.Scaled)
	diff(t, "writes", []string(nil), e.cluster.Writes())
	if !strings.Contains(e.log.String(), "web: keeping the 3 replicas berth scale set") {
		t.Errorf("log:\n%s", e.log.String())
	}
}

func TestScaleRefusesAutoscaled(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	text := strings.Replace(shop, "    image: worker:1\n", "    image: worker:1\n    autoscale: {min: 1, max: 4, cpu: 80}\n", 1)
	e.mustDeploy(t, text, "first")
	_, err := e.d.Scale(t.Context(), deploy.ScaleOptions{Project: project(t, text), Namespace: ns, Replicas: map[string]int32{"worker": 3}, Holder: "test"})
	var refused *deploy.AutoscaledError
	if !errors.As(err, &refused) {
		t.Fatalf("got %v, want an AutoscaledError", err)
	}
	diff(t, "writes", []string(nil), e.cluster.Writes())
	diff(t, "history", []string{"1:deployed:first"}, e.history(t))
}

func TestDryRunWritesNothing(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{kube.DryRunClient, kube.DryRunServer} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			o := options(project(t, shop), "first")
			o.DryRun = mode
			out, err := e.d.Deploy(t.Context(), o)
			if err != nil {
				t.Fatal(err)
			}
			diff(t, "writes", []string(nil), e.cluster.Writes())
			diff(t, "history", []string(nil), e.history(t))
			if len(out.Results) == 0 || out.Results[0].DryRun != mode {
				t.Errorf("results %+v", out.Results)
			}
			if e.locker.current() != nil {
				t.Error("a dry run took the lock")
			}
		})
	}
}

func TestRefusedWritesNothing(t *testing.T) {
	t.Parallel()
	refused := &kube.RefusedError{Refusals: []error{errors.New("service/web: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated")}, Total: 1}
	for _, tc := range []struct {
		name   string
		exists bool
		writes []string
	}{
		// A namespace created for the dry run goes again.
		{"new namespace", false, []string{"create namespace/" + ns, "delete namespace/" + ns}},
		{"existing namespace", true, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.cluster.namespaces[ns] = tc.exists
			e.cluster.refuse = refused
			_, err := e.d.Deploy(t.Context(), options(project(t, shop), "first"))
			if !errors.Is(err, refused) {
				t.Fatalf("got %v, want the refusal", err)
			}
			diff(t, "writes", tc.writes, e.cluster.Writes())
			diff(t, "history", []string(nil), e.history(t))
		})
	}
}

func TestUnknownStorageClassWritesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.cluster.storageClasses = []string{"standard", "fast"}
	_, err := e.d.Deploy(t.Context(), options(project(t, strings.Replace(shop, "size: 1Gi}", "size: 1Gi, storageClass: ssd}", 1)), "first"))
	var sce *deploy.StorageClassError
	if !errors.As(err, &sce) {
		t.Fatalf("got %v, want a StorageClassError", err)
	}
	diff(t, "available", []string{"standard", "fast"}, sce.Available)
	diff(t, "writes", []string(nil), e.cluster.Writes())
}

func TestDiff(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.mustDeploy(t, shop, "first")
	diffs, _, err := e.d.Diff(t.Context(), options(project(t, strings.Replace(shop, "web:1", "web:2", 1)), "second"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range diffs {
		got = append(got, d.Ref.String()+" "+d.Change)
	}
	diff(t, "diffs", []string{"deployment.apps/web configured"}, got)
	diff(t, "writes", []string(nil), e.cluster.Writes())
	diff(t, "history", []string{"1:deployed:first"}, e.history(t))
}

// TestDeployAfterScaleRendersOnce: the replica counts berth scale set are
// read before the render, so a deploy after a scale renders once; only a
// new change-cause on workloads whose pod template stays needs a second
// render (the template comparison needs the first).
func TestDeployAfterScaleRendersOnce(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, text, cause string
		scale             bool
		want              int
	}{
		{"first deploy", shop, "first", false, 1},
		{"no scale, same cause", shop, "first", false, 1},
		{"after scale, same cause", shop, "first", true, 1},
		{"after scale, every pod template changes", strings.NewReplacer("web:1", "web:2", "worker:1", "worker:2", "cache:1", "cache:2").Replace(shop), "again", true, 1},
		{"after scale, a new cause on unchanged templates", shop, "again", true, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			if tc.name != "first deploy" {
				e.mustDeploy(t, shop, "first")
			}
			if tc.scale {
				if _, err := e.d.Scale(t.Context(), deploy.ScaleOptions{Project: project(t, shop), Namespace: ns, Replicas: map[string]int32{"web": 3}, Wait: true, Timeout: time.Minute, Holder: "test"}); err != nil {
					t.Fatal(err)
				}
			}
			o := options(project(t, tc.text), tc.cause)
			before := deploy.Renders(e.d)
			out, err := e.d.Deploy(t.Context(), o)
			if err != nil {
				t.Fatal(err)
			}
			if got := deploy.Renders(e.d) - before; got != int64(tc.want) {
				t.Errorf("renders %d, want %d", got, tc.want)
			}
			// And the deploy keeps the scale.
			if tc.scale && out.Scaled["web"].Replicas != 3 {
				t.Errorf("scaled %+v", out.Scaled)
			}
		})
	}
}
