package compose

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/templates"
)

// header is the comment block berth.yaml starts with: the schema
// modeline berth init writes, then where the file came from.
func header(app string, files []string) []string {
	return []string{
		templates.Modeline(),
		"#",
		fmt.Sprintf("# %s: imported by berth import compose from %s.", app, strings.Join(files, ", ")),
		"# Its warnings list what was not translated. Reference: berth schema, docs/config.md.",
	}
}

// encode writes the project as berth.yaml: the keys in the order of
// berth's types (maps sorted), short lists and port entries in flow
// style, a blank line between top-level sections and between services,
// and comments above services. Every string value has its $ doubled, so
// berth's ${VAR} expansion gives back the compose value; only secrets
// hold references, and those are meant to expand.
func encode(p *config.Project, comments map[string][]string, head []string) ([]byte, error) {
	data, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("encoding berth.yaml: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("encoding berth.yaml: %w", err)
	}
	root := doc.Content[0]
	restyle(root, nil)
	if _, services := get(root, "services"); services != nil {
		for i := 0; i+1 < len(services.Content); i += 2 {
			k := services.Content[i]
			if lines := comments[k.Value]; len(lines) > 0 {
				k.HeadComment = "# " + strings.Join(lines, "\n# ")
			}
		}
	}
	doc.HeadComment = strings.Join(head, "\n")
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, fmt.Errorf("encoding berth.yaml: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encoding berth.yaml: %w", err)
	}
	return spaced(buf.Bytes()), nil
}

// restyle sets block style except where flow reads better, lets the
// encoder choose quoting, and escapes $ in values.
func restyle(n *yaml.Node, path []string) {
	switch n.Kind {
	case yaml.ScalarNode:
		n.Style = 0
		if n.Tag == "!!str" {
			if !(len(path) == 3 && path[0] == "secrets") {
				n.Value = strings.ReplaceAll(n.Value, "$", "$$")
			}
			switch {
			case strings.Contains(n.Value, "\n"):
				n.Style = yaml.LiteralStyle
			case yaml11Bool(n.Value):
				// yaml.v3 writes these plain, but YAML 1.1 readers
				// (and people) take them for booleans.
				n.Style = yaml.DoubleQuotedStyle
			}
		}
	case yaml.SequenceNode:
		n.Style = 0
		if short(n) {
			n.Style = yaml.FlowStyle
		}
		for _, c := range n.Content {
			restyle(c, append(path, "[]"))
		}
	case yaml.MappingNode:
		n.Style = 0
		if flowMapping(path) && short(n) {
			n.Style = yaml.FlowStyle
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			n.Content[i].Style = 0
			restyle(n.Content[i+1], append(path, n.Content[i].Value))
		}
	}
}

// flowMapping: port and volume entries, resource amounts, env and secret
// file references.
func flowMapping(path []string) bool {
	if len(path) < 3 || path[0] != "services" {
		return false
	}
	switch rest := path[2:]; {
	case len(rest) == 2 && (rest[0] == "ports" || rest[0] == "volumes"):
		return true
	case len(rest) == 2 && rest[0] == "resources":
		return true
	case len(rest) == 2 && (rest[0] == "env" || rest[0] == "secretFiles"):
		return true
	case len(rest) == 3 && rest[0] == "probes":
		return true // exec: {command: […]}
	}
	return false
}

// short reports a collection of scalars (or of flow mappings of
// scalars) that fits on a line.
func short(n *yaml.Node) bool {
	size := 0
	var walk func(n *yaml.Node, depth int) bool
	walk = func(n *yaml.Node, depth int) bool {
		if depth > 3 {
			return false
		}
		for _, c := range n.Content {
			switch c.Kind {
			case yaml.ScalarNode:
				if strings.ContainsAny(c.Value, "\n\"'\\#") {
					return false
				}
				size += len(c.Value) + 2
			default:
				if !walk(c, depth+1) {
					return false
				}
			}
		}
		return true
	}
	return walk(n, 0) && size <= 72 && len(n.Content) > 0
}

// spaced puts a blank line before each top-level key and each service,
// together with the comment lines above it.
func spaced(data []byte) []byte {
	lines := strings.Split(string(data), "\n")
	var out []string
	inServices, first := false, true
	for _, line := range lines {
		top := line != "" && line[0] != ' ' && line[0] != '#' && line[0] != '-'
		service := inServices && strings.HasPrefix(line, "  ") && len(line) > 2 && line[2] != ' ' && line[2] != '#' && line[2] != '-'
		if top {
			inServices = strings.HasPrefix(line, "services:")
		}
		if (top && !first && !strings.HasPrefix(line, "name:")) || service {
			// Move up over the comment block that belongs to this line.
			indent := line[:len(line)-len(strings.TrimLeft(line, " "))]
			j := len(out)
			for j > 0 && strings.HasPrefix(out[j-1], indent+"#") {
				j--
			}
			// The first service follows services: directly.
			if j > 0 && out[j-1] != "" && !(service && out[j-1] == "services:") {
				out = append(out[:j], append([]string{""}, out[j:]...)...)
			}
		}
		if top {
			first = false
		}
		out = append(out, line)
	}
	return []byte(strings.Join(out, "\n"))
}

func yaml11Bool(s string) bool {
	switch strings.ToLower(s) {
	case "y", "n", "yes", "no", "on", "off":
		return true
	}
	return false
}
