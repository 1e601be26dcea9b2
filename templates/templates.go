// Package templates holds what berth init writes into a new project:
// berth.yaml, .dockerignore, a Dockerfile per language and a GitHub
// Actions workflow. They are text/template files embedded in the binary.
package templates

import "embed"

// FS holds the templates (read-only).
//
//go:embed *.tmpl
var FS embed.FS
