package deploy_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/kube"
)

// fakeRemover is a ChartRemover recording its calls: the charts' releases
// hold claims; Uninstall removes removed, then fails with err.
type fakeRemover struct {
	claims  []kube.Ref
	removed []string
	err     error
	calls   []string
}

func (r *fakeRemover) ClaimRefs(_ map[string]*config.Chart, namespace string) ([]kube.Ref, error) {
	r.calls = append(r.calls, "claims "+namespace)
	return r.claims, nil
}

func (r *fakeRemover) Uninstall(_ context.Context, _ map[string]*config.Chart, namespace string) ([]string, error) {
	r.calls = append(r.calls, "uninstall "+namespace)
	return r.removed, r.err
}

var _ deploy.ChartRemover = (*fakeRemover)(nil)

func claimRef(name string) kube.Ref {
	return kube.Ref{Version: "v1", Kind: "PersistentVolumeClaim", Namespace: ns, Name: name}
}

// TestChartsDown: berth down keeps the charts unless --charts; with it,
// claims the releases hold are refused without --volumes before anything
// is deleted, and handed to the delete with it; the charts go after the
// app, each with a line.
func TestChartsDown(t *testing.T) {
	t.Parallel()
	two := map[string]*config.Chart{"redis": {Chart: "redis"}, "ingress": {Chart: "ingress-nginx"}}
	for _, c := range []struct {
		name               string
		charts             map[string]*config.Chart
		uninstall, volumes bool
		remover            fakeRemover
		deleteErr          error
		// want* are the calls made, the claims the delete got, the log and
		// the error's text.
		wantCalls  []string
		wantAlso   []kube.Ref
		wantLog    string
		wantErr    string
		wantClaims []string
	}{
		{name: "kept", charts: two,
			wantCalls: []string{"delete"}, wantLog: "charts ingress, redis kept (--charts uninstalls them)\n"},
		{name: "no charts", uninstall: true, wantCalls: []string{"delete"}},
		{name: "uninstalled", charts: two, uninstall: true, remover: fakeRemover{removed: []string{"ingress", "redis"}},
			wantCalls: []string{"claims " + ns, "delete", "uninstall " + ns},
			wantLog:   "chart ingress: uninstalled\nchart redis: uninstalled\n"},
		{name: "claims refused", charts: two, uninstall: true, remover: fakeRemover{claims: []kube.Ref{claimRef("redis-data")}},
			wantCalls: []string{"claims " + ns}, wantClaims: []string{"persistentvolumeclaim/redis-data"},
			wantErr: "nothing was changed: --charts uninstalls charts whose releases hold claims, and helm uninstall deletes them with the data of their volumes:\n  - persistentvolumeclaim/redis-data: not bound to a volume"},
		{name: "claims with volumes", charts: two, uninstall: true, volumes: true, remover: fakeRemover{claims: []kube.Ref{claimRef("redis-data")}, removed: []string{"ingress", "redis"}},
			wantCalls: []string{"claims " + ns, "delete", "uninstall " + ns}, wantAlso: []kube.Ref{claimRef("redis-data")},
			wantLog: "chart ingress: uninstalled\nchart redis: uninstalled\n"},
		{name: "delete fails", charts: two, uninstall: true, deleteErr: errors.New("not deleted"),
			wantCalls: []string{"claims " + ns, "delete"}, wantErr: "not deleted"},
		{name: "kept, delete fails", charts: two, deleteErr: errors.New("not deleted"),
			wantCalls: []string{"delete"}, wantErr: "not deleted"},
		{name: "uninstall fails", charts: two, uninstall: true, remover: fakeRemover{removed: []string{"ingress"}, err: errors.New("uninstalling chart redis: boom")},
			wantCalls: []string{"claims " + ns, "delete", "uninstall " + ns},
			wantLog:   "chart ingress: uninstalled\n", wantErr: "uninstalling chart redis: boom"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var log strings.Builder
			r := c.remover
			d := deploy.ChartsDown{Charts: c.charts, Uninstall: c.uninstall, Volumes: c.volumes, Log: &log}
			if d.Uninstalls() {
				d.Namespace, d.Remover, d.Claims = ns, &r, newFakeCluster()
			}
			var also []kube.Ref
			err := d.Run(t.Context(), func(_ context.Context, alsoClaims []kube.Ref) error {
				r.calls = append(r.calls, "delete")
				also = alsoClaims
				return c.deleteErr
			})
			diff(t, "calls", c.wantCalls, r.calls)
			diff(t, "alsoClaims", c.wantAlso, also)
			diff(t, "log", c.wantLog, log.String())
			diff(t, "error", c.wantErr, fmt.Sprint(errOrEmpty(err)))
			var ce *deploy.ChartClaimsError
			if errors.As(err, &ce) {
				diff(t, "claims", c.wantClaims, claimNames(ce.Claims))
			} else if c.wantClaims != nil {
				t.Errorf("error %v, want a *ChartClaimsError", err)
			}
		})
	}
}

func errOrEmpty(err error) any {
	if err == nil {
		return ""
	}
	return err.Error()
}

// TestChartClaimsError: the refusal lists each claim on its line, as
// PrintClaims does, and says how to go on.
func TestChartClaimsError(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name   string
		claims []kube.Claim
		want   string
	}{
		{"one", []kube.Claim{{Ref: claimRef("redis-data"), Size: "1Gi", StorageClass: "standard", Volume: "pvc-1", ReclaimPolicy: "Delete"}},
			"nothing was changed: --charts uninstalls charts whose releases hold claims, and helm uninstall deletes them with the data of their volumes:\n" +
				"  - persistentvolumeclaim/redis-data (1Gi, class standard): bound to persistentvolume/pvc-1, reclaim policy Delete: the volume and its data are deleted too"},
		{"two", []kube.Claim{{Ref: claimRef("a")}, {Ref: claimRef("b"), Size: "2Gi"}},
			"nothing was changed: --charts uninstalls charts whose releases hold claims, and helm uninstall deletes them with the data of their volumes:\n" +
				"  - persistentvolumeclaim/a: not bound to a volume\n  - persistentvolumeclaim/b (2Gi): not bound to a volume"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := &deploy.ChartClaimsError{Claims: c.claims}
			diff(t, "Error", c.want, e.Error())
			diff(t, "Hint", "add --volumes to delete them too (listed and confirmed first), or leave out --charts to keep the charts and their data", e.Hint())
		})
	}
}
