package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
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

// TestEveryCommandHasExamples: the README promises examples in every
// command's help. Each command a user can run or list (groups such as
// berth import, and cobra's completion, which Execute adds) has an
// Example; cobra's help command is the one left out.
func TestEveryCommandHasExamples(t *testing.T) {
	t.Parallel()
	streams, _, _, _ := genericiooptions.NewTestIOStreams()
	root := NewRootCmd(NewFactory(streams))
	root.InitDefaultCompletionCmd() // as Execute does
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if !c.IsAvailableCommand() && c != root {
			return
		}
		if strings.TrimSpace(c.Example) == "" {
			t.Errorf("%s has no Example", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}
