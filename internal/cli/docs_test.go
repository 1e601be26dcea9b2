package cli

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/spf13/cobra/doc"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/berth-dev/berth/internal/testutil"
)

// TestCLIReference keeps docs/cli (one Markdown page per command,
// generated from the commands' help by cobra/doc) up to date:
// go test ./internal/cli -run TestCLIReference -update rewrites it.
func TestCLIReference(t *testing.T) {
	t.Parallel()
	streams, _, _, _ := genericiooptions.NewTestIOStreams()
	root := NewRootCmd(NewFactory(streams))
	root.DisableAutoGenTag = true
	dir := t.TempDir()
	if err := doc.GenMarkdownTree(root, dir); err != nil {
		t.Fatal(err)
	}
	want := filepath.Join("..", "..", "docs", "cli")
	got, _ := filepath.Glob(filepath.Join(dir, "*.md"))
	for _, f := range got {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		testutil.Golden(t, filepath.Join(want, filepath.Base(f)), data, *update)
	}
	have, _ := filepath.Glob(filepath.Join(want, "*.md"))
	if len(have) != len(got) && !*update {
		t.Errorf("docs/cli has %d pages, the commands make %d: run go test ./internal/cli -run TestCLIReference -update", len(have), len(got))
	}
}
