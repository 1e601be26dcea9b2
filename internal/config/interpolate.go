package config

// Interpolation of ${VAR} references in scalars, and the shielding of their
// braces from the YAML parser.

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// interpolate expands ${VAR}, ${VAR:-default}, ${VAR-default} and
// ${VAR:?message}; $$ is a literal $. A secret value that is exactly
// ${file:PATH} is the content of that file. It reports unset variables at the
// scalar's position and returns false when anything went wrong.
func (t *tree) interpolate(s string, p Pos, ptr string) (string, bool) {
	if !strings.Contains(s, "$") {
		return s, true
	}
	var out string
	var problems []expandProblem
	if m := fileRefRE.FindStringSubmatch(s); m != nil {
		out, problems = t.readFileRef(m[1], ptr)
	} else {
		out, problems = expand(s, t.getenv)
	}
	if len(problems) > 0 && t.secret != nil && t.secret(ptr) {
		// The text of a secret value must not reach a message.
		for i := range problems {
			problems[i].msg = problems[i].redacted
		}
	}
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

type expandProblem struct{ msg, hint, redacted string }

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
				msg:      fmt.Sprintf("unterminated variable reference %q", s[i:]),
				redacted: "unterminated variable reference in the value",
				hint:     "close it with }, or write $$ for a literal $",
			})
			b.WriteString(s[i:])
			break
		}
		expr := s[i+2 : i+2+end]
		i += 2 + end
		name, op, arg := splitVar(expr)
		if !envNameRE.MatchString(name) {
			problems = append(problems, expandProblem{
				msg:      fmt.Sprintf("invalid variable name %q in ${%s}", name, expr),
				redacted: "invalid variable name in a ${...} reference of the value",
				hint:     "variable names are letters, digits and _; write $$ for a literal $",
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
				state := "is not set"
				if set {
					state = "is empty"
				}
				msg := fmt.Sprintf("environment variable %s %s", name, state)
				if arg != "" {
					msg += ": " + arg
				}
				problems = append(problems, expandProblem{
					msg:      msg,
					redacted: msg,
					hint:     fmt.Sprintf("export %s=... before running berth", name),
				})
				continue
			}
		default:
			if !set {
				problems = append(problems, expandProblem{
					msg:      fmt.Sprintf("environment variable %s is not set", name),
					redacted: fmt.Sprintf("environment variable %s is not set", name),
					hint:     fmt.Sprintf("export %s=... before running berth, or give a default: ${%s:-value}", name, name),
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
