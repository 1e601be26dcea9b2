package render_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-dev/berth/internal/render"
)

// TestManifestRoundTrip parses every example's rendered manifest back, as
// a release record holds it: the text is byte for byte the same and the
// objects are those Render made, in the same order.
func TestManifestRoundTrip(t *testing.T) {
	for _, file := range examples(t) {
		t.Run(exampleName(file), func(t *testing.T) {
			t.Parallel()
			_, r := renderFile(t, file, "", true)
			rendered := r.Parsed()
			if got := rendered.String(); got != string(r.Manifest) {
				t.Fatalf("Parsed().String() is not Result.Manifest (-want +got):\n%s", cmp.Diff(string(r.Manifest), got))
			}
			if diff := cmp.Diff(r.Objects, rendered.Objects()); diff != "" {
				t.Errorf("Parsed().Objects() differ from Result.Objects (-want +got):\n%s", diff)
			}
			parsed := render.ParseManifest(rendered.String())
			if got := string(parsed.Bytes()); got != string(r.Manifest) {
				t.Errorf("ParseManifest(m).Bytes() changed the text (-want +got):\n%s", cmp.Diff(string(r.Manifest), got))
			}
			if diff := cmp.Diff(r.Objects, parsed.Objects()); diff != "" {
				t.Errorf("ParseManifest(m).Objects() (-render +parsed):\n%s", diff)
			}
		})
	}
}

func TestParseManifest(t *testing.T) {
	t.Parallel()
	const text = `---
# Source: app/templates/only-comments.yaml
# nothing rendered here
---
# Source: app/templates/service.yaml
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
---
# Source: app/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: "quoted"
`
	m := render.ParseManifest(text)
	if m.String() != text || string(m.Bytes()) != text {
		t.Errorf("text not kept: %q", m.String())
	}
	type row struct{ Source, APIVersion, Kind, Name, Namespace string }
	var got []row
	for _, o := range m.Objects() {
		got = append(got, row{o.Source, o.APIVersion, o.Kind, o.Name, o.Namespace})
	}
	want := []row{
		{"app/templates/service.yaml", "v1", "Service", "web", "shop"},
		{"app/templates/deployment.yaml", "apps/v1", "Deployment", "web", ""},
		{"", "v1", "ConfigMap", "quoted", ""},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("objects (-want +got):\n%s", diff)
	}
	if o := m.Objects()[0]; string(o.YAML) != "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: shop" {
		t.Errorf("first object's YAML %q", o.YAML)
	}
}

func TestManifestEmpty(t *testing.T) {
	t.Parallel()
	for name, m := range map[string]*render.Manifest{"nil": nil, "zero": {}, "blank": render.ParseManifest("")} {
		if m.String() != "" || len(m.Bytes()) != 0 || len(m.Objects()) != 0 {
			t.Errorf("%s: %q, %d objects", name, m.String(), len(m.Objects()))
		}
	}
}
