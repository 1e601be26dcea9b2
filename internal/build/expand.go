package build

import (
	"fmt"
	"math"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// maxExpansion bounds what one Dockerfile word may expand to, and
// maxExpansionTotal all the expansions of one parse or plan: ${VAR}
// substitution can double a value on every line (ENV A=$A$A) or square it
// (${A//?/$A}), and a few lines would otherwise take all the memory there
// is. Both are checked before expanding, against an upper bound.
const (
	maxExpansion      = 1 << 20
	maxExpansionTotal = 16 << 20
)

// replaceOp finds ${NAME/ and ${NAME// (BuildKit's pattern replacement),
// the substitutions whose output can be larger than their inputs added.
var replaceOp = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*|[0-9]+|[@*#?$!-])/`)

// expander runs BuildKit's word expansion under a memory budget.
type expander struct {
	lex    *shell.Lex
	escape rune
	used   int
}

// word expands w with env, refusing words whose expansion could exceed
// maxExpansion or the Dockerfile's total budget.
func (x *expander) word(w string, env mapEnv) (string, error) {
	b := expansionBound(w, env, x.escape)
	if b > maxExpansion {
		return "", fmt.Errorf("expanding %s could produce more than %d MiB (a variable that doubles on every line, such as ENV A=$A$A?)", firstLine(w), maxExpansion>>20)
	}
	if x.used+b > maxExpansionTotal {
		return "", fmt.Errorf("expanding %s: the Dockerfile's variables would expand to more than %d MiB in all", firstLine(w), maxExpansionTotal>>20)
	}
	s, _, err := x.lex.ProcessWord(w, env)
	if err != nil {
		return "", err
	}
	x.used += len(s)
	return s, nil
}

// expansionBound is an upper bound of the length of w expanded with env.
// Each $NAME or ${NAME...} stands for at most NAME's value (the lexer
// reads names straight from the text) or, in ${NAME:-word}, the word. A
// pattern replacement ${NAME//pattern/repl} can put repl at every
// position of NAME's value. Words with replacements and quotes or escapes
// (which can change where a ${...} ends) get a cruder bound, as if every
// replacement multiplied the whole word by the longest value.
func expansionBound(w string, env mapEnv, escape rune) int {
	// The lexer reads runes: a byte that is not UTF-8 comes out as
	// U+FFFD, three bytes; bound the word as written that way.
	if !utf8.ValidString(w) {
		var b strings.Builder
		for i := 0; i < len(w); {
			r, size := utf8.DecodeRuneInString(w[i:])
			if r == utf8.RuneError && size == 1 {
				b.WriteRune(utf8.RuneError)
			} else {
				b.WriteString(w[i : i+size])
			}
			i += size
		}
		w = b.String()
	}
	n := len(replaceOp.FindAllStringIndex(w, -1))
	if n == 0 || !strings.ContainsAny(w, "'\"") && !strings.ContainsRune(w, escape) {
		if b, ok := segmentBound(w, env); ok {
			return b
		}
	}
	longest := 0
	for _, v := range env {
		longest = max(longest, len(v))
	}
	b := satAdd(len(w), satMul(strings.Count(w, "$"), longest))
	for range n {
		b = satMul(satAdd(b, 1), satAdd(longest, 2))
	}
	return b
}

// segmentBound bounds the expansion of s by walking its ${...}; ok is
// false when s is not well formed.
func segmentBound(s string, env mapEnv) (b int, ok bool) {
	for i := 0; i < len(s); {
		if s[i] != '$' {
			b, i = satAdd(b, 1), i+1
			continue
		}
		if i+1 >= len(s) || s[i+1] != '{' {
			b, i = satAdd(b, 1+valueLen(s[i+1:], env)), i+1
			continue
		}
		start, end := i, closingBrace(s, i+2)
		if end < 0 {
			return 0, false
		}
		value := valueLen(s[i+2:end], env)
		i = end + 1
		if loc := replaceOp.FindStringIndex(s[start:end]); loc != nil && loc[0] == 0 {
			// After ${NAME/ (and the second / of ${NAME//): pattern/repl.
			rest := strings.TrimPrefix(s[start+loc[1]:end], "/")
			sep := depthZero(rest, '/')
			if sep < 0 {
				return 0, false
			}
			repl, ok := segmentBound(rest[sep+1:], env)
			if !ok {
				return 0, false
			}
			b = satAdd(b, max(end-start+1, satAdd(value, satMul(satAdd(value, 1), repl))))
			continue
		}
		// ${NAME}, ${NAME:-word}, ${NAME#pattern}...: the value or the word;
		// or, quoted ('${}') or escaped, the text itself.
		word, ok := segmentBound(s[start+2:end], env)
		if !ok {
			return 0, false
		}
		b = satAdd(b, max(end-start+1, satAdd(value, word)))
	}
	return b, true
}

// valueLen is the length of the value of the variable whose name starts
// s (BuildKit's names: digits, one special character, or letters, digits
// and _); the longest value for a special parameter.
func valueLen(s string, env mapEnv) int {
	n := 0
	switch {
	case s == "":
		return 0
	case s[0] >= '0' && s[0] <= '9':
		for n < len(s) && s[n] >= '0' && s[n] <= '9' {
			n++
		}
	case strings.IndexByte("@*#?$!-", s[0]) >= 0:
		longest := 0
		for _, v := range env {
			longest = max(longest, len(v))
		}
		return longest
	default:
		for n < len(s) && (s[n] == '_' || s[n] >= 'a' && s[n] <= 'z' || s[n] >= 'A' && s[n] <= 'Z' || s[n] >= '0' && s[n] <= '9') {
			n++
		}
	}
	return len(env[s[:n]])
}

// closingBrace is the index of the } that closes the ${ before from.
func closingBrace(s string, from int) int {
	depth := 1
	for k := from; k < len(s); k++ {
		switch {
		case s[k] == '$' && k+1 < len(s) && s[k+1] == '{':
			depth++
			k++
		case s[k] == '}':
			if depth--; depth == 0 {
				return k
			}
		}
	}
	return -1
}

// depthZero is the index of the first c in s outside any ${...}.
func depthZero(s string, c byte) int {
	for k := 0; k < len(s); k++ {
		switch {
		case s[k] == '$' && k+1 < len(s) && s[k+1] == '{':
			end := closingBrace(s, k+2)
			if end < 0 {
				return -1
			}
			k = end
		case s[k] == c:
			return k
		}
	}
	return -1
}

func satAdd(a, b int) int {
	if a > math.MaxInt-b {
		return math.MaxInt
	}
	return a + b
}

func satMul(a, b int) int {
	if a != 0 && b > math.MaxInt/a {
		return math.MaxInt
	}
	return a * b
}
