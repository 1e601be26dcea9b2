package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"
)

// tree is a parsed config file: a JSON-compatible value (map[string]any,
// []any, string, int, float64, bool, nil) and, for every value, where it
// was written. Values are addressed by JSON pointer, as the schema
// validator reports them.
type tree struct {
	file string
	root any
	val  map[string]Pos    // pointer → position of the value
	key  map[string]Pos    // pointer → position of the mapping key naming it
	disp map[string]string // pointer → display path (services.web.ports[0])
	errs Errors
	// envErrs are ${VAR} problems inside environments.NAME, reported only
	// when that environment is selected: production's secrets need not be
	// set for a local render.
	envErrs map[string]Errors
	// nodes counts converted values, to stop alias bombs
	// (a: &a [*b, *b, …]) that expand exponentially.
	nodes int
	// active holds the nodes being converted, to catch anchors that
	// contain themselves.
	active map[*yaml.Node]bool
	// failed marks values that already have an error.
	failed map[string]bool
	// expanded holds the text of unquoted ${VAR} expansions that YAML
	// typed as numbers or booleans; where the schema wants a string, the
	// text is used instead.
	expanded map[string]string
	getenv   func(string) (string, bool)
	// secret marks pointers whose values must never be quoted in messages.
	secret func(ptr string) bool
}

func newTree(file string, getenv func(string) (string, bool)) *tree {
	return &tree{
		file:     file,
		val:      map[string]Pos{},
		key:      map[string]Pos{},
		disp:     map[string]string{"": ""},
		failed:   map[string]bool{},
		expanded: map[string]string{},
		getenv:   getenv,
	}
}

// parse reads YAML bytes into the tree. Syntax errors stop parsing; all
// other problems are collected.
func (t *tree) parse(data []byte) {
	var n yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(shieldVars(data)))
	if err := dec.Decode(&n); err != nil && !errors.Is(err, io.EOF) {
		t.errs = append(t.errs, t.syntaxError(err, data))
		return
	}
	var second yaml.Node
	if err := dec.Decode(&second); err == nil || !errors.Is(err, io.EOF) {
		// A second document is an error even when it does not parse.
		pos := Pos{second.Line, second.Column}
		if err != nil {
			pos = secondDocument(data)
		}
		t.errs = append(t.errs, &Error{File: t.file, Pos: pos,
			Msg: "berth.yaml holds one YAML document, but a second one starts here", Hint: "remove the `---` line and what follows, or merge it into the first document"})
		return
	}
	if n.Kind == 0 || len(n.Content) == 0 {
		t.add(Pos{Line: 1, Col: 1}, "", "the file is empty", "start from `berth init`, or write at least apiVersion: berth/v1, name and services")
		return
	}
	t.root = t.convert(n.Content[0], "", "", 0)
}

var yamlLineRE = regexp.MustCompile(`^yaml: (?:line (\d+): )?(.*)$`)

var unknownAnchorRE = regexp.MustCompile(`unknown anchor '([^']*)' referenced`)

func (t *tree) syntaxError(err error, data []byte) *Error {
	msg := err.Error()
	pos := Pos{}
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		if m[1] != "" {
			pos.Line, _ = strconv.Atoi(m[1])
			pos.Col = 1
		}
		msg = m[2]
	}
	if unknownAnchorRE.MatchString(msg) {
		return t.anchorError(msg, pos, data)
	}
	// The parser's line is where the enclosing block starts; find the
	// line that broke it.
	if site, ok := locateSyntax(shieldVars(data), err.Error()); ok {
		site.redact = t.secret != nil && t.secret(site.pointer())
		p, m, hint := site.describe(msg)
		return &Error{File: t.file, Pos: p, Msg: "invalid YAML: " + m, Hint: hint}
	}
	hint := "check indentation (spaces, not tabs) and that every `key: value` has a space after the colon"
	if strings.Contains(msg, "found character that cannot start any token") {
		hint = "YAML does not allow tabs for indentation; indent with spaces"
	}
	return &Error{File: t.file, Pos: pos, Msg: "invalid YAML: " + msg, Hint: hint}
}

// anchorError places an unknown anchor at its alias: yaml.v3 gives no
// position there.
func (t *tree) anchorError(msg string, pos Pos, data []byte) *Error {
	hint := ""
	if m := unknownAnchorRE.FindStringSubmatch(msg); m != nil {
		// yaml.v3 gives no position here: find the alias in the text.
		if i := bytes.Index(data, []byte("*"+m[1])); i >= 0 {
			before := data[:i]
			pos.Line = bytes.Count(before, []byte("\n")) + 1
			pos.Col = utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:]) + 1
		}
		hint = fmt.Sprintf("define the anchor with &%s before the alias *%s uses it", m[1], m[1])
	}
	return &Error{File: t.file, Pos: pos, Msg: "invalid YAML: " + msg, Hint: hint}
}

func (t *tree) add(p Pos, ptr, msg, hint string) {
	t.errs = append(t.errs, &Error{File: t.file, Pos: p, Path: t.disp[ptr], Msg: msg, Hint: hint})
}

func pointerEscape(s string) string {
	if !strings.ContainsAny(s, "~/") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

func pointerUnescape(s string) string {
	if !strings.Contains(s, "~") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

func childDisplay(parent, key string) string {
	if !identRE.MatchString(key) {
		return parent + "[" + strconv.Quote(key) + "]"
	}
	if parent == "" {
		return key
	}
	return parent + "." + key
}

const (
	maxDepth = 64
	maxNodes = 200_000
)

// overLimit reports (once) and remembers that the document expanded past
// maxNodes; parsing stops there.
func (t *tree) overLimit(n *yaml.Node, ptr string) bool {
	t.nodes++
	if t.nodes == maxNodes {
		t.add(Pos{n.Line, n.Column}, ptr, "the document expands to more than 200,000 values", "check YAML aliases (*name) and merge keys (<<): each use copies the anchored value")
	}
	return t.nodes >= maxNodes
}

func (t *tree) convert(n *yaml.Node, ptr, disp string, depth int) any {
	if depth > maxDepth {
		short := disp
		if len(short) > 60 {
			short = short[:60] + "…"
		}
		t.errs = append(t.errs, &Error{File: t.file, Pos: Pos{n.Line, n.Column}, Path: short, Msg: "the document nests too deeply", Hint: "berth.yaml never needs more than a few levels; check for an anchor that refers to itself"})
		return nil
	}
	if t.overLimit(n, ptr) {
		return nil
	}
	t.disp[ptr] = disp
	if _, ok := t.val[ptr]; !ok {
		t.val[ptr] = Pos{n.Line, n.Column}
	}
	switch n.Kind {
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil
		}
		if t.active[n.Alias] {
			t.errs = append(t.errs, &Error{File: t.file, Pos: Pos{n.Line, n.Column}, Path: disp, Msg: fmt.Sprintf("alias *%s refers to a value that contains it", n.Value), Hint: "an anchor cannot contain an alias to itself"})
			return nil
		}
		return t.convert(n.Alias, ptr, disp, depth+1)
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil
		}
		return t.convert(n.Content[0], ptr, disp, depth+1)
	case yaml.SequenceNode:
		t.enter(n)
		defer t.leave(n)
		out := make([]any, 0, len(n.Content))
		for i, c := range n.Content {
			cp := ptr + "/" + strconv.Itoa(i)
			out = append(out, t.convert(c, cp, fmt.Sprintf("%s[%d]", disp, i), depth+1))
		}
		return out
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		t.mapping(n, ptr, disp, depth, out)
		return out
	case yaml.ScalarNode:
		return t.scalar(n, ptr)
	}
	return nil
}

func (t *tree) enter(n *yaml.Node) {
	if t.active == nil {
		t.active = map[*yaml.Node]bool{}
	}
	t.active[n] = true
}

func (t *tree) leave(n *yaml.Node) { delete(t.active, n) }

// mapping converts a mapping node into out. Merge keys (<<: *a or
// <<: [*a, *b]) follow the YAML merge-key rules: keys the mapping writes
// itself win wherever they stand, and of several merged maps the first
// wins.
func (t *tree) mapping(n *yaml.Node, ptr, disp string, depth int, out map[string]any) {
	if t.overLimit(n, ptr) {
		return
	}
	t.enter(n)
	defer t.leave(n)
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
			merges = append(merges, n.Content[i+1])
		}
	}
	for _, m := range merges {
		var sources []*yaml.Node
		m = deref(m)
		if m.Kind == yaml.SequenceNode {
			for _, c := range m.Content {
				sources = append(sources, deref(c))
			}
		} else {
			sources = append(sources, m)
		}
		for i := len(sources) - 1; i >= 0; i-- { // the first map wins
			src := sources[i]
			switch {
			case src.Kind != yaml.MappingNode:
				t.add(Pos{src.Line, src.Column}, ptr, "a merge key (<<) takes a mapping or a list of mappings", "write <<: *anchor where the anchor names a mapping")
			case t.active[src] || depth >= maxDepth:
				t.add(Pos{src.Line, src.Column}, ptr, "a merge key (<<) merges a mapping into itself", "an anchor cannot merge itself")
			default:
				t.mapping(src, ptr, disp, depth+1, out)
			}
		}
	}
	own := map[string]Pos{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
			continue
		}
		if k.Kind != yaml.ScalarNode {
			t.add(Pos{k.Line, k.Column}, ptr, "a mapping key must be a plain name", "write keys as `name: value`")
			continue
		}
		key := unshieldVars(k.Value)
		cp := ptr + "/" + pointerEscape(key)
		if prev, dup := own[key]; dup {
			t.errs = append(t.errs, &Error{File: t.file, Pos: Pos{k.Line, k.Column}, Path: childDisplay(disp, key),
				Msg: fmt.Sprintf("key %q is defined twice (first at line %d)", key, prev.Line), Hint: "remove one of them; YAML keeps only one"})
		}
		own[key] = Pos{k.Line, k.Column}
		if _, merged := out[key]; merged && len(merges) > 0 {
			for _, m := range []map[string]Pos{t.val, t.key} { // the merged value's positions give way to this one's
				for p := range m {
					if strings.HasPrefix(p, cp+"/") {
						delete(m, p)
					}
				}
			}
		}
		delete(t.val, cp)
		t.key[cp] = Pos{k.Line, k.Column}
		out[key] = t.convert(v, cp, childDisplay(disp, key), depth+1)
	}
}

func deref(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// isEnvValue reports whether a pointer names an env value
// (services.S.env.K, also inside an environment overlay).
func isEnvValue(p string) bool {
	segs := strings.Split(p, "/")
	if len(segs) > 3 && segs[1] == "environments" {
		segs = segs[2:]
	}
	return len(segs) == 5 && segs[1] == "services" && segs[3] == "env"
}

func (t *tree) scalar(n *yaml.Node, ptr string) any {
	p := Pos{n.Line, n.Column}
	n.Value = unshieldVars(n.Value)
	if n.Tag == "!!str" || n.Tag == "" || n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		s, ok := t.interpolate(n.Value, p, ptr)
		if !ok {
			t.markFailed(ptr)
			return s
		}
		if n.Style == 0 && s != n.Value && !isEnvValue(ptr) {
			v := resolvePlain(s)
			if _, isString := v.(string); !isString {
				t.expanded[ptr] = s
			}
			return v
		}
		return s
	}
	if n.Tag != "!!null" && isEnvValue(ptr) {
		// Environment values are strings; keep numbers and booleans as
		// written (010 stays 010, not 8).
		return n.Value
	}
	switch n.Tag {
	case "!!null":
		return nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err == nil {
			return b
		}
	case "!!int":
		var i int64
		if err := n.Decode(&i); err == nil {
			return i
		}
		var u uint64
		if err := n.Decode(&u); err == nil {
			return float64(u)
		}
	case "!!float":
		var f float64
		if err := n.Decode(&f); err == nil {
			if math.IsNaN(f) || math.IsInf(f, 0) {
				what := fmt.Sprintf("%q", n.Value)
				if t.secret != nil && t.secret(ptr) {
					what = "the value"
				}
				t.add(p, ptr, what+" is not a finite number", "write a plain number, or quote it to make it a string")
				t.markFailed(ptr)
				return nil
			}
			return f
		}
	}
	// timestamps, binary and custom tags are kept as written
	return n.Value
}

// markFailed records a value that already has an error, so the schema
// check does not report it a second time.
func (t *tree) markFailed(ptr string) { t.failed[ptr] = true }

// resolvePlain gives an unquoted scalar that came from ${VAR} expansion the
// type YAML would have given it had it been written out: replicas: ${N}
// with N=3 is the number 3.
func resolvePlain(s string) any {
	var v any
	if err := yaml.Unmarshal([]byte(s), &v); err != nil {
		return s
	}
	switch x := v.(type) {
	case int:
		return int64(x)
	case bool, float64:
		return x
	}
	return s
}

// at returns the best known position for a pointer: its value, or the
// closest ancestor that has one.
func (t *tree) at(ptr string) Pos {
	for {
		if p, ok := t.val[ptr]; ok {
			return p
		}
		if ptr == "" {
			return Pos{Line: 1, Col: 1}
		}
		ptr = ptr[:strings.LastIndexByte(ptr, '/')]
	}
}

// atKey returns the position of the key naming ptr, falling back to at.
func (t *tree) atKey(ptr string) Pos {
	if p, ok := t.key[ptr]; ok {
		return p
	}
	return t.at(ptr)
}

// display returns the display path of a pointer, building it from the
// nearest known ancestor when the pointer names a value that is not there.
func (t *tree) display(ptr string) string {
	if d, ok := t.disp[ptr]; ok {
		return d
	}
	i := strings.LastIndexByte(ptr, '/')
	if i < 0 {
		return ""
	}
	seg := pointerUnescape(ptr[i+1:])
	return childDisplay(t.display(ptr[:i]), seg)
}

// ptr builds a JSON pointer from path segments.
func ptr(segs ...string) string {
	var b strings.Builder
	for _, s := range segs {
		b.WriteByte('/')
		b.WriteString(pointerEscape(s))
	}
	return b.String()
}
