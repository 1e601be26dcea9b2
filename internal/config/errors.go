package config

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Pos is a position in a config file (1-based).
type Pos struct {
	Line int
	Col  int
}

// Error is one problem found in a config file.
type Error struct {
	// File is the config file path as given.
	File string
	// Pos is where the problem is.
	Pos Pos
	// Path is the field path, e.g. services.web.ports[0].name.
	Path string
	// Msg says what is wrong.
	Msg string
	// Hint says how to fix it.
	Hint string
}

// Error formats the problem as FILE:LINE:COL: PATH: MSG, with the hint on its own line.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Pos.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Pos.Line, e.Pos.Col)
	}
	b.WriteString(": ")
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	if e.Hint != "" {
		b.WriteString("\n    hint: ")
		b.WriteString(strings.ReplaceAll(e.Hint, "\n", "\n          "))
	}
	return b.String()
}

// Errors are all problems of one file, sorted by position.
type Errors []*Error

// Error lists every problem, one per paragraph.
func (l Errors) Error() string {
	parts := make([]string, len(l))
	for i, e := range l {
		parts[i] = e.Error()
	}
	s := strings.Join(parts, "\n")
	if len(l) > 1 {
		s += fmt.Sprintf("\n%d problems in %s", len(l), l[0].File)
	}
	return s
}

// Unwrap exposes the individual errors to errors.As.
func (l Errors) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}

func (l Errors) sorted() Errors {
	slices.SortStableFunc(l, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(a.Pos.Line, b.Pos.Line), cmp.Compare(a.Pos.Col, b.Pos.Col), cmp.Compare(a.Msg, b.Msg))
	})
	return slices.CompactFunc(l, func(a, b *Error) bool {
		return a.Pos == b.Pos && a.Path == b.Path && a.Msg == b.Msg
	})
}

// Warning is a problem that does not stop berth, such as a risky combination.
type Warning = Error
