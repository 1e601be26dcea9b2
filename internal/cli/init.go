package cli

import (
	"context"
	"fmt"
	"slices"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/scaffold"
)

const initLong = `Start using berth in an existing project: look at the current folder (a
Node.js package.json with its start script, a Go module, a Python
requirements.txt or pyproject.toml, or a Dockerfile of its own) and write

  berth.yaml      one service built from this folder, with a schema
                  modeline for editors, and a local (minikube) environment
  .dockerignore   what stays out of the image
  Dockerfile      when there is none: one berth builds without a daemon
  .github/workflows/deploy.yml   with --ci github: build, push to GHCR,
                  deploy with the KUBECONFIG secret

The port is the one the project shows, and berth says where it found it:
the Dockerfile's EXPOSE, then its ENV PORT (ARGs expanded), then a command
that serves (gunicorn, uvicorn, flask run, next start in the Dockerfile's
CMD, the start script or the Procfile), then a listener in the source
(listen(), http.ListenAndServe, Flask, uvicorn.run, WebApplication,
Spring's server.port, ...). A project with none of these is a worker: no
ports, no Service and no readiness probe; --port gives it a port.

On a terminal berth asks for the name, port, replicas, how to expose it and
the registry, offering what it detected; --yes (or no terminal) takes the
detected values and the flags. Existing files are never overwritten
without --force; berth says which files it wrote and which it kept.`

const initExample = `  # Answer the questions
  berth init

  # Non-interactive, with a GitHub Actions workflow
  berth init --yes --registry ghcr.io/acme --ci github

  # Then
  berth up -e local --start`

// InitOptions are the inputs of berth init.
type InitOptions struct {
	genericiooptions.IOStreams
	Dir      string
	Name     string
	Port     int
	Replicas int
	Expose   string
	Registry string
	CI       string
	Yes      bool
	Force    bool

	f *Factory
}

// NewCmdInit builds berth init.
func NewCmdInit(f *Factory, runF func(context.Context, *InitOptions) error) *cobra.Command {
	o := &InitOptions{IOStreams: f.IOStreams, f: f, Dir: "."}
	cmd := &cobra.Command{
		Use:     "init",
		Short:   "Write berth.yaml, .dockerignore and a Dockerfile for the project in this folder",
		Long:    initLong,
		Example: initExample,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return o.Run(cmd.Context())
		},
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
	if o.CI != "" && o.CI != "github" {
		return usageErrorf("--ci %q: the one supported is github", o.CI)
	}
	if o.Expose != "" && !slices.Contains([]string{config.ExposeClusterIP, config.ExposeNodePort, config.ExposeLoadBalancer}, o.Expose) {
		return usageErrorf("--expose %q: use ClusterIP, NodePort or LoadBalancer", o.Expose)
	}
	if o.Port < 0 || o.Port > 65535 || o.Replicas < 0 {
		return usageErrorf("--port is 1-65535 and --replicas at least 1")
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
	p.Apply(scaffold.Overrides{Name: o.Name, Port: o.Port, Replicas: o.Replicas, Expose: o.Expose, Registry: o.Registry, CI: o.CI})
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
	for _, f := range written {
		fmt.Fprintf(o.ErrOut, "wrote %s\n", f)
	}
	for _, f := range skipped {
		fmt.Fprintf(o.ErrOut, "kept %s (it exists; --force overwrites it)\n", f)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(o.ErrOut, "next: berth validate, then berth up -e local --start (minikube) or berth up\n")
	return nil
}

// ask offers each detected value on the terminal; Enter keeps it.
func (o *InitOptions) ask(p *scaffold.Project) error {
	read := prompt{in: o.In, out: o.ErrOut}.ask
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
