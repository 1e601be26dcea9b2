package output

import (
	"errors"
	"fmt"
	"io"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/render"
)

// ValidationReport is the -o json shape of `berth validate` (version 1).
type ValidationReport struct {
	APIVersion string          `json:"apiVersion"`
	Kind       string          `json:"kind"`
	File       string          `json:"file"`
	Valid      bool            `json:"valid"`
	Checked    []CheckedConfig `json:"checked"`
	Problems   []Problem       `json:"problems"`
}

// CheckedConfig is one checked environment ("" is the base config).
type CheckedConfig struct {
	Environment string `json:"environment"`
	Services    int    `json:"services"`
	Objects     int    `json:"objects"`
}

// Problem is one error or warning.
type Problem struct {
	Severity    string `json:"severity"`
	Environment string `json:"environment,omitempty"`
	Line        int    `json:"line,omitempty"`
	Column      int    `json:"column,omitempty"`
	Path        string `json:"path,omitempty"`
	Message     string `json:"message"`
	Hint        string `json:"hint,omitempty"`
}

// NewValidationReport is the report of render.Validate's checks of file:
// every environment that rendered, and every warning and error, each
// error of berth.yaml a problem of its own.
func NewValidationReport(file string, checks []render.Check) ValidationReport {
	report := ValidationReport{APIVersion: APIVersion, Kind: "ValidationReport", File: file, Valid: true, Checked: []CheckedConfig{}, Problems: []Problem{}}
	for _, c := range checks {
		for _, w := range c.Warnings {
			report.Problems = append(report.Problems, problem("warning", c.Env, w))
		}
		if c.Rendered {
			report.Checked = append(report.Checked, CheckedConfig{Environment: c.Env, Services: c.Services, Objects: c.Objects})
		}
		if c.Err == nil {
			continue
		}
		report.Valid = false
		var cerrs config.Errors
		var cerr *config.Error
		switch {
		case errors.As(c.Err, &cerrs):
			for _, e := range cerrs {
				report.Problems = append(report.Problems, problem("error", c.Env, e))
			}
		case errors.As(c.Err, &cerr):
			report.Problems = append(report.Problems, problem("error", c.Env, cerr))
		default:
			report.Problems = append(report.Problems, Problem{Severity: "error", Environment: c.Env, Message: c.Err.Error()})
		}
	}
	return report
}

func problem(severity, env string, e *config.Error) Problem {
	return Problem{Severity: severity, Environment: env, Line: e.Pos.Line, Column: e.Pos.Col, Path: e.Path, Message: e.Msg, Hint: e.Hint}
}

// Validated writes a line per valid environment of file: "ok berth.yaml:
// environment staging is valid (2 services, 5 objects)".
func Validated(w io.Writer, p Painter, file string, checked []CheckedConfig) {
	for _, c := range checked {
		what := "base config"
		if c.Environment != "" {
			what = "environment " + c.Environment
		}
		fmt.Fprintf(w, "%s %s: %s is valid (%s, %s)\n", p.Paint("ok", Green), file, what, Plural(c.Services, "service"), Plural(c.Objects, "object"))
	}
}
