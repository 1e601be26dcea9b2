package rollout_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/storage/driver"

	"github.com/berth-dev/berth/internal/release"
	"github.com/berth-dev/berth/internal/rollout"
)

const twoServices = `---
# Source: app/templates/workloads.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: recipe-api
  labels: {app.kubernetes.io/component: recipe-api}
spec:
  template:
    spec:
      initContainers: [{name: migrate, image: registry.example/migrate:1}]
      containers: [{name: recipe-api, image: registry.example/recipe-api:2}]
---
# Source: app/templates/workloads.yaml
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
  labels: {app.kubernetes.io/component: db}
spec:
  template:
    spec:
      containers: [{name: db, image: postgres:17}]
`

// TestApps: berth list's images are those of the newest revision's
// workloads, by service.
func TestApps(t *testing.T) {
	t.Parallel()
	s := release.NewStoreDriver(driver.NewMemory(), "kitchen")
	ch := &chart.Chart{Metadata: &chart.Metadata{APIVersion: chart.APIVersionV2, Name: "recipes", Version: "0.1.0", Type: "application"}}
	if _, err := s.Begin(t.Context(), "recipes", ch, nil, twoServices, release.Meta{}); err != nil {
		t.Fatal(err)
	}
	apps, err := rollout.Apps(t.Context(), s)
	if err != nil {
		t.Fatal(err)
	}
	if len(apps) != 1 || apps[0].Status != "pending-install" {
		t.Fatalf("apps: %+v", apps)
	}
	want := map[string]string{"recipe-api": "registry.example/recipe-api:2", "db": "postgres:17"}
	if diff := cmp.Diff(want, apps[0].Images); diff != "" {
		t.Errorf("images (-want +got):\n%s", diff)
	}
}
