package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/templates"
)

// schemaRef matches the schema URL of a yaml-language-server modeline.
var schemaRef = regexp.MustCompile(`\$schema=(https?://[^\s"'` + "`" + `)]+)`)

// TestSchemaURLOneEverywhere: the schema's $id, the modeline berth init and
// berth import compose write, berth schema --help and the docs all name one
// URL, config.SchemaURL, and it is where the schema file is in this
// repository.
func TestSchemaURLOneEverywhere(t *testing.T) {
	t.Parallel()
	if !strings.HasSuffix(config.SchemaURL, "/internal/config/berth.schema.json") {
		t.Errorf("config.SchemaURL %q is not the path of internal/config/berth.schema.json", config.SchemaURL)
	}
	var schema struct {
		ID string `json:"$id"`
	}
	if err := json.Unmarshal(config.Schema(), &schema); err != nil {
		t.Fatal(err)
	}
	if schema.ID != config.SchemaURL {
		t.Errorf("berth.schema.json's $id is %q, config.SchemaURL %q", schema.ID, config.SchemaURL)
	}
	modeline := "# yaml-language-server: $schema=" + config.SchemaURL
	if got := templates.Modeline(); got != modeline {
		t.Errorf("templates.Modeline() = %q, want %q", got, modeline)
	}

	firstLine := func(what, path string) {
		t.Helper()
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if got, _, _ := strings.Cut(string(data), "\n"); got != modeline {
			t.Errorf("%s writes the modeline %q, want %q", what, got, modeline)
		}
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "go.mod"), "module example.com/shop\n\ngo 1.26\n")
	writeFile(t, filepath.Join(dir, "main.go"), "package main\n\nfunc main() {}\n")
	if _, stderr, code := run(t, nil, "init", "--dir", dir); code != 0 {
		t.Fatalf("init: exit %d\n%s", code, stderr)
	}
	firstLine("berth init", filepath.Join(dir, "berth.yaml"))
	out := filepath.Join(t.TempDir(), "berth.yaml")
	if _, stderr, code := run(t, nil, "import", "compose", "-f", filepath.Join("testdata", "compose", "docker-compose.yml"), "--file", out); code != 0 {
		t.Fatalf("import compose: exit %d\n%s", code, stderr)
	}
	firstLine("berth import compose", out)

	help, _, _ := run(t, nil, "schema", "--help")
	docs := map[string]string{"berth schema --help": help}
	for _, f := range []string{"README.md", "docs/config.md", "docs/cli/berth_schema.md"} {
		data, err := os.ReadFile(filepath.Join("..", "..", f))
		if err != nil {
			t.Fatal(err)
		}
		docs[f] = string(data)
	}
	for name, text := range docs {
		refs := schemaRef.FindAllStringSubmatch(text, -1)
		if name == "berth schema --help" && len(refs) == 0 {
			t.Errorf("%s names no schema URL", name)
		}
		for _, m := range refs {
			if m[1] != config.SchemaURL {
				t.Errorf("%s names the schema %s, want %s", name, m[1], config.SchemaURL)
			}
		}
	}
}
