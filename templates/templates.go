// Package templates holds what berth init writes into a new project:
// berth.yaml, .dockerignore, a Dockerfile per language and a GitHub
// Actions workflow. They are text/template files embedded in the binary.
package templates

import (
	"embed"
	"strings"
)

// FS holds the templates (read-only).
//
//go:embed *.tmpl
var FS embed.FS

// Modeline is the first line of the berth.yaml berth init writes: the
// yaml-language-server comment that points editors at berth's schema.
// berth import compose starts its berth.yaml with the same line.
func Modeline() string {
	data, err := FS.ReadFile("berth.yaml.tmpl")
	if err != nil {
		// The template is embedded at build time; a missing one is a
		// broken build, caught by the templates' tests.
		panic(err)
	}
	line, _, _ := strings.Cut(string(data), "\n")
	return line
}
