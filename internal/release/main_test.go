package release_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/chart"
	"k8s.io/client-go/kubernetes"

	"github.com/berth-dev/berth/internal/release"
	"github.com/berth-dev/berth/internal/testcluster"
)

var cluster *testcluster.Cluster

func TestMain(m *testing.M) { os.Exit(testcluster.Main(m, &cluster)) }

// setup returns a client on the sandbox, a fresh namespace and a Store in it.
func setup(t *testing.T) (kubernetes.Interface, string, *release.Store) {
	t.Helper()
	c := testcluster.Require(t, cluster)
	ns := c.Namespace(t)
	cs := c.Clientset(t)
	return cs, ns, release.NewStore(cs, ns)
}

// lock acquires the deploy lock of app for the rest of the test.
func lock(t *testing.T, cs kubernetes.Interface, ns, app string) *release.Lock {
	t.Helper()
	l, err := release.Acquire(t.Context(), cs, ns, app, "test "+t.Name(), 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := l.Release(ctx); err != nil {
			t.Errorf("release lock: %v", err)
		}
	})
	return l
}

const configMapTemplate = `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}
data:
  v: {{ .Values.v | quote }}
`

// testChart is a small chart like berth's: one ConfigMap whose data comes
// from the values, which are also the chart's default values.
func testChart(values map[string]any) *chart.Chart {
	return &chart.Chart{
		Metadata:  &chart.Metadata{APIVersion: chart.APIVersionV2, Name: "app", Version: "0.1.0", AppVersion: "1.2.3", Type: "application"},
		Templates: []*chart.File{{Name: "templates/configmap.yaml", Data: []byte(configMapTemplate)}},
		Values:    values,
	}
}

// configMap is the manifest testChart renders for app with data v, plus
// extra ConfigMaps named app-EXTRA.
func configMap(app, v string, extra ...string) string {
	m := fmt.Sprintf("---\n# Source: app/templates/configmap.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\ndata:\n  v: %q\n", app, v)
	for _, e := range extra {
		m += fmt.Sprintf("---\n# Source: app/templates/extra.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s-%s\ndata:\n  v: %q\n", app, e, v)
	}
	return m
}

// values are the values of revision v, as testChart takes them.
func values(v string) map[string]any {
	return map[string]any{"v": v, "replicas": 2, "images": map[string]any{"web": "registry.example/web:" + v}}
}

// jsonish returns v as encoding/json decodes it (numbers become float64),
// to compare values that went through Helm's storage.
func jsonish(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// deploy records one revision of app the way berth's deploy does: Begin,
// then Succeed when ok, Fail with reason otherwise, nothing when reason is
// "pending" (a berth killed mid-deploy).
func deploy(t *testing.T, s *release.Store, app, v, reason string, meta release.Meta) int {
	t.Helper()
	ctx := t.Context()
	rel, err := s.Begin(ctx, app, testChart(values(v)), values(v), configMap(app, v), meta)
	if err != nil {
		t.Fatal(err)
	}
	switch reason {
	case "":
		err = s.Succeed(ctx, rel)
	case "pending":
	default:
		err = s.Fail(ctx, rel, reason)
	}
	if err != nil {
		t.Fatal(err)
	}
	return rel.Version
}
