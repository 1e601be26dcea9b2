package deploy_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/storage/driver"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/kube"
	"github.com/berth-dev/berth/internal/release"
)

const recordedWorkloads = `---
# Source: app/templates/workloads.yaml
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
  labels: {app.kubernetes.io/component: db}
---
# Source: app/templates/workloads.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: recipe-api
  labels: {app.kubernetes.io/component: recipe-api}
`

// TestRecordedWorkload finds a service's workload in the newest revision,
// and says what is there when it is not.
func TestRecordedWorkload(t *testing.T) {
	t.Parallel()
	s := release.NewStoreDriver(driver.NewMemory(), "kitchen")
	if _, err := deploy.RecordedWorkload(t.Context(), s, "recipes", "kitchen", "db"); !errors.As(err, new(*deploy.NotDeployedError)) {
		t.Fatalf("no revision: %v", err)
	}
	ch := &chart.Chart{Metadata: &chart.Metadata{APIVersion: chart.APIVersionV2, Name: "recipes", Version: "0.1.0", Type: "application"}}
	if _, err := s.Begin(t.Context(), "recipes", ch, nil, recordedWorkloads, release.Meta{}); err != nil {
		t.Fatal(err)
	}
	ref, err := deploy.RecordedWorkload(t.Context(), s, "recipes", "kitchen", "db")
	if want := (kube.Ref{Group: "apps", Version: "v1", Kind: "StatefulSet", Namespace: "kitchen", Name: "db"}); err != nil || ref != want {
		t.Errorf("db = %v, %v; want %v", ref, err, want)
	}
	_, err = deploy.RecordedWorkload(t.Context(), s, "recipes", "kitchen", "recipe-ap")
	var unknown *config.UnknownServiceError
	if !errors.As(err, &unknown) || err.Error() != `revision 1 of app recipes has no service "recipe-ap" (did you mean "recipe-api"?); its services: db, recipe-api` {
		t.Errorf("unknown service: %v", err)
	}
}

// TestNotDeployedListsApps: the error names the apps berth manages in the
// namespace when the records can list them, and says so when there are
// none.
func TestNotDeployedListsApps(t *testing.T) {
	t.Parallel()
	s := release.NewStoreDriver(driver.NewMemory(), "kitchen")
	if err := deploy.NotDeployed(t.Context(), s, "recipe", "kitchen"); err.Error() != `no app "recipe" in namespace "kitchen"; berth manages no apps there` {
		t.Errorf("no apps: %v", err)
	}
	ch := &chart.Chart{Metadata: &chart.Metadata{APIVersion: chart.APIVersionV2, Name: "recipes", Version: "0.1.0", Type: "application"}}
	for _, app := range []string{"shop", "recipes"} {
		if _, err := s.Begin(t.Context(), app, ch, nil, recordedWorkloads, release.Meta{}); err != nil {
			t.Fatal(err)
		}
	}
	err := deploy.NotDeployed(t.Context(), s, "recipe", "kitchen")
	if err.Error() != `no app "recipe" in namespace "kitchen"; apps here: recipes, shop` {
		t.Errorf("two apps: %v", err)
	}
	if !strings.Contains(err.Hint(), "name one of them") {
		t.Errorf("hint: %s", err.Hint())
	}
	// Records that cannot list apps: the plain message.
	if err := deploy.NotDeployed(t.Context(), historyOnly{s}, "recipe", "kitchen"); err.Error() != "recipe has no revisions in namespace kitchen" {
		t.Errorf("no lister: %v", err)
	}
}

// historyOnly hides everything but History.
type historyOnly struct{ h deploy.History }

func (h historyOnly) History(ctx context.Context, app string) ([]release.Revision, error) {
	return h.h.History(ctx, app)
}
