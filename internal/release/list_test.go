package release_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	hrelease "helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage/driver"

	"github.com/berth-dev/berth/internal/release"
)

// TestList lists berth's apps in one namespace and in all of them, newest
// revision only, and leaves out a release Helm installed itself.
func TestList(t *testing.T) {
	t.Parallel()
	mem := driver.NewMemory()
	shop := release.NewStoreDriver(mem, "shop")
	deploy(t, shop, "web", "1", "", metaOf("1"))
	deploy(t, shop, "web", "2", "boom", metaOf("2"))
	deploy(t, shop, "api", "1", "", release.Meta{})
	kitchen := release.NewStoreDriver(mem, "kitchen")
	deploy(t, kitchen, "recipes", "1", "", release.Meta{})
	// A chart Helm installed on its own.
	mem.SetNamespace("kitchen")
	if err := mem.Create("redis.v1", &hrelease.Release{Name: "redis", Namespace: "kitchen", Version: 1, Chart: testChart(nil), Info: &hrelease.Info{Status: hrelease.StatusDeployed}}); err != nil {
		t.Fatal(err)
	}

	all, err := release.NewStoreDriver(mem, "").List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := []release.Summary{
		{App: "recipes", Namespace: "kitchen", Revision: 1, Status: "deployed", Manifest: configMap("recipes", "1")},
		{App: "api", Namespace: "shop", Revision: 1, Status: "deployed", Manifest: configMap("api", "1")},
		{App: "web", Namespace: "shop", Revision: 2, Status: "failed", Manifest: configMap("web", "2")},
	}
	if diff := cmp.Diff(want, all, cmpopts.IgnoreFields(release.Summary{}, "Updated")); diff != "" {
		t.Errorf("List of all namespaces (-want +got):\n%s", diff)
	}
	apps, err := release.NewStoreDriver(mem, "shop").Apps(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"api", "web"}, apps); diff != "" {
		t.Errorf("Apps of shop (-want +got):\n%s", diff)
	}
}
