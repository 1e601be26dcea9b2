package config

import (
	"fmt"
	"strings"
)

// missingColon finds a key written without its colon: either the value of
// the key above, on a line of its own and lined up like a key
// ("web:\n    image nginx"), or a line among keys that is no `key: value`.
func (s syntaxSite) missingColon(ind int) (Pos, string, string, bool) {
	// The scalar is on a line of its own and the broken line is level with
	// it or deeper: it was meant as a key (of a block, when deeper).
	if s.last != nil && s.last.Style == 0 && s.last.Column <= ind+1 {
		text, _, _ := strings.Cut(s.last.Value, "\n")
		at := Pos{s.last.Line, s.last.Column}
		if n := len(s.levels); n == 0 {
			return at, "this line has no colon, so YAML reads the file as one text instead of as keys", s.colonHint(text), true
		} else if parent := s.levels[n-1]; parent.scalar == s.last && s.last.Line > parent.line {
			return at, fmt.Sprintf("this line has no colon, so YAML reads it as the value of %q instead of as a key", parent.name),
				s.colonHint(text), true
		}
	}
	rest := s.text[ind:]
	if rest == "" || rest[0] == '-' || rest[0] == '#' || hasColon(rest) || s.matching(ind+1, false) == nil {
		return Pos{}, "", "", false
	}
	text := strings.TrimSpace(stripComment(rest))
	return Pos{s.line, col(s.text, ind)}, "this line is not a `key: value`", s.colonHint(text), true
}

func (s syntaxSite) colonHint(text string) string {
	if s.redact {
		return "write a colon and a space after the key: `KEY: VALUE`"
	}
	if k, v, ok := strings.Cut(text, ":"); ok && !strings.Contains(k, " ") {
		return fmt.Sprintf("put a space after the colon: `%s: %s`", k, strings.TrimSpace(v))
	}
	if k, v, ok := strings.Cut(text, " "); ok {
		return fmt.Sprintf("write a colon and a space after the key: `%s: %s`", k, strings.TrimSpace(v))
	}
	return fmt.Sprintf("write a colon and a space after the key: `%s: VALUE`", text)
}

// hasColon reports whether s holds a mapping colon (`: ` or a final `:`).
func hasColon(s string) bool {
	s = strings.TrimSpace(stripComment(s))
	return strings.Contains(s, ": ") || strings.HasSuffix(s, ":")
}

func stripComment(s string) string {
	if i := strings.Index(s, " #"); i >= 0 {
		return s[:i]
	}
	return s
}

// matching returns the open level at column c (of a sequence when seq).
func (s syntaxSite) matching(c int, seq bool) *level {
	for i := range s.levels {
		if s.levels[i].col == c && s.levels[i].seq == seq {
			return &s.levels[i]
		}
	}
	return nil
}

// indentation explains a line whose indentation matches no open block,
// or a `-` item where only keys are open.
func (s syntaxSite) indentation(ind int) (Pos, string, string, bool) {
	if len(s.levels) == 0 {
		return Pos{}, "", "", false
	}
	at := Pos{s.line, col(s.text, ind)}
	rest := s.text[ind:]
	dash := rest == "-" || strings.HasPrefix(rest, "- ")
	if dash && s.matching(ind+1, true) == nil {
		if key := s.matching(ind+1, false); key != nil {
			return at, fmt.Sprintf("a list item (`- `) where a key like %q (line %d) is expected", key.name, key.line),
				"remove the `- `, or put the list under a key of its own", true
		}
	}
	if item := s.matching(ind+1, true); !dash && item != nil && s.matching(ind+1, false) == nil {
		return at, fmt.Sprintf("a key where a list item (`- `, as on line %d) is expected", item.line),
			"start it with `- ` like the other items, or indent it under the item above", true
	}
	if s.matching(ind+1, true) != nil || s.matching(ind+1, false) != nil {
		return Pos{}, "", "", false
	}
	if last := s.levels[len(s.levels)-1]; last.empty && ind+1 > last.col {
		return Pos{}, "", "", false // the value of the key above starts here
	}
	if x := s.oddFirstLine(ind + 1); x != nil {
		return Pos{x.first, x.col}, fmt.Sprintf("this line is indented %d spaces, and so sets its block's indentation, but the block's next line (line %d) is indented %d", x.col-1, s.line, ind),
			fmt.Sprintf("indent it %d spaces, like line %d", ind, s.line), true
	}
	target := s.nearest(ind+1, dash)
	if target == nil {
		return Pos{}, "", "", false
	}
	msg := fmt.Sprintf("this line is indented %d spaces, which lines up with nothing above it", ind)
	if last := s.levels[len(s.levels)-1]; last.scalar != nil && ind+1 > last.col && hasColon(rest) {
		msg = fmt.Sprintf("this line is indented deeper than %q (line %d), so YAML reads it as part of the value of %q", last.name, last.line, last.name)
	}
	spaces := fmt.Sprintf("indent it %d spaces", target.col-1)
	if target.col == 1 {
		spaces = "remove its indentation"
	}
	hint := fmt.Sprintf("%s, to line up with %q on line %d", spaces, target.name, target.line)
	if target.seq {
		hint = fmt.Sprintf("%s, to line up with the `-` on line %d", spaces, target.line)
	}
	return at, msg, hint, true
}

// nearest returns the open level closest to column c, the deeper one on a
// tie (a sibling of the line above is the likelier intent). A `-` line
// lines up with sequences when any is open.
func (s syntaxSite) nearest(c int, dash bool) *level {
	var best *level
	pick := func(seqOnly bool) {
		for i := range s.levels {
			l := &s.levels[i]
			if seqOnly && !l.seq {
				continue
			}
			if best == nil || abs(l.col-c) <= abs(best.col-c) {
				best = l
			}
		}
	}
	if dash {
		pick(true)
	}
	if best == nil {
		pick(false)
	}
	return best
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// colonInValue explains `key: value: more`: a plain value cannot hold
// `: `, so YAML takes it for a second key on the line.
func (s syntaxSite) colonInValue(ind int) (Pos, string, string, bool) {
	rest := strings.TrimPrefix(s.text[ind:], "- ")
	off := ind + len(s.text[ind:]) - len(rest)
	key, value, ok := strings.Cut(stripComment(rest), ": ")
	if !ok {
		return Pos{}, "", "", false
	}
	i := strings.Index(value, ": ")
	if i < 0 && !strings.HasSuffix(value, ":") {
		return Pos{}, "", "", false
	}
	if i < 0 {
		i = len(value) - 1
	}
	at := off + len(key) + 2 + i
	hint := fmt.Sprintf("quote the value: `%s: %q`", key, strings.TrimSpace(value))
	if s.redact {
		hint = fmt.Sprintf("quote the whole value: `%s: \"…\"`", key)
	}
	return Pos{s.line, col(s.text, at)}, "a value cannot contain `: ` (or end with `:`) unless it is quoted", hint, true
}

// oddFirstLine finds the block that a first entry indented unlike the rest
// of the file opened, when column c lines up where that block should be:
// YAML takes a block's indentation from its first line, so it blames the
// second. Blocks of more than one entry are consistent; then c is odd.
func (s syntaxSite) oddFirstLine(c int) *level {
	pi := -1
	for i, l := range s.levels {
		if l.col < c {
			pi = i
		}
	}
	for _, xi := range []int{pi + 1, pi} {
		if xi < 1 || xi >= len(s.levels) {
			continue
		}
		p, x := s.levels[xi-1], s.levels[xi]
		step := s.step(xi - 1)
		if !p.seq && !x.seq && x.entries == 1 && c-p.col == step && x.col-p.col != step {
			return &s.levels[xi]
		}
	}
	return nil
}

// step is the file's usual indentation step between nested mappings: the
// most frequent one (2 on a tie or when the path shows none), leaving out
// the pair of levels at skip and the pair below it, which the suspect
// block skews.
func (s syntaxSite) step(skip int) int {
	counts := map[int]int{}
	best := 2
	for i := 0; i+1 < len(s.levels); i++ {
		a, b := s.levels[i], s.levels[i+1]
		if i == skip || i == skip+1 || a.seq || b.seq {
			continue
		}
		d := b.col - a.col
		counts[d]++
		if counts[d] > counts[best] {
			best = d
		}
	}
	return best
}
