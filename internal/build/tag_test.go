package build

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/berth-dev/berth/internal/config"
)

func project(t *testing.T, files map[string]string) *config.Project {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return &config.Project{Name: "app", Dir: dir, Registry: "localhost:5000/team", Services: map[string]*config.Service{
		"web": {Build: &config.Build{Context: "."}},
	}}
}

func TestContentTag(t *testing.T) {
	t.Parallel()
	base := map[string]string{"Dockerfile": "FROM scratch\nCOPY . /app\n", "main.js": "console.log(1)\n", ".dockerignore": "node_modules\n*.log\n"}
	tag := func(files map[string]string, mutate func(*config.Project)) string {
		p := project(t, files)
		if mutate != nil {
			mutate(p)
		}
		got, err := ContentTag(p, "web")
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != TagLength {
			t.Fatalf("tag %q has length %d", got, len(got))
		}
		return got
	}
	with := func(extra map[string]string) map[string]string {
		out := map[string]string{}
		for k, v := range base {
			out[k] = v
		}
		for k, v := range extra {
			out[k] = v
		}
		return out
	}
	ref := tag(base, nil)
	if again := tag(base, nil); again != ref {
		t.Errorf("same inputs in another directory gave %s, want %s", again, ref)
	}
	for _, tc := range []struct {
		name   string
		files  map[string]string
		mutate func(*config.Project)
		same   bool
	}{
		{"ignored file", with(map[string]string{"debug.log": "x"}), nil, true},
		{"ignored directory", with(map[string]string{"node_modules/a/index.js": "x"}), nil, true},
		{"source change", with(map[string]string{"main.js": "console.log(2)\n"}), nil, false},
		{"new file", with(map[string]string{"lib/util.js": "x"}), nil, false},
		{"dockerfile change", with(map[string]string{"Dockerfile": "FROM scratch\n"}), nil, false},
		{"build arg", base, func(p *config.Project) { p.Services["web"].Build.Args = map[string]string{"A": "1"} }, false},
		{"target", base, func(p *config.Project) { p.Services["web"].Build.Target = "prod" }, false},
	} {
		got := tag(tc.files, tc.mutate)
		if (got == ref) != tc.same {
			t.Errorf("%s: tag %s vs base %s, want same=%v", tc.name, got, ref, tc.same)
		}
	}
}

func TestRepository(t *testing.T) {
	t.Parallel()
	p := &config.Project{Name: "knote", Registry: "localhost:5000/team/"}
	if got, want := Repository(p, "knote"), "localhost:5000/team/knote"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if got, want := Repository(p, "api"), "localhost:5000/team/knote-api"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	p.Registry = ""
	if got, want := Repository(p, "api"), "knote-api"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// TestWithOverrides: a service without a recorded build gets its content
// tag and is unbuilt; an override replaces it and is not unbuilt.
func TestWithOverrides(t *testing.T) {
	t.Parallel()
	p := project(t, map[string]string{"Dockerfile": "FROM scratch\nCOPY . /app\n", "main.js": "1\n"})
	p.Services["api"] = &config.Service{Build: &config.Build{Context: "."}}
	p.Services["db"] = &config.Service{Image: "postgres:17"}
	images, unbuilt, err := WithOverrides(p, map[string]string{"api": "reg.example/api@sha256:abc"})
	if err != nil {
		t.Fatal(err)
	}
	tag, err := ContentTag(p, "web")
	if err != nil {
		t.Fatal(err)
	}
	if images["web"] != Repository(p, "web")+":"+tag || images["api"] != "reg.example/api@sha256:abc" || len(images) != 2 {
		t.Errorf("images = %v", images)
	}
	if len(unbuilt) != 1 || unbuilt[0] != "web" {
		t.Errorf("unbuilt = %v, want [web]", unbuilt)
	}
}
