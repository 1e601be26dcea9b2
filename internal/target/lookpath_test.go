package target

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestLookPathIn(t *testing.T) {
	dir := t.TempDir()
	mk := func(rel string, mode os.FileMode) string {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"), mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	a, b, c := filepath.Join(dir, "a"), filepath.Join(dir, "b"), filepath.Join(dir, "c")
	mk("a/plain", 0o644)
	mk("b/plain", 0o755)
	if err := os.MkdirAll(filepath.Join(a, "tool"), 0o755); err != nil {
		t.Fatal(err)
	}
	mk("b/tool", 0o755)
	mk("a/both", 0o755)
	mk("b/both", 0o755)
	mk("c/here", 0o755)
	slashed := mk("d/minikube", 0o755)
	list := func(dirs ...string) string { return strings.Join(dirs, string(filepath.ListSeparator)) }
	t.Chdir(c) // an empty PATH entry is the working directory
	for _, tc := range []struct {
		name, path, file, want string // want "" is not found
	}{
		{"first directory wins", list(a, b), "both", filepath.Join(a, "both")},
		{"not executable is skipped", list(a, b), "plain", filepath.Join(b, "plain")},
		{"a directory is skipped", list(a, b), "tool", filepath.Join(b, "tool")},
		{"empty entry is the working directory", list(a, "", b), "here", filepath.Join(".", "here")},
		{"with a slash, PATH is not used", "", slashed, slashed},
		{"not found", list(a, b), "kubectl", ""},
		{"empty PATH", "", "both", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := LookPathIn(tc.path, tc.file)
			if tc.want == "" {
				var ee *exec.Error
				if !errors.As(err, &ee) || !errors.Is(err, exec.ErrNotFound) || ee.Name != tc.file || got != "" {
					t.Errorf("LookPathIn(%q) = %q, %v; want exec's not-found error", tc.file, got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("LookPathIn(%q) = %q, %v; want %q", tc.file, got, err, tc.want)
			}
		})
	}
}
