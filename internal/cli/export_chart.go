package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/internal/render"
)

// ExportChartOptions are the inputs of `berth export-chart`.
type ExportChartOptions struct {
	cmdBase
	Dir         string
	Force       bool
	ShowSecrets bool
	SetImages   []string

	images map[string]string
}

// NewCmdExportChart builds `berth export-chart`.
func NewCmdExportChart(f *Factory, runF func(context.Context, *ExportChartOptions) error) *cobra.Command {
	o := &ExportChartOptions{cmdBase: newBase(f)}
	cmd := &cobra.Command{
		Use:   "export-chart DIR",
		Short: "Write the application as a standalone Helm chart",
		Args:  oneArg("export-chart takes one argument, the directory to write, e.g. berth export-chart ./chart"),
		RunE:  runE(o, runF),
	}
	cmd.Flags().BoolVar(&o.Force, "force", false, "write into a directory that already has files")
	cmd.Flags().BoolVar(&o.ShowSecrets, "show-secrets", false, "write Secret values into values.yaml")
	cmd.Flags().StringArrayVar(&o.SetImages, "set-image", nil, "use image REF for SERVICE (SERVICE=REF; repeatable)")
	return cmd
}

// Complete takes the directory argument.
func (o *ExportChartOptions) Complete(_ *cobra.Command, args []string) error {
	o.Dir = args[0]
	var err error
	o.images, err = parseSetImages(o.SetImages)
	return err
}

// Run renders and writes the chart.
func (o *ExportChartOptions) Run(ctx context.Context) error {
	p, err := o.f.LoadProject()
	if err != nil {
		return err
	}
	if err := o.f.OpenSecrets(p); err != nil {
		return err
	}
	res, err := renderProject(p, o.f.Namespace(), o.images, o.ShowSecrets)
	if err != nil {
		return err
	}
	files, err := render.Export(res, p.Name, o.Dir, o.Force)
	if errors.Is(err, render.ErrNotEmpty) {
		return &HintError{Err: err, Hint: "pass --force to overwrite the chart files in it, or name a new directory"}
	}
	if err != nil {
		return fmt.Errorf("exporting the chart: %w", err)
	}
	fmt.Fprintf(o.ErrOut, "wrote chart %s (%d files) to %s\n", p.Name, len(files), o.Dir)
	fmt.Fprintf(o.ErrOut, "next: helm template %s %s -n %s\n", p.Name, o.Dir, res.Namespace)
	return nil
}
