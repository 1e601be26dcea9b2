package cli

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/output"
	"github.com/berth-dev/berth/internal/render"
)

// ValidateOptions are the inputs of `berth validate`.
type ValidateOptions struct {
	genericiooptions.IOStreams
	format string
	f      *Factory
}

// NewCmdValidate builds `berth validate`.
func NewCmdValidate(f *Factory, runF func(context.Context, *ValidateOptions) error) *cobra.Command {
	o := &ValidateOptions{IOStreams: f.IOStreams, f: f}
	return &cobra.Command{
		Use:   "validate",
		Short: "Check berth.yaml and the manifests it renders",
		Args:  noArgs,
		RunE:  runE(o, runF),
	}
}

// Complete reads the output format.
func (o *ValidateOptions) Complete(*cobra.Command, []string) error {
	var err error
	o.format, err = outputFormat(o.f, "text", "json", "yaml")
	return err
}

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

// Run checks the base config and the environments.
func (o *ValidateOptions) Run(ctx context.Context) error {
	report := ValidationReport{APIVersion: output.APIVersion, Kind: "ValidationReport", File: o.f.ConfigPath(), Valid: true, Checked: []CheckedConfig{}, Problems: []Problem{}}
	envs := []string{o.f.Env}
	if o.f.Env == "" {
		base, _, err := config.Load(o.f.ConfigPath(), config.Options{LookupEnv: o.f.LookupEnv})
		if err == nil {
			for name := range base.Environments {
				envs = append(envs, name)
			}
			slices.Sort(envs[1:])
		}
	}
	var firstErr error
	for _, env := range envs {
		// Checking every environment: their unset ${VAR}s are warnings.
		all := o.f.Env == "" && env != ""
		p, warnings, err := config.Load(o.f.ConfigPath(), config.Options{Env: env, LookupEnv: o.f.LookupEnv, UnsetVarsWarn: all})
		for _, w := range warnings {
			report.Problems = append(report.Problems, problem("warning", env, w))
		}
		if err == nil {
			var res *render.Result
			res, err = renderProject(p, o.f.Namespace(), nil, false)
			if errors.Is(err, render.ErrMissingImage) {
				err = nil // impossible here: build services get content tags
			}
			if err == nil {
				err = render.Strict(res.Objects)
				report.Checked = append(report.Checked, CheckedConfig{Environment: env, Services: len(p.Services), Objects: len(res.Objects)})
			}
		}
		if err != nil {
			report.Valid = false
			var cerrs config.Errors
			var cerr *config.Error
			switch {
			case errors.As(err, &cerrs):
				for _, e := range cerrs {
					report.Problems = append(report.Problems, problem("error", env, e))
				}
			case errors.As(err, &cerr):
				report.Problems = append(report.Problems, problem("error", env, cerr))
			default:
				report.Problems = append(report.Problems, Problem{Severity: "error", Environment: env, Message: err.Error()})
			}
			if firstErr == nil {
				firstErr = err
			}
			if env == "" && o.f.Env == "" {
				break // the overlays cannot be better than a broken base
			}
		}
		if o.format == "text" {
			o.f.printWarnings(warnings)
		}
	}
	if o.format != "text" {
		if err := output.Data(o.Out, o.format, report); err != nil {
			return err
		}
		if !report.Valid {
			return &silentError{err: firstErr}
		}
		return nil
	}
	if firstErr != nil {
		return firstErr
	}
	for _, c := range report.Checked {
		what := "base config"
		if c.Environment != "" {
			what = "environment " + c.Environment
		}
		fmt.Fprintf(o.ErrOut, "%s %s: %s is valid (%s, %s)\n", o.f.paint("ok", green), o.f.ConfigPath(), what, output.Plural(c.Services, "service"), output.Plural(c.Objects, "object"))
	}
	return nil
}

func problem(severity, env string, e *config.Error) Problem {
	return Problem{Severity: severity, Environment: env, Line: e.Pos.Line, Column: e.Pos.Col, Path: e.Path, Message: e.Msg, Hint: e.Hint}
}

// silentError fails the command without printing again what was already
// printed as data.
type silentError struct{ err error }

func (e *silentError) Error() string { return e.err.Error() }
func (e *silentError) Unwrap() error { return e.err }
