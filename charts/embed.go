// Package charts embeds the Helm chart berth renders every application
// through. The chart is plain Helm v3: `berth export-chart` writes it out with
// a values.yaml generated from berth.yaml, and `helm template` of that
// directory prints exactly what `berth render` prints.
package charts

import "embed"

// App is the application chart, rooted at "app".
//
//go:embed all:app
var App embed.FS

// AppDir is the chart's directory inside App.
const AppDir = "app"
