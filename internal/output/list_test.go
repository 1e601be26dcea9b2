package output_test

import (
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/output"
	"github.com/berth-dev/berth/internal/release"
)

func TestAppTable(t *testing.T) {
	t.Parallel()
	apps := []release.Summary{
		{App: "recipes", Namespace: "kitchen", Revision: 3, Status: "deployed", Updated: at(9, 0, 0),
			Images: map[string]string{"recipe-api": "registry.example/recipe-api:v2", "db": "postgres@sha256:" + strings.Repeat("ab", 32)}},
		{App: "shop", Namespace: "shop", Revision: 12, Status: "failed", Updated: at(10, 4, 5)},
	}
	var b strings.Builder
	if err := output.AppTable(&b, apps, at(10, 7, 5)); err != nil {
		t.Fatal(err)
	}
	golden(t, "app-table", b.String())
	if l := output.NewAppList(nil); l.Apps == nil || l.Kind != "AppList" || l.APIVersion != output.APIVersion {
		t.Errorf("NewAppList(nil) = %+v", l)
	}
}
