package cli

import (
	"io/fs"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/berth-dev/berth/internal/config"
)

// TestHelpFiles: every help/NAME.txtar belongs to a command and has only
// the sections addHelp reads (a misnamed file or section would be help
// that silently never shows), and the text that names the schema's URL
// names config.SchemaURL.
func TestHelpFiles(t *testing.T) {
	t.Parallel()
	streams, _, _, _ := genericiooptions.NewTestIOStreams()
	root := NewRootCmd(NewFactory(streams))
	commands := map[string]bool{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		commands[helpName(c)] = true
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	names, err := fs.Glob(helpFiles, "help/*.txtar")
	if err != nil || len(names) == 0 {
		t.Fatalf("no help files: %v", err)
	}
	sections := map[string]bool{"long": true, "example": true}
	for _, file := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(file, "help/"), ".txtar")
		if !commands[name] {
			t.Errorf("%s: no command berth %s", file, strings.ReplaceAll(name, "-", " "))
		}
		for s, text := range helpSections(name) {
			if !sections[s] && !(name == "apply" && s == "intro") {
				t.Errorf("%s: unknown section %q", file, s)
			}
			if strings.TrimSpace(text) == "" {
				t.Errorf("%s: section %q is empty", file, s)
			}
		}
	}
	if !strings.Contains(helpSections("schema")["long"], config.SchemaURL) {
		t.Errorf("help/schema.txtar does not name the schema's URL %s", config.SchemaURL)
	}
}
