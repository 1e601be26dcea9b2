package deploy

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/render"
)

func renderText(t *testing.T, text, cause string) *render.Manifest {
	t.Helper()
	p, _, err := config.Parse("berth.yaml", []byte(text), config.Options{LookupEnv: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatal(err)
	}
	r, err := render.Render(p, render.Options{Namespace: "ns", ChangeCause: cause})
	if err != nil {
		t.Fatal(err)
	}
	return r.Parsed()
}

// TestKeptCauses: only the workloads whose pod template a deploy changes
// take its cause; replicas, Services and the cause itself are no change of
// the pod template.
func TestKeptCauses(t *testing.T) {
	t.Parallel()
	const base = "apiVersion: berth/v1\nname: shop\nservices:\n  web:\n    image: web:1\n    ports: [{port: 80}]\n  api:\n    image: api:1\n  db:\n    image: db:1\n    stateful: true\n"
	// prev is read back from a release record.
	prev := render.ParseManifest(renderText(t, base, "release 1").String())
	for _, tc := range []struct {
		name, text string
		want       map[string]string
	}{
		{"nothing changed", base, map[string]string{"web": "release 1", "api": "release 1", "db": "release 1"}},
		{"one image", replace(base, "api:1", "api:2"), map[string]string{"web": "release 1", "db": "release 1"}},
		{"replicas only", replace(base, "image: web:1\n", "image: web:1\n    replicas: 3\n"), map[string]string{"web": "release 1", "api": "release 1", "db": "release 1"}},
		{"an env value", replace(base, "image: db:1\n", "image: db:1\n    env: {A: b}\n"), map[string]string{"web": "release 1", "api": "release 1"}},
		{"a new service", base + "  worker:\n    image: w:1\n", map[string]string{"web": "release 1", "api": "release 1", "db": "release 1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := keptCauses(prev, renderText(t, tc.text, "release 2"))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("kept causes (-want +got):\n%s", diff)
			}
		})
	}
	if got := keptCauses(nil, renderText(t, base, "release 2")); got != nil {
		t.Errorf("first deploy keeps %v", got)
	}
}

func replace(s, old, new string) string {
	if !strings.Contains(s, old) {
		panic("no " + old)
	}
	return strings.Replace(s, old, new, 1)
}

// TestCause: --cause wins; outside a git work tree the command line is
// the cause (the commit subject is covered by the CLI's git tests).
func TestCause(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if got := Cause(t.Context(), "release 1.4", dir, []string{"deploy"}); got != "release 1.4" {
		t.Errorf("given cause: %q", got)
	}
	if got := Cause(t.Context(), "", dir, []string{"deploy", "-e", "prod"}); got != "berth deploy -e prod" {
		t.Errorf("no git: %q, want the command line", got)
	}
}
