package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/render"
)

// RenderOptions are the inputs of `berth render`.
type RenderOptions struct {
	cmdBase

	SetImages   []string
	OutputDir   string
	ShowSecrets bool
	Strict      bool

	images  map[string]string
	project *config.Project
}

// NewCmdRender builds `berth render`. runF replaces Run in tests.
func NewCmdRender(f *Factory, runF func(context.Context, *RenderOptions) error) *cobra.Command {
	o := &RenderOptions{cmdBase: newBase(f, "yaml", "json")}
	cmd := &cobra.Command{
		Use:   "render",
		Short: "Print the Kubernetes manifests berth.yaml renders to",
		Args:  noArgs,
		RunE:  runE(o, runF),
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&o.SetImages, "set-image", nil, "use image REF for SERVICE (SERVICE=REF; repeatable)")
	fl.StringVar(&o.OutputDir, "output-dir", "", "write one file per object into this directory instead of stdout")
	fl.BoolVar(&o.ShowSecrets, "show-secrets", false, "print Secret values instead of blanking them")
	fl.BoolVar(&o.Strict, "validate", false, "strictly decode every object into its Kubernetes API type")
	return cmd
}

// Complete parses flags into usable values.
func (o *RenderOptions) Complete(*cobra.Command, []string) error {
	var err error
	o.images, err = parseSetImages(o.SetImages)
	return err
}

// Validate checks flag combinations.
func (o *RenderOptions) Validate() error {
	if o.OutputDir != "" && o.f.Output == "json" {
		return usageErrorf("--output-dir writes YAML files; drop -o json")
	}
	return nil
}

// Run loads, renders and prints.
func (o *RenderOptions) Run(ctx context.Context) error {
	p, err := o.f.LoadProject()
	if err != nil {
		return err
	}
	if err := o.f.OpenSecrets(p); err != nil {
		return err
	}
	o.project = p
	res, err := renderProject(p, o.f.Namespace(), o.images, o.ShowSecrets)
	if err != nil {
		return err
	}
	if o.Strict {
		if err := render.Strict(res.Objects); err != nil {
			return fmt.Errorf("rendered objects do not match the Kubernetes API:\n%w", err)
		}
	}
	if len(p.Secrets) > 0 && !o.ShowSecrets {
		fmt.Fprintln(o.ErrOut, "note: Secret values are blank in this output; pass --show-secrets to print them")
	}
	switch {
	case o.OutputDir != "":
		if _, err := render.WriteFiles(o.OutputDir, res.Objects); err != nil {
			return err
		}
		fmt.Fprintf(o.ErrOut, "wrote %d objects to %s\n", len(res.Objects), o.OutputDir)
		return nil
	case o.format == "json":
		out, err := render.List(res.Objects)
		if err != nil {
			return err
		}
		_, err = o.Out.Write(out)
		return err
	}
	_, err = o.Out.Write(res.Manifest)
	return err
}

// renderProject resolves images (overrides, then content tags of built
// services) and renders.
func renderProject(p *config.Project, namespace string, overrides map[string]string, showSecrets bool) (*render.Result, error) {
	images, _, err := resolveImages(p, overrides)
	if err != nil {
		return nil, err
	}
	return render.Render(p, render.Options{Namespace: namespace, Images: images, ShowSecrets: showSecrets})
}
