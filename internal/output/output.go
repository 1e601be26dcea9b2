// Package output is how berth's commands show their results: the
// versioned -o json|yaml shapes (apiVersion berth/v1 and a kind), and the
// tables and lines a person reads on a terminal. The library packages
// (deploy, rollout, status, preflight, build) return data; this package
// words it; internal/cli picks the format from the flags.
package output

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"sigs.k8s.io/yaml"
)

// APIVersion is the apiVersion of every -o json|yaml result berth prints
// (with a kind naming its shape). It changes only when a field changes
// meaning or goes away.
const APIVersion = "berth/v1"

// Data writes v as indented JSON, or as YAML when format is "yaml".
func Data(w io.Writer, format string, v any) error {
	var data []byte
	var err error
	if format == "yaml" {
		data, err = yaml.Marshal(v)
	} else {
		data, err = json.MarshalIndent(v, "", "  ")
		data = append(data, '\n')
	}
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}

// Versioned marshals as v's JSON object with apiVersion and kind first:
// berth's versioned -o json|yaml shape for results that are not already
// a versioned type.
func Versioned(kind string, v any) json.Marshaler { return versionedObject{kind: kind, v: v} }

type versionedObject struct {
	kind string
	v    any
}

func (o versionedObject) MarshalJSON() ([]byte, error) {
	head, err := json.Marshal(struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
	}{APIVersion, o.kind})
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(o.v)
	if err != nil {
		return nil, err
	}
	if len(body) < 2 || body[0] != '{' {
		return nil, fmt.Errorf("%s: a versioned result must be a JSON object, not %.20s", o.kind, body)
	}
	if len(body) == 2 {
		return head, nil
	}
	return append(append(head[:len(head)-1], ','), body[1:]...), nil
}

// Colours of Painter.Paint.
const (
	Red    = "31"
	Yellow = "33"
	Green  = "32"
)

// Painter colours labels when Color is on (a terminal, no --no-color,
// NO_COLOR or CI).
type Painter struct{ Color bool }

// Paint wraps s in an ANSI colour when colour is on.
func (p Painter) Paint(s, color string) string {
	if !p.Color {
		return s
	}
	return "\x1b[" + color + "m" + s + "\x1b[0m"
}

// Plural is "1 word" or "N words".
func Plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// Indent puts prefix before every line of s.
func Indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}

// OrDash is s, or "-" when it is empty (a table cell).
func OrDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
