package kube

import (
	"encoding/json"
	"regexp"
	"strings"
)

// LogFilter keeps Secret values out of client-go's logs: at -v 8 and
// above client-go logs request and response bodies ("Request Body",
// "Response Body"), which for Secrets hold their values, base64-encoded.
// Install it with klog.SetLogFilter before raising the verbosity.
type LogFilter struct{}

// Filter redacts the arguments of klog.Info-style calls.
func (LogFilter) Filter(args []any) []any {
	for i, a := range args {
		if s, ok := a.(string); ok {
			args[i] = RedactBody(s)
		}
	}
	return args
}

// FilterF redacts the arguments of klog.Infof-style calls.
func (f LogFilter) FilterF(format string, args []any) (string, []any) {
	return format, f.Filter(args)
}

// FilterS redacts the values of structured (klog.InfoS) calls, where
// client-go puts the bodies.
func (LogFilter) FilterS(msg string, kv []any) (string, []any) {
	for i := 1; i < len(kv); i += 2 {
		switch v := kv[i].(type) {
		case string:
			kv[i] = RedactBody(v)
		case []byte:
			kv[i] = RedactBody(string(v))
		}
	}
	return msg, kv
}

// RedactedValue replaces Secret values in logs.
const RedactedValue = "(redacted)"

var (
	hexDump = regexp.MustCompile(`^[0-9a-f]{8}  [0-9a-f]{2} `)
	// dataMap finds the start of a data or stringData map in JSON text.
	dataMap = regexp.MustCompile(`"(?:data|stringData)"\s*:\s*\{`)
)

// RedactBody returns an API request or response body (JSON, as client-go
// logs it, possibly truncated) with the values of every Secret in it
// replaced: in Secrets, SecretLists and watch events, data, stringData and
// kubectl's last-applied-configuration annotation. A body that does not
// parse (client-go truncates long ones) has every data and stringData map
// blanked, whatever kind it is of: with the kind cut off, berth cannot
// tell. Binary bodies are not shown.
func RedactBody(s string) string {
	if hexDump.MatchString(s) {
		return "(a binary body, not shown)"
	}
	if !strings.Contains(s, "data") && !strings.Contains(s, "last-applied") {
		return s
	}
	var v any
	if err := json.Unmarshal([]byte(s), &v); err == nil {
		if !redactJSON(v, false) {
			return s
		}
		b, err := json.Marshal(v)
		if err != nil {
			return RedactedValue
		}
		return string(b)
	}
	return redactText(s)
}

// redactJSON redacts the Secrets in a decoded JSON value; secret says v
// is known to be a Secret (an item of a SecretList). It reports whether it
// changed anything.
func redactJSON(v any, secret bool) bool {
	changed := false
	switch x := v.(type) {
	case map[string]any:
		kind, _ := x["kind"].(string)
		if kind == "Secret" || secret && kind == "" {
			for _, field := range []string{"data", "stringData"} {
				if m, ok := x[field].(map[string]any); ok {
					for k := range m {
						m[k] = RedactedValue
					}
					changed = true
				}
			}
			if md, ok := x["metadata"].(map[string]any); ok {
				if ann, ok := md["annotations"].(map[string]any); ok {
					if _, ok := ann["kubectl.kubernetes.io/last-applied-configuration"]; ok {
						ann["kubectl.kubernetes.io/last-applied-configuration"] = RedactedValue
						changed = true
					}
				}
			}
		}
		for k, c := range x {
			if k == "items" && kind == "SecretList" {
				if items, ok := c.([]any); ok {
					for _, it := range items {
						if redactJSON(it, true) {
							changed = true
						}
					}
				}
				continue
			}
			if redactJSON(c, false) {
				changed = true
			}
		}
	case []any:
		for _, c := range x {
			if redactJSON(c, secret) {
				changed = true
			}
		}
	}
	return changed
}

// redactText blanks every data and stringData map of JSON text that does
// not parse, up to its closing brace or the end of the text.
func redactText(s string) string {
	if strings.Contains(s, "last-applied-configuration") {
		// Its value is a whole object as JSON text; without the structure
		// berth cannot cut it out.
		return RedactedValue
	}
	var b strings.Builder
	for {
		loc := dataMap.FindStringIndex(s)
		if loc == nil {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:loc[1]])
		b.WriteString(`"` + RedactedValue + `"`)
		rest := s[loc[1]:]
		end := closingBrace(rest)
		if end < 0 {
			break
		}
		s = rest[end:]
	}
	return b.String()
}

// closingBrace finds the } that closes a map whose { was just before s,
// skipping strings; -1 when s ends first.
func closingBrace(s string) int {
	depth, inString := 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case inString:
		case c == '{':
			depth++
		case c == '}':
			if depth == 0 {
				return i
			}
			depth--
		}
	}
	return -1
}
