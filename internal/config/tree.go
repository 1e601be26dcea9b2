package config

import (
	"bytes"
	"fmt"
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
	nodes  int
	getenv func(string) (string, bool)
	// secret marks pointers whose values must never be quoted in messages.
	secret func(ptr string) bool
}

func newTree(file string, getenv func(string) (string, bool)) *tree {
	return &tree{
		file:   file,
		val:    map[string]Pos{},
		key:    map[string]Pos{},
		disp:   map[string]string{"": ""},
		getenv: getenv,
	}
}

// parse reads YAML bytes into the tree. Syntax errors stop parsing; all
// other problems are collected.
func (t *tree) parse(data []byte) {
	var n yaml.Node
	if err := yaml.Unmarshal(shieldVars(data), &n); err != nil {
		t.errs = append(t.errs, t.syntaxError(err))
		return
	}
	if n.Kind == 0 || len(n.Content) == 0 {
		t.add(Pos{Line: 1, Col: 1}, "", "the file is empty", "start from `berth init`, or write at least apiVersion: berth/v1, name and services")
		return
	}
	t.root = t.convert(n.Content[0], "", "", 0)
}

var yamlLineRE = regexp.MustCompile(`^yaml: (?:line (\d+): )?(.*)$`)

func (t *tree) syntaxError(err error) *Error {
	msg := err.Error()
	pos := Pos{}
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		if m[1] != "" {
			pos.Line, _ = strconv.Atoi(m[1])
			pos.Col = 1
		}
		msg = m[2]
	}
	return &Error{File: t.file, Pos: pos, Msg: "invalid YAML: " + msg, Hint: "check indentation (spaces, not tabs) and that every `key: value` has a space after the colon"}
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

func (t *tree) convert(n *yaml.Node, ptr, disp string, depth int) any {
	if depth > maxDepth {
		t.add(Pos{n.Line, n.Column}, ptr, "the document nests too deeply", "berth.yaml never needs more than a few levels")
		return nil
	}
	t.nodes++
	if t.nodes == maxNodes {
		t.add(Pos{n.Line, n.Column}, ptr, "the document expands to more than 200,000 values", "check YAML aliases (*name): each use copies the anchored value")
	}
	if t.nodes >= maxNodes {
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
		return t.convert(n.Alias, ptr, disp, depth+1)
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil
		}
		return t.convert(n.Content[0], ptr, disp, depth+1)
	case yaml.SequenceNode:
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

func (t *tree) mapping(n *yaml.Node, ptr, disp string, depth int, out map[string]any) {
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" { // <<: *anchor
			src := v
			if src.Kind == yaml.AliasNode && src.Alias != nil {
				src = src.Alias
			}
			if src.Kind == yaml.MappingNode && depth < maxDepth {
				t.mapping(src, ptr, disp, depth+1, out)
			}
			continue
		}
		if k.Kind != yaml.ScalarNode {
			t.add(Pos{k.Line, k.Column}, ptr, "a mapping key must be a plain name", "write keys as `name: value`")
			continue
		}
		k.Value = unshieldVars(k.Value)
		cp := ptr + "/" + pointerEscape(k.Value)
		if _, dup := out[k.Value]; dup {
			if prev, ok := t.key[cp]; ok && prev.Line != 0 {
				t.add(Pos{k.Line, k.Column}, ptr, fmt.Sprintf("key %q is defined twice (first at line %d)", k.Value, prev.Line), "remove one of them; YAML keeps only one")
			}
		}
		t.key[cp] = Pos{k.Line, k.Column}
		delete(t.val, cp) // a merged or duplicate key takes the new position
		out[k.Value] = t.convert(v, cp, childDisplay(disp, k.Value), depth+1)
	}
}

func (t *tree) scalar(n *yaml.Node, ptr string) any {
	p := Pos{n.Line, n.Column}
	n.Value = unshieldVars(n.Value)
	if n.Tag == "!!str" || n.Tag == "" || n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		s, ok := t.interpolate(n.Value, p, ptr)
		if !ok {
			return s
		}
		if n.Style == 0 && s != n.Value {
			return resolvePlain(s)
		}
		return s
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
				t.add(p, ptr, fmt.Sprintf("%q is not a finite number", n.Value), "write a plain number")
				return nil
			}
			return f
		}
	}
	// timestamps, binary and custom tags are kept as written
	return n.Value
}

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

// interpolate expands ${VAR}, ${VAR:-default}, ${VAR-default} and
// ${VAR:?message}; $$ is a literal $. It reports unset variables at the
// scalar's position and returns false when anything went wrong.
func (t *tree) interpolate(s string, p Pos, ptr string) (string, bool) {
	if !strings.Contains(s, "$") {
		return s, true
	}
	out, problems := expand(s, t.getenv)
	env := ""
	if rest, ok := strings.CutPrefix(ptr, "/environments/"); ok {
		env, _, _ = strings.Cut(rest, "/")
		env = pointerUnescape(env)
	}
	for _, pr := range problems {
		e := &Error{File: t.file, Pos: p, Path: t.disp[ptr], Msg: pr.msg, Hint: pr.hint}
		if env != "" {
			if t.envErrs == nil {
				t.envErrs = map[string]Errors{}
			}
			t.envErrs[env] = append(t.envErrs[env], e)
			continue
		}
		t.errs = append(t.errs, e)
	}
	return out, len(problems) == 0
}

type expandProblem struct{ msg, hint string }

// expand performs the substitution; it is separate from the tree so the
// fuzzer can drive it directly.
func expand(s string, getenv func(string) (string, bool)) (string, []expandProblem) {
	var b strings.Builder
	var problems []expandProblem
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '$' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
			continue
		case '{':
		default:
			b.WriteByte(c)
			continue
		}
		end := strings.IndexByte(s[i+2:], '}')
		if end < 0 {
			problems = append(problems, expandProblem{
				msg:  fmt.Sprintf("unterminated variable reference %q", s[i:]),
				hint: "close it with }, or write $$ for a literal $",
			})
			b.WriteString(s[i:])
			break
		}
		expr := s[i+2 : i+2+end]
		i += 2 + end
		name, op, arg := splitVar(expr)
		if !envNameRE.MatchString(name) {
			problems = append(problems, expandProblem{
				msg:  fmt.Sprintf("invalid variable name %q in ${%s}", name, expr),
				hint: "variable names are letters, digits and _; write $$ for a literal $",
			})
			continue
		}
		val, set := getenv(name)
		switch op {
		case ":-":
			if !set || val == "" {
				val = arg
			}
		case "-":
			if !set {
				val = arg
			}
		case ":?":
			if !set || val == "" {
				msg := arg
				if msg == "" {
					msg = "is required"
				}
				problems = append(problems, expandProblem{
					msg:  fmt.Sprintf("environment variable %s is not set: %s", name, msg),
					hint: fmt.Sprintf("export %s=... before running berth", name),
				})
				continue
			}
		default:
			if !set {
				problems = append(problems, expandProblem{
					msg:  fmt.Sprintf("environment variable %s is not set", name),
					hint: fmt.Sprintf("export %s=... before running berth, or give a default: ${%s:-value}", name, name),
				})
				continue
			}
		}
		b.WriteString(val)
	}
	return b.String(), problems
}

var envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func splitVar(expr string) (name, op, arg string) {
	for i := 0; i < len(expr); i++ {
		switch {
		case strings.HasPrefix(expr[i:], ":-"), strings.HasPrefix(expr[i:], ":?"):
			return expr[:i], expr[i : i+2], expr[i+2:]
		case expr[i] == '-':
			return expr[:i], "-", expr[i+1:]
		}
	}
	return expr, "", ""
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

// Braces are flow indicators in YAML, so `{password: ${PW}}` is not valid
// YAML as written, though it is the natural way to write it. shieldVars
// swaps the braces of ${...} references for private-use characters (one
// character each, so columns stay right) before parsing; unshieldVars
// restores them in every scalar.
const (
	shieldOpen  = '\ue000'
	shieldClose = '\ue001'
)

var varRefRE = regexp.MustCompile(`\$\{[^{}\n\r]*\}`)

func shieldVars(data []byte) []byte {
	if !bytes.Contains(data, []byte("${")) || bytes.ContainsRune(data, shieldOpen) || bytes.ContainsRune(data, shieldClose) {
		return data
	}
	return varRefRE.ReplaceAllFunc(data, func(m []byte) []byte {
		inner := m[2 : len(m)-1]
		out := make([]byte, 0, len(m)+4)
		out = append(out, '$')
		out = utf8.AppendRune(out, shieldOpen)
		out = append(out, inner...)
		return utf8.AppendRune(out, shieldClose)
	})
}

func unshieldVars(s string) string {
	if !strings.ContainsRune(s, shieldOpen) {
		return s
	}
	return strings.NewReplacer(string(shieldOpen), "{", string(shieldClose), "}").Replace(s)
}
