package secrets

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/berth-dev/berth/internal/config"
)

// TestWriteFileKeepsMode: the rewrite replaces the file whole, keeps its
// mode and leaves no temporary file beside it.
func TestWriteFileKeepsMode(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "berth.yaml")
	if err := os.WriteFile(file, []byte("old: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(file, []byte("new: 2\n")); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(file)
	if err != nil || string(got) != "new: 2\n" {
		t.Fatalf("content %q, %v", got, err)
	}
	if st, _ := os.Stat(file); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600 kept", st.Mode().Perm())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%d files in the folder, want berth.yaml only", len(entries))
	}
}

// TestReadFileMissing: a missing berth.yaml is a config error with a way on.
func TestReadFileMissing(t *testing.T) {
	t.Parallel()
	_, err := ReadFile(filepath.Join(t.TempDir(), "berth.yaml"))
	var ce *config.Error
	if !errors.As(err, &ce) || ce.Hint == "" {
		t.Fatalf("ReadFile = %v, want a config error with a hint", err)
	}
}
