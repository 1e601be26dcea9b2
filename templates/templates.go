// Package templates holds what berth init writes into a new project:
// berth.yaml, .dockerignore, a Dockerfile per language and a GitHub
// Actions workflow. They are text/template files embedded in the binary.
package templates

import (
	"embed"

	"github.com/berth-dev/berth/internal/config"
)

// FS holds the templates (read-only).
//
//go:embed *.tmpl
var FS embed.FS

// Modeline is the first line of the berth.yaml berth init writes (the
// first line of berth.yaml.tmpl, checked by the tests): the
// yaml-language-server comment that points editors at berth's schema,
// config.SchemaURL. berth import compose starts its berth.yaml with the
// same line.
func Modeline() string {
	return "# yaml-language-server: $schema=" + config.SchemaURL
}
