package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/internal/output"
	"github.com/berth-dev/berth/internal/prompt"
	"github.com/berth-dev/berth/internal/scaffold"
)

// InitOptions are the inputs of berth init.
type InitOptions struct {
	cmdBase
	Dir string
	// Overrides are the values of --name, --port, --replicas, --expose,
	// --registry and --ci.
	scaffold.Overrides
	Yes   bool
	Force bool
}

// NewCmdInit builds berth init.
func NewCmdInit(f *Factory, runF func(context.Context, *InitOptions) error) *cobra.Command {
	o := &InitOptions{cmdBase: newBase(f), Dir: "."}
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Write berth.yaml, .dockerignore and a Dockerfile for the project in this folder",
		Args:  noArgs,
		RunE:  runE(o, runF),
	}
	fl := cmd.Flags()
	fl.StringVar(&o.Dir, "dir", ".", "the project folder")
	fl.StringVar(&o.Name, "name", "", "app name (default: from package.json, go.mod or the folder)")
	fl.IntVar(&o.Port, "port", 0, "port the app listens on (default: the Dockerfile's EXPOSE or ENV PORT, else a listener in the source; with none, a worker)")
	fl.IntVar(&o.Replicas, "replicas", 0, "pods to run (default 2)")
	fl.StringVar(&o.Expose, "expose", "", "ClusterIP (default), NodePort or LoadBalancer")
	fl.StringVar(&o.Registry, "registry", "", "where berth build pushes images, e.g. ghcr.io/OWNER")
	fl.StringVar(&o.CI, "ci", "", `also write a CI workflow: "github"`)
	fl.BoolVarP(&o.Yes, "yes", "y", false, "ask nothing: take the detected values and the flags")
	fl.BoolVar(&o.Force, "force", false, "overwrite files that exist")
	return cmd
}

// Validate checks flags.
func (o *InitOptions) Validate() error {
	if err := o.Overrides.Validate(); err != nil {
		return &UsageError{Err: err}
	}
	return nil
}

// Run detects, asks, renders and writes.
func (o *InitOptions) Run(ctx context.Context) error {
	p, err := scaffold.Detect(o.Dir)
	if err != nil {
		return err
	}
	fmt.Fprintln(o.ErrOut, p.Detected())
	detected := p.Port
	p.Apply(o.Overrides)
	if _, tty := o.f.stdinTerminal(); tty && !o.Yes {
		if err := o.ask(p); err != nil {
			return err
		}
	}
	if p.Port == 0 && o.Expose != "" {
		return usageErrorf("--expose %s needs a port: berth init found none for %s; add --port", o.Expose, p.Name)
	}
	if note := p.PortNote(detected); note != "" {
		fmt.Fprintln(o.ErrOut, note)
	}
	files, err := scaffold.Render(p)
	if err != nil {
		return err
	}
	written, skipped, err := scaffold.Write(p.Dir, files, o.Force)
	output.Scaffolded(o.ErrOut, written, skipped)
	if err != nil {
		return err
	}
	fmt.Fprintf(o.ErrOut, "next: berth validate, then berth up -e local --start (minikube) or berth up\n")
	return nil
}

// ask offers each detected value on the terminal; Enter keeps it.
func (o *InitOptions) ask(p *scaffold.Project) error {
	read := prompt.Prompter{In: o.In, Out: o.ErrOut}.Ask
	for q := range p.Questions() {
		answer, err := read(q.Text, q.Default)
		if err != nil {
			return err
		}
		if err := q.Answer(answer); err != nil {
			return usageErrorf("%w", err)
		}
	}
	return nil
}
