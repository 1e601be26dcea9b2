package deploy_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/kube"
	"github.com/berth-dev/berth/internal/render"
)

// rendered are the objects text renders now, as berth delete passes them.
func rendered(t *testing.T, text string) []render.Object {
	t.Helper()
	res, err := render.Render(project(t, text), render.Options{Namespace: ns})
	if err != nil {
		t.Fatal(err)
	}
	return res.Objects
}

// deleteOptions delete shop, recording the plan that Confirm approves.
func deleteOptions(plans *[]deploy.DeletePlan) deploy.DeleteOptions {
	return deploy.DeleteOptions{App: "shop", Namespace: ns, Confirm: func(_ context.Context, p deploy.DeletePlan) error {
		*plans = append(*plans, p)
		return nil
	}}
}

// refNames are refs as kind/name.
func refNames(refs []kube.Ref) []string {
	var out []string
	for _, r := range refs {
		out = append(out, r.String())
	}
	return out
}

// claimNames are the claims' refs as kind/name.
func claimNames(claims []kube.Claim) []string {
	var out []string
	for _, cl := range claims {
		out = append(out, cl.Ref.String())
	}
	return out
}

// withAPI is shop with one more service, not deployed yet.
const withAPI = shop + "  api:\n    image: api:1\n"

func TestDeleteRecordAndRender(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.mustDeploy(t, shop, "first")
	e.out.Reset()
	var plans []deploy.DeletePlan
	o := deleteOptions(&plans)
	o.Rendered = rendered(t, withAPI)
	out, err := e.d.Delete(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	if len(plans) != 1 {
		t.Fatalf("Confirm called %d times, want once", len(plans))
	}
	// The record's objects, then what only the render has; each once.
	diff(t, "plan", []string{"persistentvolumeclaim/cache-data", "service/web", "deployment.apps/cache", "deployment.apps/web", "deployment.apps/worker", "deployment.apps/api"}, refNames(plans[0].Refs))
	diff(t, "claims", []string(nil), claimNames(plans[0].Claims))
	diff(t, "writes", []string{"prune deployment.apps/api", "prune deployment.apps/worker", "prune deployment.apps/web", "prune deployment.apps/cache", "prune service/web"}, e.cluster.Writes())
	diff(t, "results", []string{"deployment.apps/api pruned", "deployment.apps/worker pruned", "deployment.apps/web pruned", "deployment.apps/cache pruned", "service/web pruned", "persistentvolumeclaim/cache-data kept"}, actions(out.Results))
	if e.cluster.object("PersistentVolumeClaim", "cache-data") == nil {
		t.Error("the claim was deleted without Volumes")
	}
	diff(t, "revisions deleted", []int{1}, out.Revisions)
	diff(t, "history", []string(nil), e.history(t))
	if out.Nothing {
		t.Error("Nothing set")
	}
	if e.out.Len() != 0 || e.log.Len() != 0 {
		t.Errorf("the Deployer wrote %q, %q: the caller prints a delete", e.out.String(), e.log.String())
	}
}

func TestDeleteVolumes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.mustDeploy(t, shop, "first")
	// Deploying without the cache keeps its claim: no revision names it.
	without := strings.Replace(shop, "  cache:\n    image: cache:1\n    volumes: [{name: data, mountPath: /data, size: 1Gi}]\n", "", 1)
	e.mustDeploy(t, without, "no cache")
	var plans []deploy.DeletePlan
	o := deleteOptions(&plans)
	o.Volumes = true
	o.AlsoClaims = []kube.Ref{{Version: "v1", Kind: "PersistentVolumeClaim", Namespace: ns, Name: "chart-data"}}
	out, err := e.d.Delete(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	if len(plans) != 1 {
		t.Fatalf("Confirm called %d times, want once", len(plans))
	}
	diff(t, "plan", []string{"service/web", "deployment.apps/web", "deployment.apps/worker", "persistentvolumeclaim/cache-data"}, refNames(plans[0].Refs))
	// The chart's claim is listed with the app's; helm uninstall deletes it.
	diff(t, "claims", []string{"persistentvolumeclaim/cache-data", "persistentvolumeclaim/chart-data"}, claimNames(plans[0].Claims))
	diff(t, "writes", []string{"prune persistentvolumeclaim/cache-data", "prune deployment.apps/worker", "prune deployment.apps/web", "prune service/web"}, e.cluster.Writes())
	diff(t, "results", []string{"persistentvolumeclaim/cache-data pruned", "deployment.apps/worker pruned", "deployment.apps/web pruned", "service/web pruned"}, actions(out.Results))
	diff(t, "history", []string(nil), e.history(t))
}

func TestDeleteKeepHistory(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.mustDeploy(t, shop, "first")
	var plans []deploy.DeletePlan
	o := deleteOptions(&plans)
	o.KeepHistory = true
	out, err := e.d.Delete(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Results) != 5 || len(out.Revisions) != 0 {
		t.Errorf("outcome %+v", out)
	}
	diff(t, "history", []string{"1:deployed:first"}, e.history(t))
}

func TestDeleteNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var plans []deploy.DeletePlan
	o := deleteOptions(&plans)
	o.Volumes = true
	out, err := e.d.Delete(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	if !out.Nothing || len(out.Results) != 0 {
		t.Errorf("outcome %+v, want nothing", out)
	}
	if len(plans) != 0 {
		t.Errorf("Confirm asked about %+v", plans)
	}
	diff(t, "writes", []string(nil), e.cluster.Writes())
}

func TestDeleteRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.mustDeploy(t, shop, "first")
	no := errors.New("not deleted")
	o := deploy.DeleteOptions{App: "shop", Namespace: ns, Volumes: true, Confirm: func(context.Context, deploy.DeletePlan) error { return no }}
	out, err := e.d.Delete(t.Context(), o)
	if !errors.Is(err, no) || out != nil {
		t.Fatalf("Delete = %+v, %v; want the refusal", out, err)
	}
	diff(t, "writes", []string(nil), e.cluster.Writes())
	diff(t, "history", []string{"1:deployed:first"}, e.history(t))
}

func TestDeleteWithoutConfirmRefusesClaims(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.mustDeploy(t, shop, "first")
	_, err := e.d.Delete(t.Context(), deploy.DeleteOptions{App: "shop", Namespace: ns, Volumes: true})
	var vd *deploy.VolumeDeletionError
	if !errors.As(err, &vd) || vd.Flag != "--volumes" || len(vd.Claims) != 1 {
		t.Fatalf("err %v, want a VolumeDeletionError for --volumes naming the claim", err)
	}
	diff(t, "writes", []string(nil), e.cluster.Writes())
	// Without Volumes there is nothing to confirm: the objects go.
	out, err := e.d.Delete(t.Context(), deploy.DeleteOptions{App: "shop", Namespace: ns})
	if err != nil || len(out.Results) != 5 {
		t.Fatalf("Delete = %+v, %v", out, err)
	}
}

func TestDeletePruneError(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.mustDeploy(t, shop, "first")
	prunes := 0
	e.cluster.before = func(_ context.Context, op string) error {
		if op == "prune" {
			if prunes++; prunes == 3 {
				return errors.New("connection refused")
			}
		}
		return nil
	}
	var plans []deploy.DeletePlan
	out, err := e.d.Delete(t.Context(), deleteOptions(&plans))
	if err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("err %v, want the prune's", err)
	}
	if out == nil {
		t.Fatal("no outcome with the prune error")
	}
	diff(t, "results so far", []string{"deployment.apps/worker pruned", "deployment.apps/web pruned"}, actions(out.Results))
	// The history stays: the objects are not all gone.
	diff(t, "history", []string{"1:deployed:first"}, e.history(t))
}

// TestDeleteTakesTheLock: a delete holds the app's deploy lock throughout
// and refuses, deleting nothing, while another berth holds it.
func TestDeleteTakesTheLock(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.mustDeploy(t, shop, "first")
	held, err := e.locker.Lock(t.Context(), ns, "shop", "a deploy", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	var plans []deploy.DeletePlan
	if _, err := e.d.Delete(t.Context(), deleteOptions(&plans)); err == nil || len(plans) != 0 || len(e.cluster.Writes()) != 0 {
		t.Fatalf("delete while locked: %v, %d plans, writes %q", err, len(plans), e.cluster.Writes())
	}
	if err := held.Release(t.Context()); err != nil {
		t.Fatal(err)
	}
	taken := e.locker.taken
	o := deleteOptions(&plans)
	o.Confirm = func(_ context.Context, p deploy.DeletePlan) error {
		if l := e.locker.current(); l == nil || l.released || e.locker.taken != taken+1 {
			t.Error("Confirm ran without the lock held")
		}
		plans = append(plans, p)
		return nil
	}
	if _, err := e.d.Delete(t.Context(), o); err != nil || len(plans) != 1 {
		t.Fatalf("delete: %v, %d plans", err, len(plans))
	}
	if !e.locker.current().released {
		t.Error("the lock was not released after the delete")
	}
}
