package render

import (
	"fmt"
	"reflect"
	"strings"
	"unicode/utf8"
)

// yamlUnsafe reports a character that YAML cannot carry in a chart's
// output: Helm's toYaml goes through a YAML parser that refuses DEL, the
// C1 controls and the non-characters U+FFFE and U+FFFF, and then writes
// nothing at all, silently dropping the whole field; NEL (U+0085) is a
// YAML 1.1 line break, read back as a space in a block scalar.
func yamlUnsafe(r rune) bool {
	return r == 0x7f || r >= 0x80 && r <= 0x9f || r == 0xfffe || r == 0xffff
}

// textProblem says why s cannot go into a manifest as text ("" when it
// can): Kubernetes objects are JSON, which holds only UTF-8, and the chart
// writes them through YAML.
func textProblem(s string) string { return problem(s, false) }

// problem is textProblem; base64 values (Secret data, which the chart
// encodes) need only be UTF-8.
func problem(s string, base64 bool) string {
	if !utf8.ValidString(s) {
		return "is not valid UTF-8 (Kubernetes objects are JSON, which holds only UTF-8 text)"
	}
	if i := strings.IndexFunc(s, yamlUnsafe); i >= 0 && !base64 {
		r, _ := utf8.DecodeRuneInString(s[i:])
		return fmt.Sprintf("holds the character %U, which YAML cannot carry (Helm would drop the whole field)", r)
	}
	return ""
}

// checkText walks the values the chart renders and returns an error
// naming the first key or string that cannot be written as text, instead
// of letting it be replaced (invalid UTF-8 becomes U+FFFD) or dropped.
// The error names where, never the value (it may be a secret).
func checkText(v *Values) error {
	return walkText(reflect.ValueOf(v), "")
}

func walkText(v reflect.Value, at string) error {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return walkText(v.Elem(), at)
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !f.IsExported() || name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			sub := at
			if !f.Anonymous {
				sub = strings.TrimPrefix(at+"."+name, ".")
			}
			if err := walkText(v.Field(i), sub); err != nil {
				return err
			}
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			k := iter.Key()
			key := fmt.Sprint(k.Interface())
			if k.Kind() == reflect.String {
				if p := problem(key, false); p != "" {
					return fmt.Errorf("%s: the key %q %s", at, key, p)
				}
			}
			if err := walkText(iter.Value(), fmt.Sprintf("%s[%q]", at, key)); err != nil {
				return err
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if err := walkText(v.Index(i), fmt.Sprintf("%s[%d]", at, i)); err != nil {
				return err
			}
		}
	case reflect.String:
		if p := problem(v.String(), strings.HasPrefix(at, "secrets")); p != "" {
			return fmt.Errorf("%s: the value %s", at, p)
		}
	}
	return nil
}
