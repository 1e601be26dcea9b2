package render

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/releaseutil"

	"github.com/berth-dev/berth/internal/config"
)

// TestSortMatchesHelm checks berth's fast sorter against Helm's own.
func TestSortMatchesHelm(t *testing.T) {
	t.Parallel()
	replicas := int32(3)
	p := &config.Project{Name: "app", Services: map[string]*config.Service{
		"web":   {Image: "nginx:1", Ports: []config.Port{{Name: "http", Port: 80}}, Ingress: &config.Ingress{Host: "a.example.org"}, Autoscale: &config.Autoscale{Min: 1, Max: 3, CPU: 50}},
		"db":    {Image: "postgres:16", Stateful: true, Replicas: &replicas, Ports: []config.Port{{Port: 5432}}, Volumes: []config.Volume{{Name: "data", MountPath: "/data", Size: "1Gi"}}},
		"cache": {Image: "redis:7", Volumes: []config.Volume{{Name: "data", MountPath: "/data", Size: "1Gi"}}, Expose: config.ExposeHeadless, Ports: []config.Port{{Port: 6379}}},
	}, Secrets: map[string]map[string]string{"a": {"k": "v"}, "b": {"k": "v"}},
		StorageClasses: map[string]*config.StorageClass{"fast": {Provisioner: "x"}}}
	vals, err := buildValues(p, map[string]string{"web": "nginx:1", "db": "postgres:16", "cache": "redis:7"}, false, Options{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := toMap(vals)
	if err != nil {
		t.Fatal(err)
	}
	ch, err := LoadChart(p.Name, nil)
	if err != nil {
		t.Fatal(err)
	}
	ch.Values = m
	rv, err := chartutil.ToRenderValues(ch, map[string]any{}, chartutil.ReleaseOptions{Name: "app", Namespace: "ns"}, chartutil.DefaultCapabilities)
	if err != nil {
		t.Fatal(err)
	}
	var e engine.Engine
	files, err := e.Render(ch, rv)
	if err != nil {
		t.Fatal(err)
	}
	_, helmSorted, err := releaseutil.SortManifests(files, nil, releaseutil.InstallOrder)
	if err != nil {
		t.Fatal(err)
	}
	type row struct{ Source, Kind, Name, Content string }
	var want, got []row
	for _, m := range helmSorted {
		want = append(want, row{m.Name, m.Head.Kind, m.Head.Metadata.Name, m.Content})
	}
	for _, o := range sortManifests(files) {
		got = append(got, row{o.Source, o.Kind, o.Name, string(o.YAML)})
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("order differs from Helm's (-helm +berth):\n%s", diff)
	}
	if len(got) < 12 {
		t.Errorf("only %d objects rendered", len(got))
	}
}

func TestSplitRoundTrip(t *testing.T) {
	t.Parallel()
	replicas := int32(2)
	p := &config.Project{Name: "app", Services: map[string]*config.Service{
		"web": {Image: "nginx:1", Replicas: &replicas, Ports: []config.Port{{Name: "http", Port: 80}}},
	}}
	r, err := Render(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := ParseManifest(string(r.Manifest)).Objects()
	type row struct{ Source, APIVersion, Kind, Name, Namespace, YAML string }
	var want, have []row
	for _, o := range r.Objects {
		want = append(want, row{o.Source, o.APIVersion, o.Kind, o.Name, o.Namespace, string(o.YAML)})
	}
	for _, o := range got {
		have = append(have, row{o.Source, o.APIVersion, o.Kind, o.Name, o.Namespace, string(o.YAML)})
	}
	if diff := cmp.Diff(want, have); diff != "" {
		t.Errorf("ParseManifest(Render()) differs (-render +split):\n%s", diff)
	}
}
