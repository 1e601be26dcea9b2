package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"
)

// yaml.v3 reports a syntax error at the start of the block it was parsing
// (often lines above the mistake), not at the token that broke it. The
// locator below finds the line itself: the first line after the longest
// prefix of whole lines that still parses. Every line before it is valid
// YAML so far, so that line is the one to fix; the prefix's node tree then
// tells which indentations were open there, for a precise message.

// maxLocateLines bounds the prefix search (one parse per line, on the error
// path only); longer files keep the parser's position.
const maxLocateLines = 5000

// level is an indentation a new line may start at: a key of an open block
// mapping, or an item of an open block sequence.
type level struct {
	col  int    // 1-based column of the keys or of the `-`
	seq  bool   // a sequence's `-`
	line int    // line of the last key or item at this column
	name string // that key, for messages
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

// locateSyntax finds the first line of data that no valid document can
// continue. It returns false when the file is too long to search or no
// line can be blamed.
func locateSyntax(data []byte) (syntaxSite, bool) {
	starts := lineStarts(data)
	if len(starts) > maxLocateLines {
		return syntaxSite{}, false
	}
	for j := len(starts) - 1; j >= 0; j-- {
		root, ok := parsePrefix(data[:starts[j]])
		if !ok {
			continue
		}
		text := data[starts[j]:]
		if i := bytes.IndexByte(text, '\n'); i >= 0 {
			text = text[:i]
		}
		s := syntaxSite{line: j + 1, text: strings.TrimSuffix(string(text), "\r")}
		s.levels, s.last = openLevels(root)
		return s, true
	}
	return syntaxSite{}, false
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

// parsePrefix parses every document of data and returns the first one's
// root value (nil when there is none).
func parsePrefix(data []byte) (*yaml.Node, bool) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var first *yaml.Node
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return first, true
		}
		if err != nil {
			return nil, false
		}
		if first == nil && len(n.Content) > 0 {
			first = n.Content[0]
		}
	}
}

// openLevels walks down the last entry of every block collection, from the
// root, and returns the indentations open at the end of the document.
func openLevels(n *yaml.Node) ([]level, *yaml.Node) {
	var out []level
	for n != nil && n.Style&yaml.FlowStyle == 0 {
		switch {
		case n.Kind == yaml.MappingNode && len(n.Content) >= 2:
			key, val := n.Content[len(n.Content)-2], n.Content[len(n.Content)-1]
			l := level{col: n.Column, line: key.Line, name: key.Value}
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
			out = append(out, level{col: n.Column, seq: true, line: item.Line})
			n = item
		case n.Kind == yaml.ScalarNode:
			return out, n
		default:
			return out, nil
		}
	}
	return out, nil
}

// indent returns the number of leading spaces of s and whether a tab
// comes before its first other character.
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
	return at, msg, "check indentation (spaces, not tabs) and that every `key: value` has a space after the colon"
}
