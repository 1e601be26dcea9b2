package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"
)

// yaml.v3 reports a syntax error at the start of the block it was parsing
// (often lines above the mistake), not at the token that broke it. The
// locator below finds the line itself: the first line L such that the
// file's first L lines fail exactly as the whole file does. Every line
// before it parses, so L is the one to fix; the node tree of the lines
// above then tells which indentations were open there, for a precise
// message.
//
// Failing "exactly as the whole file" (same message, same parser line) is,
// in practice, false for every prefix that ends before L, even one that cuts a
// multi-line quoted value in two (its error names another line), and true
// for every prefix from L on, so a binary search finds L in a few parses.
//
// Why not another parser for positions: on the 334 one-space shifts of the
// lines of testdata/valid that break the YAML (TestSyntaxErrorLineMutations),
// yaml.v3's line is right for 45, github.com/goccy/go-yaml v1.19.2's token
// position for 103 (it names the start of the scalar a too-deep line
// continues, so misses the issue's own case), this locator for 332; and
// goccy would be a second YAML parser of 14,000 lines in the loader.

// level is an indentation a new line may start at: a key of an open block
// mapping, or an item of an open block sequence.
type level struct {
	col  int  // 1-based column of the keys or of the `-`
	seq  bool // a sequence's `-`
	line int  // line of the last key or item at this column
	// first is the line of the block's first entry; entries counts them.
	first, entries int
	name           string // that key, for messages
	// scalar is the last value of a mapping when it is a plain scalar:
	// a deeper line continues it.
	scalar *yaml.Node
	// empty marks a last key with no value yet: a deeper line starts it.
	empty bool
}

// syntaxSite is the line a syntax error is on and what was open above it.
type syntaxSite struct {
	line   int    // 1-based line that cannot continue the document
	text   string // that line, without its line break
	levels []level
	// last is the deepest value above the line, when a scalar.
	last *yaml.Node
	// spansTo is the line the parser failed on, when a value starting on
	// line spans down to it; 0 otherwise.
	spansTo int
	// redact keeps the file's text out of messages (the line is inside a
	// secret).
	redact bool
}

// pointer is the JSON pointer of the deepest open value (list items as 0).
func (s syntaxSite) pointer() string {
	var b strings.Builder
	for _, l := range s.levels {
		b.WriteString("/")
		if l.seq {
			b.WriteString("0")
			continue
		}
		b.WriteString(pointerEscape(l.name))
	}
	return b.String()
}

// maxWalkBack bounds how many lines a value spanning lines may take.
const maxWalkBack = 50

// locateSyntax finds the first line of data whose prefix fails with
// full, the whole file's parse error. It returns false when the lines above
// that one do not parse on their own (nothing to blame precisely).
func locateSyntax(data []byte, full string) (syntaxSite, bool) {
	starts := lineStarts(data)
	upTo := func(j int) []byte {
		if j >= len(starts) {
			return data
		}
		return data[:starts[j]]
	}
	j := sort.Search(len(starts), func(i int) bool {
		_, err := decodeFirst(upTo(i + 1))
		return err != nil && err.Error() == full
	})
	if j >= len(starts) {
		return syntaxSite{}, false
	}
	// The lines above may end inside a value that spans lines (a quoted
	// string closed further down, wrongly): blame the line it starts on.
	broken := j + 1
	root, err := decodeFirst(upTo(j))
	for back := 0; err != nil && j > 0 && back < maxWalkBack; back++ {
		j--
		root, err = decodeFirst(upTo(j))
	}
	if err != nil {
		return syntaxSite{}, false
	}
	text := data[starts[j]:]
	if i := bytes.IndexByte(text, '\n'); i >= 0 {
		text = text[:i]
	}
	s := syntaxSite{line: j + 1, text: strings.TrimSuffix(string(text), "\r")}
	if broken != s.line {
		s.spansTo = broken
	}
	s.levels, s.last = openLevels(root)
	return s, true
}

// lineStarts returns the offset of every line's first byte.
func lineStarts(data []byte) []int {
	starts := []int{0}
	for i, c := range data {
		if c == '\n' && i+1 < len(data) {
			starts = append(starts, i+1)
		}
	}
	return starts
}

// decodeFirst parses the first document of data, as parse does, and
// returns its root value (nil for none).
func decodeFirst(data []byte) (*yaml.Node, error) {
	var n yaml.Node
	err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&n)
	if errors.Is(err, io.EOF) || err == nil && len(n.Content) == 0 {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return n.Content[0], nil
}

// openLevels walks down the last entry of every block collection, from the
// root, and returns the indentations open at the end of the document.
func openLevels(n *yaml.Node) ([]level, *yaml.Node) {
	var out []level
	for n != nil && n.Style&yaml.FlowStyle == 0 {
		switch {
		case n.Kind == yaml.MappingNode && len(n.Content) >= 2:
			key, val := n.Content[len(n.Content)-2], n.Content[len(n.Content)-1]
			// A block's own position is its anchor's or tag's, when it has
			// one; its first key's is where the block is.
			first := n.Content[0]
			l := level{col: first.Column, line: key.Line, name: key.Value, first: first.Line, entries: len(n.Content) / 2}
			switch {
			case val.Kind == yaml.ScalarNode && val.Style == 0 && val.Tag == "!!null" && val.Value == "":
				l.empty = true
			case val.Kind == yaml.ScalarNode && val.Style == 0:
				l.scalar = val
			}
			out = append(out, l)
			n = val
		case n.Kind == yaml.SequenceNode && len(n.Content) > 0:
			item := n.Content[len(n.Content)-1]
			l := level{col: n.Column, seq: true, line: item.Line, first: n.Line, entries: len(n.Content)}
			if first := n.Content[0]; first.Line != n.Line {
				l.col, l.first = first.Column-2, first.Line // after an anchor: `- ITEM`
			}
			out = append(out, l)
			n = item
		case n.Kind == yaml.ScalarNode:
			return out, n
		default:
			return out, nil
		}
	}
	return out, nil
}

// indent returns the number of leading spaces of s, and the offset of a
// tab among its leading blanks (-1 for none).
func indent(s string) (int, int) {
	for i, c := range s {
		switch c {
		case ' ':
			continue
		case '\t':
			return i, i
		}
		return i, -1
	}
	return len(s), -1
}

// col converts a byte offset in s to a 1-based column in characters.
func col(s string, off int) int {
	return utf8.RuneCountInString(s[:off]) + 1
}

// describe turns the site into a position, a message and a hint. msg is
// the parser's message, used when no rule below knows better.
func (s syntaxSite) describe(msg string) (Pos, string, string) {
	ind, tab := indent(s.text)
	at := Pos{s.line, col(s.text, ind)}
	if tab >= 0 {
		return Pos{s.line, col(s.text, tab)}, "a tab indents this line", "YAML does not allow tabs for indentation; indent with spaces"
	}
	if s.spansTo > 0 {
		if q := strings.IndexAny(s.text[ind:], `"'[{`); q >= 0 {
			c := s.text[ind+q]
			what, hint := "quoted value", fmt.Sprintf("add the closing `%c` where the value ends on this line", c)
			if c == '[' || c == '{' {
				what, hint = fmt.Sprintf("`%c`", c), fmt.Sprintf("close it with `%s` where it ends", map[byte]string{'[': "]", '{': "}"}[c])
			}
			return Pos{s.line, col(s.text, ind+q)}, fmt.Sprintf("the %s that starts here runs on to line %d, which YAML then cannot read", what, s.spansTo), hint
		}
	}
	if strings.Contains(msg, "end of stream") {
		if q := strings.IndexAny(s.text[ind:], `"'`); q >= 0 {
			quote := s.text[ind+q : ind+q+1]
			return Pos{s.line, col(s.text, ind+q)}, "the quoted value that starts here is never closed",
				fmt.Sprintf("add the closing `%s` at the end of the value", quote)
		}
	}
	if strings.Contains(msg, "did not find expected ',' or") {
		if b := strings.IndexAny(s.text[ind:], "[{"); b >= 0 {
			open := s.text[ind+b]
			end := map[byte]string{'[': "]", '{': "}"}[open]
			return Pos{s.line, col(s.text, ind+b)}, fmt.Sprintf("the `%c` that starts here is never closed", open),
				fmt.Sprintf("close it with `%s`, and separate its entries with commas", end)
		}
	}
	if p, m, h, ok := s.missingColon(ind); ok {
		return p, m, h
	}
	if p, m, h, ok := s.indentation(ind); ok {
		return p, m, h
	}
	if strings.Contains(msg, "mapping values are not allowed") {
		if p, m, h, ok := s.colonInValue(ind); ok {
			return p, m, h
		}
	}
	if strings.Contains(msg, "cannot start any token") && ind < len(s.text) && strings.IndexByte("@`", s.text[ind]) >= 0 {
		return at, fmt.Sprintf("YAML reserves `%c` at the start of a key or value", s.text[ind]), "put the key or value in quotes"
	}
	return at, msg, "check indentation (spaces, not tabs) and that every `key: value` has a space after the colon"
}

// secondDocument finds the `---` that starts a second document: the first
// one after a line of content.
func secondDocument(data []byte) Pos {
	content := false
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimRight(line, "\r")
		if line == "---" || strings.HasPrefix(line, "--- ") || strings.HasPrefix(line, "---\t") {
			if content {
				return Pos{i + 1, 1}
			}
			content = true // `--- value` or a leading `---` opens the first
			continue
		}
		if s := strings.TrimSpace(line); s != "" && !strings.HasPrefix(s, "#") && !strings.HasPrefix(s, "%") {
			content = true
		}
	}
	return Pos{}
}
