package version

import (
	"go/build"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// TestGoreleaserConfig checks that goreleaser.yaml parses as GoReleaser v2,
// builds the real main package for every platform berth ships, without
// cgo, with -trimpath, and stamps this package's variables.
func TestGoreleaserConfig(t *testing.T) {
	t.Parallel()
	root := filepath.Join("..", "..")
	data, err := os.ReadFile(filepath.Join(root, "goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Version int `json:"version"`
		Builds  []struct {
			ID      string   `json:"id"`
			Main    string   `json:"main"`
			Binary  string   `json:"binary"`
			Env     []string `json:"env"`
			Goos    []string `json:"goos"`
			Goarch  []string `json:"goarch"`
			Flags   []string `json:"flags"`
			Ldflags []string `json:"ldflags"`
		} `json:"builds"`
		Archives []struct {
			Formats []string `json:"formats"`
			Files   []string `json:"files"`
		} `json:"archives"`
		Checksum struct {
			NameTemplate string `json:"name_template"`
		} `json:"checksum"`
	}
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		t.Fatalf("goreleaser.yaml: %v", err)
	}
	var top map[string]any
	if err := yaml.Unmarshal(data, &top); err != nil {
		t.Fatal(err)
	}
	known := []string{"version", "project_name", "before", "builds", "archives", "checksum", "snapshot", "changelog", "release", "dist", "env"}
	for k := range top {
		if !slices.Contains(known, k) {
			t.Errorf("unexpected top-level key %q in goreleaser.yaml", k)
		}
	}
	if cfg.Version != 2 {
		t.Errorf("version = %d, want 2 (GoReleaser v2 format)", cfg.Version)
	}
	if len(cfg.Builds) != 1 {
		t.Fatalf("want one build, got %d", len(cfg.Builds))
	}
	b := cfg.Builds[0]
	pkg, err := build.ImportDir(filepath.Join(root, filepath.FromSlash(b.Main)), 0)
	if err != nil || pkg.Name != "main" {
		t.Errorf("main %q is not a main package: %v", b.Main, err)
	}
	if b.Main != "./cmd/berth" || b.Binary != "berth" {
		t.Errorf("main %q binary %q, want ./cmd/berth and berth", b.Main, b.Binary)
	}
	for _, want := range []string{"linux", "darwin", "windows"} {
		if !slices.Contains(b.Goos, want) {
			t.Errorf("goos lacks %s", want)
		}
	}
	for _, want := range []string{"amd64", "arm64"} {
		if !slices.Contains(b.Goarch, want) {
			t.Errorf("goarch lacks %s", want)
		}
	}
	if !slices.Contains(b.Env, "CGO_ENABLED=0") || !slices.Contains(b.Flags, "-trimpath") {
		t.Errorf("want CGO_ENABLED=0 and -trimpath, got env %v flags %v", b.Env, b.Flags)
	}
	ld := strings.Join(b.Ldflags, " ")
	for _, v := range []string{"Version", "Commit", "Date"} {
		if !strings.Contains(ld, "-X github.com/berth-dev/berth/internal/version."+v+"=") {
			t.Errorf("ldflags do not stamp version.%s: %s", v, ld)
		}
	}
	if len(cfg.Archives) == 0 || cfg.Checksum.NameTemplate == "" {
		t.Errorf("want archives and a checksum file")
	}
	for _, a := range cfg.Archives {
		for _, f := range a.Files {
			if matches, _ := filepath.Glob(filepath.Join(root, f)); len(matches) == 0 {
				t.Errorf("archive file %q matches nothing", f)
			}
		}
	}
}

func TestGetFallsBack(t *testing.T) {
	t.Parallel()
	info := Get()
	if info.Version == "" || info.GoVersion == "" || info.Platform == "" {
		t.Errorf("incomplete info %+v", info)
	}
}
