package compose

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-dev/berth/internal/config"
)

// TestWriteFile: berth.yaml is written when it does not exist or with
// force; an existing one is kept and named in an *ExistsError.
func TestWriteFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "berth.yaml")
	res := &Result{YAML: []byte("app: new\n")}
	if err := CheckOverwrite(path, false); err != nil {
		t.Fatalf("CheckOverwrite of a new file: %v", err)
	}
	if err := WriteFile(path, res, false); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("app: old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{"CheckOverwrite": CheckOverwrite(path, false), "WriteFile": WriteFile(path, res, false)} {
		var ee *ExistsError
		if !errors.As(err, &ee) || ee.Path != path {
			t.Fatalf("%s of an existing file: %v, want an *ExistsError for %s", name, err, path)
		}
		if want := path + " exists; berth import compose does not overwrite it"; err.Error() != want {
			t.Errorf("%s: %q, want %q", name, err, want)
		}
		if want := "pass --force to replace it, --file OTHER.yaml to write elsewhere, or --file - to print it"; ee.Hint() != want {
			t.Errorf("%s: hint %q, want %q", name, ee.Hint(), want)
		}
	}
	if got, _ := os.ReadFile(path); string(got) != "app: old\n" {
		t.Errorf("refused write changed the file: %q", got)
	}
	if err := CheckOverwrite(path, true); err != nil {
		t.Errorf("CheckOverwrite with force: %v", err)
	}
	if err := WriteFile(path, res, true); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); string(got) != "app: new\n" || fi.Mode().Perm()&0o044 == 0 {
		t.Errorf("forced write: %q, mode %v", got, fi.Mode())
	}
	if err := WriteFile(filepath.Join(dir, "missing", "berth.yaml"), res, false); err == nil {
		t.Error("writing into a missing folder succeeded")
	}
}

// TestResultLines: the summary and next-step lines of berth import
// compose, and the ${VAR}s of the secrets the latter names.
func TestResultLines(t *testing.T) {
	t.Parallel()
	res := &Result{
		Project: &config.Project{
			Services: map[string]*config.Service{"web": {}, "db": {}},
			Secrets: map[string]map[string]string{
				"web": {"TOKEN": "${TOKEN}", "URL": "postgres://u:${PW:?set PW}@db/${DB}"},
				"db":  {"PASSWORD": "${PW}", "PLAIN": "plain $HOME"},
			},
		},
		ComposeFiles: []string{"compose.yaml", "compose.prod.yaml"},
		Warnings:     []Warning{{}, {}, {}},
	}
	if diff := cmp.Diff([]string{"DB", "PW", "TOKEN"}, res.SecretVars()); diff != "" {
		t.Errorf("SecretVars (-want +got):\n%s", diff)
	}
	if got, want := res.Summary("app/berth.yaml"), "wrote app/berth.yaml from compose.yaml, compose.prod.yaml: 2 services (db, web), 3 warnings"; got != want {
		t.Errorf("Summary:\n got %q\nwant %q", got, want)
	}
	if got, want := res.Next(), "next: export DB, PW, TOKEN (berth.yaml's secrets read them), then berth validate and berth render"; got != want {
		t.Errorf("Next:\n got %q\nwant %q", got, want)
	}
	res.Project.Secrets = nil
	if got, want := res.Next(), "next: berth validate, then berth render"; got != want {
		t.Errorf("Next without secrets: %q, want %q", got, want)
	}
}
