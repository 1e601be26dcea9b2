package cli

import (
	"embed"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/tools/txtar"
)

// The help text of every command (its long description and examples) is
// prose, kept out of the Go code in help/NAME.txtar: NAME is the command
// path without "berth", words joined by "-" (help/secrets-encrypt.txtar),
// and berth itself is help/berth.txtar. Each file has a "long" and an
// "example" section. docs/cli is generated from it (TestCLIReference).

//go:embed help/*.txtar
var helpFiles embed.FS

// helpName is the help file of cmd, without its extension.
func helpName(cmd *cobra.Command) string {
	path := strings.Fields(cmd.CommandPath())
	if len(path) == 1 {
		return path[0]
	}
	return strings.Join(path[1:], "-")
}

// helpSections reads help/NAME.txtar: section name → text, without the
// final newline. A command without a file has none.
func helpSections(name string) map[string]string {
	data, err := helpFiles.ReadFile("help/" + name + ".txtar")
	if err != nil {
		return nil
	}
	out := map[string]string{}
	for _, f := range txtar.Parse(data).Files {
		out[f.Name] = strings.TrimSuffix(string(f.Data), "\n")
	}
	return out
}

// addHelp gives cmd and its subcommands the long description and the
// examples of their help files.
func addHelp(cmd *cobra.Command) {
	s := helpSections(helpName(cmd))
	if long, ok := s["long"]; ok {
		cmd.Long = long
	}
	if example, ok := s["example"]; ok {
		cmd.Example = example
	}
	for _, c := range cmd.Commands() {
		addHelp(c)
	}
}
