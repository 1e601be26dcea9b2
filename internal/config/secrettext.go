package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"
)

// SecretText is one value of secrets.NAME.KEY (or
// environments.ENV.secrets.NAME.KEY) as written in a berth.yaml, with the
// bytes that spell it, so that berth secrets encrypt|decrypt|edit can
// replace it and leave every other byte of the file (comments, order,
// quoting) as it was.
type SecretText struct {
	// Env is the environment the value belongs to, "" for the base.
	Env string
	// Secret and Key name it.
	Secret, Key string
	// Path is the display path: secrets.db.password.
	Path string
	// Pos is where it starts.
	Pos Pos
	// Value is the value berth reads: $$ unescaped. Meaningless when Vars.
	Value string
	// Vars reports a ${VAR} (or ${file:PATH}) reference: the value depends
	// on the environment berth runs in, so it cannot be encrypted.
	Vars bool
	// Encrypted reports an ENC[…] value.
	Encrypted bool
	// Recipients are the age recipients it is to be encrypted to: the
	// environment's encryption.age, else the file's.
	Recipients []string
	// Problem says why the value cannot be rewritten in place ("" when it
	// can): an anchor or alias, a multi-line plain scalar.
	Problem string

	start, end int // byte offsets of the scalar's text in the file
}

// SecretTexts lists the secret values of a berth.yaml, in file order. The
// data must parse as YAML; it need not be a valid config.
func SecretTexts(file string, data []byte) ([]SecretText, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(shieldVars(data)))
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: invalid YAML: %w", file, err)
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s: the file is not a mapping of fields", file)
	}
	lines := lineOffsets(data)
	var out []SecretText
	collect := func(env string, secrets *yaml.Node, display string, recipients []string) {
		if secrets == nil || secrets.Kind != yaml.MappingNode {
			return
		}
		flow := secrets.Style&yaml.FlowStyle != 0
		for i := 0; i+1 < len(secrets.Content); i += 2 {
			name, kv := secrets.Content[i], secrets.Content[i+1]
			if kv.Kind != yaml.MappingNode {
				continue
			}
			for j := 0; j+1 < len(kv.Content); j += 2 {
				k, v := kv.Content[j], kv.Content[j+1]
				secret, key := unshieldVars(name.Value), unshieldVars(k.Value)
				st := SecretText{Env: env, Secret: secret, Key: key, Path: childDisplay(childDisplay(display, secret), key), Pos: Pos{v.Line, v.Column}, Recipients: recipients}
				st.locate(data, lines, k, v, kv.Style&yaml.FlowStyle != 0 || flow)
				if v.Kind == yaml.ScalarNode {
					raw := unshieldVars(v.Value)
					st.Encrypted = IsEncrypted(raw)
					st.Value, st.Vars = Unescape(raw)
					st.Vars = st.Vars || IsFileRef(raw)
				}
				out = append(out, st)
			}
		}
	}
	root := doc.Content[0]
	base := ageRecipients(root)
	collect("", mapValue(root, "secrets"), "secrets", base)
	if envs := mapValue(root, "environments"); envs != nil && envs.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(envs.Content); i += 2 {
			env := unshieldVars(envs.Content[i].Value)
			if ov := envs.Content[i+1]; ov.Kind == yaml.MappingNode {
				recipients := base
				if own := ageRecipients(ov); own != nil {
					recipients = own
				}
				collect(env, mapValue(ov, "secrets"), childDisplay(childDisplay("environments", env), "secrets"), recipients)
			}
		}
	}
	return out, nil
}

// ageRecipients reads encryption.age of a mapping; nil when not given.
func ageRecipients(m *yaml.Node) []string {
	enc := mapValue(m, "encryption")
	if enc == nil || enc.Kind != yaml.MappingNode {
		return nil
	}
	list := mapValue(enc, "age")
	if list == nil || list.Kind != yaml.SequenceNode {
		return nil
	}
	out := []string{}
	for _, r := range list.Content {
		out = append(out, strings.TrimSpace(unshieldVars(r.Value)))
	}
	return out
}

func mapValue(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// Unescape returns the value berth reads for a scalar without ${VAR}
// references ($$ is $); vars reports that it has references.
func Unescape(s string) (value string, vars bool) {
	out, _ := expand(s, func(string) (string, bool) { vars = true; return "", true })
	return out, vars
}

// Escape writes a value so that berth reads it back unchanged: every $ is
// doubled, so nothing in it is taken for a ${VAR} reference.
func Escape(s string) string { return strings.ReplaceAll(s, "$", "$$") }

// Quote writes a value as a YAML double-quoted scalar (a JSON string, which
// YAML reads as written), escaped for berth.
func Quote(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(Escape(s))
	return strings.TrimSuffix(b.String(), "\n")
}

func lineOffsets(data []byte) []int {
	offs := []int{0}
	for i, c := range data {
		if c == '\n' {
			offs = append(offs, i+1)
		}
	}
	return offs
}

// offset turns a 1-based line and (rune) column into a byte offset.
func offset(data []byte, lines []int, line, col int) int {
	if line < 1 || line > len(lines) {
		return -1
	}
	o := lines[line-1]
	for c := 1; c < col && o < len(data); c++ {
		_, n := utf8.DecodeRune(data[o:])
		o += n
	}
	return o
}

// locate finds the bytes of the value node v of key k; flow says the
// mapping holding it is a flow mapping ({a: b}).
func (st *SecretText) locate(data []byte, lines []int, k, v *yaml.Node, flow bool) {
	st.start, st.end = -1, -1
	switch {
	case v.Kind == yaml.AliasNode || v.Anchor != "":
		st.Problem = "it uses a YAML anchor or alias"
		return
	case v.Kind != yaml.ScalarNode:
		st.Problem = "it is not a single value"
		return
	}
	start := offset(data, lines, v.Line, v.Column)
	if start < 0 || start >= len(data) {
		st.Problem = "berth cannot find where it is written"
		return
	}
	end := -1
	switch c := data[start]; c {
	case '"':
		for i := start + 1; i < len(data); i++ {
			if data[i] == '\\' {
				i++
				continue
			}
			if data[i] == '"' {
				end = i + 1
				break
			}
		}
	case '\'':
		for i := start + 1; i < len(data); i++ {
			if data[i] == '\'' {
				if i+1 < len(data) && data[i+1] == '\'' {
					i++
					continue
				}
				end = i + 1
				break
			}
		}
	case '|', '>':
		if flow {
			break
		}
		indent := k.Column - 1
		i := bytes.IndexByte(data[start:], '\n')
		if i < 0 {
			break
		}
		end = start + i // the header line, at least
		for pos := start + i + 1; pos < len(data); {
			next := bytes.IndexByte(data[pos:], '\n')
			lineEnd := len(data)
			if next >= 0 {
				lineEnd = pos + next
			}
			line := strings.TrimRight(string(data[pos:lineEnd]), "\r")
			trimmed := strings.TrimLeft(line, " ")
			if trimmed != "" {
				if len(line)-len(trimmed) <= indent {
					break
				}
				end = lineEnd
				if data[end-1] == '\r' {
					end--
				}
			}
			if next < 0 {
				break
			}
			pos = lineEnd + 1
		}
	case '!', '&', '*':
	default:
		lineEnd := bytes.IndexByte(data[start:], '\n')
		if lineEnd < 0 {
			lineEnd = len(data) - start
		}
		text := string(data[start : start+lineEnd])
		if i := strings.Index(text, " #"); i >= 0 {
			text = text[:i]
		}
		if flow {
			if i := strings.IndexAny(text, ",}]"); i >= 0 {
				text = text[:i]
			}
		}
		text = strings.TrimRight(text, " \t\r")
		end = start + len(text)
		if !flow && v.Line > 0 && v.Line < len(lines) && continues(data, lines, v.Line, k.Column-1) {
			st.Problem = "it is a plain value written over several lines"
			return
		}
	}
	if end < 0 {
		st.Problem = "berth cannot find where it ends"
		return
	}
	st.start, st.end = start, end
}

// continues reports whether the line after line is more indented than
// indent (and not a comment): a plain scalar continued there.
func continues(data []byte, lines []int, line, indent int) bool {
	for l := line; l < len(lines); l++ {
		end := len(data)
		if l+1 < len(lines) {
			end = lines[l+1] - 1
		}
		text := strings.TrimRight(string(data[lines[l]:end]), "\r")
		trimmed := strings.TrimLeft(text, " ")
		if trimmed == "" {
			continue
		}
		return len(text)-len(trimmed) > indent && !strings.HasPrefix(trimmed, "#")
	}
	return false
}

// ReplaceSecrets writes new YAML text (see Quote) for some of the values
// SecretTexts found, keeping every other byte. It parses the result and
// checks that exactly those values changed, so a value berth located
// wrongly is an error, not a damaged file.
func ReplaceSecrets(file string, data []byte, texts []SecretText, repl map[int]string) ([]byte, error) {
	idx := make([]int, 0, len(repl))
	for i := range repl {
		if texts[i].start < 0 {
			return nil, fmt.Errorf("%s:%d:%d: %s: cannot rewrite the value in place: %s", file, texts[i].Pos.Line, texts[i].Pos.Col, texts[i].Path, texts[i].Problem)
		}
		idx = append(idx, i)
	}
	slices.SortFunc(idx, func(a, b int) int { return texts[b].start - texts[a].start })
	out := bytes.Clone(data)
	for _, i := range idx {
		t := texts[i]
		out = append(out[:t.start:t.start], append([]byte(repl[i]), out[t.end:]...)...)
	}
	// Check: the new file reads as the old one with the new values.
	before, err := plainTree(data)
	if err != nil {
		return nil, err
	}
	after, err := plainTree(out)
	if err != nil {
		return nil, fmt.Errorf("%s: rewriting secret values broke the file (%v); it was not changed", file, err)
	}
	for _, i := range idx {
		t := texts[i]
		var want any
		if err := yaml.Unmarshal(shieldVars([]byte(repl[i])), &want); err != nil {
			return nil, fmt.Errorf("%s: %s: the new value does not parse: %w", file, t.Path, err)
		}
		if s, ok := want.(string); ok {
			want = unshieldVars(s)
		}
		if !setSecret(before, t, want) {
			return nil, fmt.Errorf("%s: %s: cannot rewrite the value in place", file, t.Path)
		}
	}
	if !reflect.DeepEqual(before, after) {
		return nil, fmt.Errorf("%s: rewriting secret values would change other parts of the file; it was not changed (write the values on one line each, without anchors)", file)
	}
	return out, nil
}

// plainTree reads YAML into maps keyed by the keys as written, so that
// two files compare value by value whatever their keys' types.
func plainTree(data []byte) (map[string]any, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(shieldVars(data), &doc); err != nil {
		return nil, err
	}
	if len(doc.Content) == 0 {
		return nil, errors.New("the file is empty")
	}
	budget := maxNodes
	v, err := nodeTree(doc.Content[0], &budget, 0)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("the file is not a mapping")
	}
	return m, nil
}

func nodeTree(n *yaml.Node, budget *int, depth int) (any, error) {
	*budget--
	if *budget < 0 || depth > maxDepth {
		return nil, errors.New("the document is too large or too deep")
	}
	switch n.Kind {
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil, nil
		}
		return nodeTree(n.Alias, budget, depth+1)
	case yaml.MappingNode:
		out := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			v, err := nodeTree(n.Content[i+1], budget, depth+1)
			if err != nil {
				return nil, err
			}
			out[unshieldVars(n.Content[i].Value)] = v
		}
		return out, nil
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := nodeTree(c, budget, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	}
	var v any
	if err := n.Decode(&v); err != nil {
		return unshieldVars(n.Value), nil
	}
	if s, ok := v.(string); ok {
		return unshieldVars(s), nil
	}
	return v, nil
}

// setSecret puts v at the value of st in a plainTree.
func setSecret(root map[string]any, st SecretText, v any) bool {
	m := root
	if st.Env != "" {
		envs, _ := m["environments"].(map[string]any)
		if m, _ = envs[st.Env].(map[string]any); m == nil {
			return false
		}
	}
	secrets, _ := m["secrets"].(map[string]any)
	data, _ := secrets[st.Secret].(map[string]any)
	if data == nil {
		return false
	}
	data[st.Key] = v
	return true
}
