package release_test

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"helm.sh/helm/v3/pkg/chart"

	"github.com/berth-dev/berth/internal/release"
	"github.com/berth-dev/berth/internal/testutil"
)

const secretManifest = `---
# Source: app/templates/configmap.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: web
data:
  v: "1"
---
# Source: app/templates/secret.yaml
apiVersion: v1
kind: Secret
metadata:
  name: "db"
  annotations:
    checksum.berth.dev/data: "abc"
type: Opaque
data:
  "password": "cGxhbnRlZC1yZWNvcmQtc2VjcmV0"
stringData:
  token: planted-record-secret
`

func TestRedactManifest(t *testing.T) {
	got, err := release.RedactManifest(secretManifest)
	if err != nil {
		t.Fatal(err)
	}
	want := `---
# Source: app/templates/configmap.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: web
data:
  v: "1"
---
# Source: app/templates/secret.yaml
apiVersion: v1
kind: Secret
metadata:
  annotations:
    checksum.berth.dev/data: abc
  name: db
type: Opaque
`
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("RedactManifest (-want +got):\n%s", diff)
	}
	values := map[string]any{"v": "1", "secrets": map[string]any{"db": map[string]any{"data": map[string]any{"password": "planted"}, "checksum": "abc"}}}
	red := release.RedactValues(values)
	if diff := cmp.Diff(map[string]any{"v": "1", "secrets": map[string]any{"db": map[string]any{"data": map[string]any{"password": ""}, "checksum": "abc"}}}, red); diff != "" {
		t.Errorf("RedactValues (-want +got):\n%s", diff)
	}
	if values["secrets"].(map[string]any)["db"].(map[string]any)["data"].(map[string]any)["password"] != "planted" {
		t.Error("RedactValues changed its argument")
	}
}

// TestRecordHasNoSecretValues: what Begin stores (the Helm release Secret,
// decoded) holds neither the manifest's Secret data nor the values'.
func TestRecordHasNoSecretValues(t *testing.T) {
	t.Parallel()
	cs, ns, s := setup(t)
	const app = "web"
	lock(t, cs, ns, app)
	const planted = "planted-record-secret"
	vals := map[string]any{"v": "1", "secrets": map[string]any{"db": map[string]any{"data": map[string]any{"password": planted}}}}
	ch := &chart.Chart{
		Metadata:  &chart.Metadata{APIVersion: chart.APIVersionV2, Name: "app", Version: "0.1.0"},
		Templates: []*chart.File{{Name: "templates/configmap.yaml", Data: []byte(configMapTemplate)}},
		Values:    vals,
	}
	rel, err := s.Begin(t.Context(), app, ch, vals, secretManifest, release.Meta{Cause: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Succeed(t.Context(), rel); err != nil {
		t.Fatal(err)
	}
	for _, rec := range testutil.ReleaseRecords(t, cs, ns, app) {
		for _, leak := range []string{planted, base64.StdEncoding.EncodeToString([]byte(planted))} {
			if strings.Contains(rec, leak) {
				t.Errorf("the record holds %q:\n%s", leak, rec)
			}
		}
		if !strings.Contains(rec, "checksum.berth.dev/data") || !strings.Contains(rec, `\"password\":\"\"`) && !strings.Contains(rec, `"password":""`) {
			t.Errorf("the record lost the checksum or the keys:\n%s", rec)
		}
	}
	if vals["secrets"].(map[string]any)["db"].(map[string]any)["data"].(map[string]any)["password"] != planted {
		t.Error("Begin changed the caller's values")
	}
}
