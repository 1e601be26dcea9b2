package scaffold

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/build"
	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/render"
	"github.com/berth-dev/berth/internal/testutil"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestInit runs init on a small Node, Go and Python project: what it
// detects, the files it writes (golden), and that the berth.yaml validates
// and renders.
func TestInit(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		fixture, lang, name string
		port                int
		cmd                 string
	}{
		{"node", Node, "notes-app", 4000, `"node", "src/server.js"`},
		{"go", Go, "inventory", 9090, ""},
		{"python", Python, "python", 5000, `"python", "app.py"`},
	} {
		t.Run(tc.fixture, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), tc.fixture)
			if err := os.CopyFS(dir, os.DirFS(filepath.Join("testdata", tc.fixture))); err != nil {
				t.Fatal(err)
			}
			p, err := Detect(dir)
			if err != nil {
				t.Fatal(err)
			}
			if p.Lang != tc.lang || p.Name != tc.name || p.Port != tc.port || p.Cmd != tc.cmd || p.HasDockerfile {
				t.Errorf("detected %+v", p)
			}
			p.CI = "github"
			p.Registry = "ghcr.io/acme"
			files, err := Render(p)
			if err != nil {
				t.Fatal(err)
			}
			written, skipped, err := Write(dir, files, false)
			if err != nil || len(skipped) != 0 || len(written) != 4 {
				t.Fatalf("written %v skipped %v: %v", written, skipped, err)
			}
			var all strings.Builder
			for _, f := range files {
				all.WriteString("=== " + f.Path + "\n" + string(f.Data))
			}
			testutil.Golden(t, filepath.Join("testdata", "golden", tc.fixture+".golden"), []byte(all.String()), *update)

			// The Dockerfile needs no daemon: berth's own builder takes it.
			if _, err := build.ParseDockerfile(filepath.Join(dir, "Dockerfile"), nil, "", "linux/amd64"); err != nil {
				t.Errorf("the generated Dockerfile: %v", err)
			}
			proj, _, err := config.Load(filepath.Join(dir, "berth.yaml"), config.Options{})
			if err != nil {
				t.Fatalf("the generated berth.yaml: %v", err)
			}
			if _, err := render.Render(proj, render.Options{Namespace: "default", Images: map[string]string{tc.name: "img:1"}}); err != nil {
				t.Fatalf("rendering it: %v", err)
			}
			// Again: nothing is overwritten without force.
			if written, skipped, _ = Write(dir, files, false); len(written) != 0 || len(skipped) != 4 {
				t.Errorf("second run wrote %v", written)
			}
			if written, _, _ = Write(dir, files, true); len(written) != 4 {
				t.Errorf("--force wrote %v", written)
			}
		})
	}
}

func TestInitWithoutAnything(t *testing.T) {
	t.Parallel()
	p, err := Detect(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Render(p); err == nil || !strings.Contains(err.Error(), "add a Dockerfile") {
		t.Errorf("empty folder: %v", err)
	}
	p.Name = "Bad Name"
	if _, err := Render(p); err == nil || !strings.Contains(err.Error(), "not a valid app name") {
		t.Errorf("bad name: %v", err)
	}
}

func TestInitKeepsDockerfile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM nginx\nEXPOSE 8081\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, _ := Detect(dir)
	if p.Lang != Dockerfile || p.Port != 8081 {
		t.Errorf("%+v", p)
	}
	files, err := Render(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f.Path == "Dockerfile" {
			t.Error("init would write a Dockerfile over the project's own")
		}
	}
}
