package build_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-dev/berth/internal/build"
	"github.com/berth-dev/berth/internal/config"
)

func TestParseOverrides(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		pairs []string
		want  map[string]string
		err   string
	}{
		{"none", nil, map[string]string{}, ""},
		{"pairs", []string{"web=nginx:1.27", "api=registry.example/api@sha256:ab"},
			map[string]string{"web": "nginx:1.27", "api": "registry.example/api@sha256:ab"}, ""},
		{"the later wins", []string{"web=nginx:1.26", "web=nginx:1.27"}, map[string]string{"web": "nginx:1.27"}, ""},
		{"an = in the image", []string{"web=img:a=b"}, map[string]string{"web": "img:a=b"}, ""},
		{"no =", []string{"web"}, nil, `--set-image "web": write SERVICE=IMAGE, e.g. --set-image web=nginx:1.27`},
		{"no service", []string{"=nginx"}, nil, `--set-image "=nginx": write SERVICE=IMAGE, e.g. --set-image web=nginx:1.27`},
		{"no image", []string{"web=nginx:1.27", "api="}, nil, `--set-image "api=": write SERVICE=IMAGE, e.g. --set-image web=nginx:1.27`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := build.ParseOverrides(tc.pairs)
			checkOverrideError(t, err, tc.err)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ParseOverrides (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCheckOverrides(t *testing.T) {
	t.Parallel()
	p := &config.Project{File: "app/berth.yaml", Services: map[string]*config.Service{"web": {}, "api": {}}}
	for _, tc := range []struct {
		name      string
		p         *config.Project
		overrides map[string]string
		err       string
	}{
		{"none", p, nil, ""},
		{"known", p, map[string]string{"web": "nginx:1.27", "api": "api:2"}, ""},
		{"unknown", p, map[string]string{"wbe": "nginx:1.27"}, `--set-image wbe=nginx:1.27: berth.yaml has no service "wbe" (services: api, web)`},
		{"the first unknown by name", p, map[string]string{"web": "a", "zz": "b", "db": "c"}, `--set-image db=c: berth.yaml has no service "db" (services: api, web)`},
		{"no services", &config.Project{}, map[string]string{"web": "a"}, `--set-image web=a: berth.yaml has no service "web" (services: )`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			checkOverrideError(t, build.CheckOverrides(tc.p, tc.overrides), tc.err)
		})
	}
}

// checkOverrideError checks that err is an *build.OverrideError saying
// want, or nil when want is "".
func checkOverrideError(t *testing.T, err error, want string) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatalf("error %v, want none", err)
		}
		return
	}
	var oe *build.OverrideError
	if !errors.As(err, &oe) {
		t.Fatalf("error %v, want an *OverrideError", err)
	}
	if diff := cmp.Diff(want, err.Error()); diff != "" {
		t.Errorf("error (-want +got):\n%s", diff)
	}
}
