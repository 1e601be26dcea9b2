package config

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

//go:embed berth.schema.json
var schemaJSON []byte

// SchemaURL is the $id of the berth.yaml JSON Schema and where editors
// fetch it: the raw path of this file, berth.schema.json, in the
// repository. berth init's and berth import compose's modeline
// (templates.Modeline), berth schema --help and the docs name it.
const SchemaURL = "https://raw.githubusercontent.com/berth-dev/berth/main/internal/config/berth.schema.json"

// Schema returns the JSON Schema of berth.yaml, generated from this
// package's types (see schema_gen_test.go).
func Schema() []byte { return bytes.Clone(schemaJSON) }

// compiledSchema compiles the embedded schema once per process: compiling
// (which also checks the schema against its metaschema) costs more than
// validating a large berth.yaml. The result is immutable.
var compiledSchema = sync.OnceValues(compileSchema)

func compileSchema() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaJSON))
	if err != nil {
		return nil, fmt.Errorf("reading the embedded schema: %w", err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(SchemaURL, doc); err != nil {
		return nil, fmt.Errorf("loading the embedded schema: %w", err)
	}
	return c.Compile(SchemaURL)
}

// checkSchema validates the tree against the schema and turns every leaf
// failure into an Error at the value's position.
func (t *tree) checkSchema() {
	sch, err := compiledSchema()
	if err != nil {
		t.errs = append(t.errs, &Error{File: t.file, Msg: err.Error()})
		return
	}
	err = sch.Validate(t.root)
	var ve *jsonschema.ValidationError
	if err == nil {
		return
	}
	if !asValidationError(err, &ve) {
		t.errs = append(t.errs, &Error{File: t.file, Msg: err.Error()})
		return
	}
	// An unquoted ${VAR} that expanded to 5432 or true is a string where
	// the schema wants one: use the text and check again.
	if t.coerceExpanded(ve) {
		t.checkSchema()
		return
	}
	t.schemaLeaves(ve)
}

// coerceExpanded replaces expanded values at type mismatches that accept a
// string by their text; it reports whether it changed anything.
func (t *tree) coerceExpanded(e *jsonschema.ValidationError) bool {
	changed := false
	if k, ok := e.ErrorKind.(*kind.Type); ok && slices.Contains(k.Want, "string") {
		p := ptr(e.InstanceLocation...)
		if text, ok := t.expanded[p]; ok {
			t.set(p, text)
			delete(t.expanded, p)
			changed = true
		}
	}
	for _, c := range e.Causes {
		if t.coerceExpanded(c) {
			changed = true
		}
	}
	return changed
}

// set replaces the value a pointer names.
func (t *tree) set(p string, v any) {
	i := strings.LastIndexByte(p, '/')
	parent, last := t.lookup(p[:i]), pointerUnescape(p[i+1:])
	switch c := parent.(type) {
	case map[string]any:
		c[last] = v
	case []any:
		if n, err := strconv.Atoi(last); err == nil && n >= 0 && n < len(c) {
			c[n] = v
		}
	}
}

func asValidationError(err error, out **jsonschema.ValidationError) bool {
	ve, ok := err.(*jsonschema.ValidationError)
	*out = ve
	return ok
}

// schemaLeaves walks to the causes that say something concrete. For anyOf
// (union types) it drops the alternatives whose type did not match, so a
// mistyped key inside a mapping form is reported as that key, not as
// "string expected".
func (t *tree) schemaLeaves(e *jsonschema.ValidationError) {
	causes := e.Causes
	switch e.ErrorKind.(type) {
	case *kind.AnyOf, *kind.OneOf:
		var concrete []*jsonschema.ValidationError
		for _, c := range causes {
			if !isTypeMismatchAt(c, e.InstanceLocation) {
				concrete = append(concrete, c)
			}
		}
		if len(concrete) == 0 {
			t.schemaError(e, unionTypes(e))
			return
		}
		causes = concrete
	}
	if len(causes) == 0 {
		t.schemaError(e, nil)
		return
	}
	for _, c := range causes {
		t.schemaLeaves(c)
	}
}

func isTypeMismatchAt(e *jsonschema.ValidationError, loc []string) bool {
	if !slices.Equal(e.InstanceLocation, loc) {
		return false
	}
	switch e.ErrorKind.(type) {
	case *kind.Type:
		return true
	case *kind.Group, *kind.AnyOf:
		for _, c := range e.Causes {
			if !isTypeMismatchAt(c, loc) {
				return false
			}
		}
		return len(e.Causes) > 0
	}
	return false
}

func unionTypes(e *jsonschema.ValidationError) []string {
	var want []string
	var walk func(*jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if k, ok := e.ErrorKind.(*kind.Type); ok {
			want = append(want, k.Want...)
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(e)
	slices.Sort(want)
	return slices.Compact(want)
}

func (t *tree) schemaError(e *jsonschema.ValidationError, unionWant []string) {
	p := ptr(e.InstanceLocation...)
	if t.failed[p] {
		return // already reported where the value was read
	}
	pos := t.at(p)
	v := t.lookup(p)
	quoted := func() string {
		if t.secret != nil && t.secret(p) {
			return "the value"
		}
		return fmt.Sprintf("%q", fmt.Sprint(v))
	}
	switch k := e.ErrorKind.(type) {
	case *kind.AdditionalProperties:
		allowed := t.allowedKeys(e)
		for _, name := range k.Properties {
			cp := p + "/" + pointerEscape(name)
			msg := fmt.Sprintf("unknown field %q", name)
			hint := ""
			if s := suggest(name, allowed); s != "" {
				hint = fmt.Sprintf("did you mean %q?", s)
			} else if len(allowed) > 0 {
				hint = "known fields here: " + strings.Join(allowed, ", ")
			}
			t.errs = append(t.errs, &Error{File: t.file, Pos: t.atKey(cp), Path: t.display(cp), Msg: msg, Hint: hint})
		}
	case *kind.Required:
		for _, name := range k.Missing {
			t.errs = append(t.errs, &Error{File: t.file, Pos: t.atKey(p), Path: t.display(p), Msg: fmt.Sprintf("missing required field %q", name), Hint: requiredHint(p, name)})
		}
	case *kind.Type:
		t.typeError(p, pos, k.Got, k.Want)
	case *kind.AnyOf, *kind.OneOf:
		t.typeError(p, pos, jsonTypeName(v), unionWant)
	case *kind.Enum:
		var want []string
		for _, w := range k.Want {
			want = append(want, fmt.Sprint(w))
		}
		hint := "use one of: " + strings.Join(want, ", ")
		if s := suggest(fmt.Sprint(v), want); s != "" {
			hint = fmt.Sprintf("did you mean %q? (one of: %s)", s, strings.Join(want, ", "))
		}
		t.errs = append(t.errs, &Error{File: t.file, Pos: pos, Path: t.display(p), Msg: fmt.Sprintf("%s is not a valid value", quoted()), Hint: hint})
	case *kind.Maximum:
		t.errs = append(t.errs, &Error{File: t.file, Pos: pos, Path: t.display(p), Msg: fmt.Sprintf("%s is too large (at most %s)", k.Got.RatString(), k.Want.RatString()), Hint: "Kubernetes stores this as a 32-bit number"})
	case *kind.Minimum:
		t.errs = append(t.errs, &Error{File: t.file, Pos: pos, Path: t.display(p), Msg: fmt.Sprintf("%s is too small (at least %s)", k.Got.RatString(), k.Want.RatString())})
	default:
		t.errs = append(t.errs, &Error{File: t.file, Pos: pos, Path: t.display(p), Msg: e.ErrorKind.LocalizedString(message.NewPrinter(language.English))})
	}
}

func (t *tree) typeError(p string, pos Pos, got string, want []string) {
	hint := ""
	_, fromVar := t.expanded[p]
	if s, ok := t.lookup(p).(string); ok && slices.Contains(want, "object") && missingSpace.MatchString(s) {
		first := strings.Fields(s)[0]
		hint = fmt.Sprintf("YAML needs a space after the colon of each key: write `%s`", missingSpace.ReplaceAllString(first, "$1: $2"))
	} else if slices.Contains(want, "object") && got == "string" {
		hint = "this field takes a mapping of `key: value` lines, indented under it"
	} else if fromVar {
		hint = "the value comes from a ${VAR} expansion; check the variable's value"
	} else if slices.Contains(want, "array") {
		hint = "this field takes a list: `[a, b]` or lines starting with `- `"
	} else if got == "string" && (slices.Contains(want, "integer") || slices.Contains(want, "number")) {
		hint = numberHint(p, t.lookup(p), want)
	} else if slices.Contains(want, "string") && (got == "number" || got == "integer" || got == "boolean") {
		hint = "quote the value to make it a string, e.g. \"5432\" or \"true\""
	}
	if got == "null" {
		hint = "the field has no value; give one or remove the field"
	}
	t.errs = append(t.errs, &Error{File: t.file, Pos: pos, Path: t.display(p),
		Msg: fmt.Sprintf("expected %s, got %s", orList(want), typeWord(got)), Hint: hint})
}

// numeral matches a number written as text, e.g. the quoted "3".
var numeral = regexp.MustCompile(`^[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?$`)

// numberHint is the hint for a string where a number belongs: a number in
// quotes needs them removed; other text (replicas: two) needs a number.
func numberHint(ptr string, v any, want []string) string {
	if s, ok := v.(string); ok && numeral.MatchString(strings.TrimSpace(s)) {
		return "write the number without quotes"
	}
	field := ptr[strings.LastIndex(ptr, "/")+1:]
	if field == "" || field[0] >= '0' && field[0] <= '9' {
		field = "the value" // a list item
	}
	if slices.Contains(want, "number") {
		return field + " must be a number such as 2 or 0.5"
	}
	return field + " must be a whole number such as 2"
}

func typeWord(ty string) string {
	switch ty {
	case "object":
		return "a mapping"
	case "array":
		return "a list"
	case "null":
		return "nothing"
	case "integer":
		return "an integer"
	}
	return "a " + ty
}

// missingSpace matches `image:nginx`, a key and value without the space YAML needs.
var missingSpace = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9_-]*):(\S.*)$`)

// typeRank orders type names as a person would list them.
var typeRank = map[string]int{"string": 0, "integer": 1, "number": 2, "boolean": 3, "object": 4, "array": 5, "null": 6}

func orList(types []string) string {
	types = slices.Clone(types)
	slices.SortFunc(types, func(a, b string) int { return typeRank[a] - typeRank[b] })
	types = slices.Compact(types)
	if len(types) > 1 && types[len(types)-1] == "null" {
		types = types[:len(types)-1] // "nothing" is never what to write
	}
	if slices.Contains(types, "integer") && slices.Contains(types, "number") {
		types = slices.DeleteFunc(types, func(s string) bool { return s == "integer" })
	}
	words := make([]string, len(types))
	for i, ty := range types {
		words[i] = typeWord(ty)
	}
	switch len(words) {
	case 0:
		return "another type"
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

func jsonTypeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case int64, int, float64:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "value"
}

func requiredHint(p, name string) string {
	if p != "" {
		return fmt.Sprintf("add `%s:`", name)
	}
	switch name {
	case "apiVersion":
		return "add `apiVersion: " + APIVersion + "` at the top of the file"
	case "name":
		return "add the application name, e.g. `name: myapp`"
	case "services":
		return "add at least one service under `services:`"
	}
	return fmt.Sprintf("add `%s:`", name)
}

// allowedKeys reads the property names of the schema that rejected a key.
func (t *tree) allowedKeys(e *jsonschema.ValidationError) []string {
	return propertiesAt(e.SchemaURL)
}

// propertiesAt resolves a schema location such as
// https://raw.githubusercontent.com/.../berth.schema.json#/$defs/Service/additionalProperties
// to the property names of that definition.
func propertiesAt(schemaURL string) []string {
	i := strings.Index(schemaURL, "#")
	if i < 0 {
		return nil
	}
	frag := strings.TrimSuffix(schemaURL[i+1:], "/additionalProperties")
	var doc map[string]any
	if json.Unmarshal(schemaJSON, &doc) != nil {
		return nil
	}
	var cur any = doc
	for _, seg := range strings.Split(strings.TrimPrefix(frag, "/"), "/") {
		if seg == "" {
			continue
		}
		switch c := cur.(type) {
		case map[string]any:
			cur = c[pointerUnescape(seg)]
		case []any: // anyOf/oneOf alternatives of a union type
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(c) {
				return nil
			}
			cur = c[i]
		default:
			return nil
		}
	}
	m, _ := cur.(map[string]any)
	props, _ := m["properties"].(map[string]any)
	var names []string
	for k := range props {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

// lookup returns the value a pointer names, or nil.
func (t *tree) lookup(p string) any {
	cur := t.root
	if p == "" {
		return cur
	}
	for _, seg := range strings.Split(p[1:], "/") {
		seg = pointerUnescape(seg)
		switch c := cur.(type) {
		case map[string]any:
			cur = c[seg]
		case []any:
			i := 0
			if _, err := fmt.Sscan(seg, &i); err != nil || i < 0 || i >= len(c) {
				return nil
			}
			cur = c[i]
		default:
			return nil
		}
	}
	return cur
}
