package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// testEnv is the only environment the tests expand ${VAR} against; the
// real process environment is never read.
var testEnv = map[string]string{
	"PW":        "pw-Zq81-secret",
	"DB_PASS":   "db-pass-Hk29",
	"API_TOKEN": "tok-Wm47-secret",
	"REPLICAS":  "3",
	"DEBUG":     "true",
	"EMPTY":     "",
	"TAG":       "1.4.2",
	"HOST":      "shop.example.org",
}

func lookupTestEnv(name string) (string, bool) {
	v, ok := testEnv[name]
	return v, ok
}

// caseEnv selects an environment overlay (-e) for the cases that need one,
// by file name without extension.
var caseEnv = map[string]string{
	"env_selected_unknown":       "prodution",
	"env_selected_none_defined":  "staging",
	"overlay_bad_value":          "production",
	"overlay_var_unset_selected": "production",
	"overlay":                    "production",
	"overlay_replaces_list":      "staging",
}

func testOptions(name string) Options {
	return Options{Env: caseEnv[name], LookupEnv: lookupTestEnv}
}

func caseName(file string) string {
	return strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
}

func readGolden(t *testing.T, file string) string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run: go test ./internal/config -run %s -update)", err, t.Name())
	}
	return string(b)
}

func writeGolden(t *testing.T, file, content string) {
	t.Helper()
	if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestInvalid loads every file of testdata/invalid and compares the error
// text with the golden NAME.err next to it.
func TestInvalid(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/invalid/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 45 {
		t.Fatalf("found %d invalid cases, want at least 45", len(files))
	}
	for _, file := range files {
		name := caseName(file)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p, warnings, err := Load(file, testOptions(name))
			if err == nil {
				t.Fatalf("Load succeeded, want an error (project %+v, warnings %v)", p, warnings)
			}
			if p != nil || warnings != nil {
				t.Errorf("Load returned a project or warnings with its error")
			}
			var list Errors
			if !errors.As(err, &list) {
				t.Fatalf("error is %T, want config.Errors: %v", err, err)
			}
			for i, e := range list {
				if e.File != file {
					t.Errorf("error %d names file %q, want %q", i, e.File, file)
				}
				if i > 0 {
					prev := list[i-1]
					if prev.Pos.Line > e.Pos.Line || prev.Pos.Line == e.Pos.Line && prev.Pos.Col > e.Pos.Col {
						t.Errorf("errors not sorted by position: %v before %v", prev.Pos, e.Pos)
					}
				}
			}
			got := err.Error() + "\n"
			golden := strings.TrimSuffix(file, ".yaml") + ".err"
			if *update {
				writeGolden(t, golden, got)
			}
			if diff := cmp.Diff(readGolden(t, golden), got); diff != "" {
				t.Errorf("error text differs from %s (-want +got):\n%s", golden, diff)
			}
		})
	}
}

// TestValid loads every file of testdata/valid and compares the project
// with the golden NAME.json and the warnings with wantWarnings.
func TestValid(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/valid/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no valid cases")
	}
	for _, file := range files {
		name := caseName(file)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p, warnings, err := Load(file, testOptions(name))
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if p.File != file || p.Dir != filepath.Dir(file) || p.Env != caseEnv[name] {
				t.Errorf("File, Dir, Env = %q, %q, %q", p.File, p.Dir, p.Env)
			}
			out, err := json.MarshalIndent(p, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got := string(out) + "\n"
			golden := strings.TrimSuffix(file, ".yaml") + ".json"
			if *update {
				writeGolden(t, golden, got)
			}
			if diff := cmp.Diff(readGolden(t, golden), got); diff != "" {
				t.Errorf("project differs from %s (-want +got):\n%s", golden, diff)
			}
			var gotWarnings []string
			for _, w := range warnings {
				if w.File != file || w.Hint == "" {
					t.Errorf("warning %v: want file %s and a hint", w, file)
				}
				gotWarnings = append(gotWarnings, fmt.Sprintf("%d:%d: %s: %s", w.Pos.Line, w.Pos.Col, w.Path, w.Msg))
			}
			if diff := cmp.Diff(wantWarnings[name], gotWarnings); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
		})
	}
}

// wantWarnings are the warnings of each valid case; none when not listed.
var wantWarnings = map[string][]string{
	"warnings": {
		"6:15: services.web.replicas: replicas is ignored when autoscale is set",
		"7:15: services.web.strategy: strategy Recreate with autoscale stops every pod on each rollout",
		"8:38: services.web.autoscale.cpu: autoscale on cpu without resources.requests.cpu",
		"8:50: services.web.autoscale.memory: autoscale on memory without resources.requests.memory",
		"11:15: services.cache.stateful: stateful service has no volumes",
	},
}
