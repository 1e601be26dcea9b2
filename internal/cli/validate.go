package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/internal/build"
	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/output"
	"github.com/berth-dev/berth/internal/render"
)

// ValidateOptions are the inputs of `berth validate`.
type ValidateOptions struct {
	cmdBase
}

// NewCmdValidate builds `berth validate`.
func NewCmdValidate(f *Factory, runF func(context.Context, *ValidateOptions) error) *cobra.Command {
	o := &ValidateOptions{cmdBase: newBase(f, "text", "json", "yaml")}
	return &cobra.Command{
		Use:   "validate",
		Short: "Check berth.yaml and the manifests it renders",
		Args:  noArgs,
		RunE:  runE(o, runF),
	}
}

// Run checks the base config and the environments.
func (o *ValidateOptions) Run(ctx context.Context) error {
	// Built services get the content tags of their sources (or their last build).
	images := func(p *config.Project) (map[string]string, error) { return build.Images(p, nil) }
	checks, err := render.Validate(o.f.ConfigPath(), render.ValidateOptions{Env: o.f.Env, Namespace: o.f.Namespace(), LookupEnv: o.f.LookupEnv, Images: images})
	report := output.NewValidationReport(o.f.ConfigPath(), checks)
	if o.format != "text" {
		if werr := output.Data(o.Out, o.format, report); werr != nil || err == nil {
			return werr
		}
		return &silentError{err: err}
	}
	for _, c := range checks {
		if c.Err != nil && c.Env == "" && o.f.Env == "" {
			break // a broken base ends the check before its warnings are shown
		}
		o.f.printWarnings(c.Warnings)
	}
	if err != nil {
		return err
	}
	output.Validated(o.ErrOut, output.Painter{Color: o.f.Color()}, o.f.ConfigPath(), report.Checked)
	return nil
}

// silentError fails the command without printing again what was already
// printed as data.
type silentError struct{ err error }

func (e *silentError) Error() string { return e.err.Error() }
func (e *silentError) Unwrap() error { return e.err }
