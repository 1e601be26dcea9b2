package status_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/storage/driver"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/berth-dev/berth/internal/release"
	"github.com/berth-dev/berth/internal/status"
)

// recordedManifest is a revision's manifest: a Deployment with an
// Ingress, a StatefulSet, and objects that are not workloads.
const recordedManifest = `---
# Source: app/templates/workloads.yaml
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
  labels:
    app.kubernetes.io/component: db
---
# Source: app/templates/workloads.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app.kubernetes.io/component: web
---
# Source: app/templates/services.yaml
apiVersion: v1
kind: Service
metadata:
  name: web
---
# Source: app/templates/ingress.yaml
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
`

// TestReadApp reads an app's live state without berth.yaml: the services
// come from the newest revision's manifest.
func TestReadApp(t *testing.T) {
	t.Parallel()
	s := release.NewStoreDriver(driver.NewMemory(), ns)
	ch := &chart.Chart{Metadata: &chart.Metadata{APIVersion: chart.APIVersionV2, Name: "shop", Version: "0.1.0", Type: "application"}}
	rel, err := s.Begin(t.Context(), "shop", ch, nil, recordedManifest, release.Meta{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Succeed(t.Context(), rel); err != nil {
		t.Fatal(err)
	}
	objects := fake.NewClientset(
		deployment("web", 3),
		statefulSet("db"),
		service("web", corev1.ServiceTypeClusterIP, "10.0.0.1", 0),
		ingress("web", nil, "shop.example.org"),
	)
	got, err := (&status.Reader{Client: objects, Records: s}).ReadApp(t.Context(), "shop", ns)
	if err != nil {
		t.Fatal(err)
	}
	want := &status.App{Kind: status.Kind, App: "shop", Namespace: ns, Revision: 1, Status: "deployed", Healthy: true, Services: []status.Service{
		{Name: "db", Kind: "StatefulSet", Desired: 1, Ready: 1, Updated: 1, Images: []string{}, Endpoints: []string{}, Healthy: true},
		{Name: "web", Kind: "Deployment", Desired: 3, Ready: 3, Updated: 3, Images: []string{}, Endpoints: []string{"10.0.0.1:80", "ingress shop.example.org/"}, Healthy: true},
	}}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(status.App{}, "Updated")); diff != "" {
		t.Errorf("ReadApp (-want +got):\n%s", diff)
	}
}
