package cli

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/scaffold"
)

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
	if p.Port > 0 {
		fmt.Fprintf(o.ErrOut, "detected: %s project %q, port %d (%s)\n", p.Lang, p.Name, p.Port, p.PortFrom)
	} else {
		fmt.Fprintf(o.ErrOut, "detected: %s project %q, no port\n", p.Lang, p.Name)
	}
	detected := p.Port
	if o.Name != "" {
		p.Name = o.Name
	}
	if o.Port > 0 {
		p.Port, p.PortFrom = o.Port, "--port"
	}
	if o.Replicas > 0 {
		p.Replicas = o.Replicas
	}
	if o.Expose != "" {
		p.Expose = o.Expose
	}
	p.Registry, p.CI = o.Registry, o.CI
	if _, tty := o.f.stdinTerminal(); tty && !o.Yes {
		if err := o.ask(p); err != nil {
			return err
		}
	}
	switch {
	case p.Port == 0 && o.Expose != "":
		return usageErrorf("--expose %s needs a port: berth init found none for %s; add --port", o.Expose, p.Name)
	case p.Port == 0 && detected == 0:
		fmt.Fprintf(o.ErrOut, "no port found (no EXPOSE, ENV PORT or listener in the source): %s is a worker with no Service; add ports: to berth.yaml if it serves\n", p.Name)
	case p.Port == 0:
		fmt.Fprintf(o.ErrOut, "no port (%s): %s is a worker with no Service; add ports: to berth.yaml if it serves\n", p.PortFrom, p.Name)
	case p.Port != detected:
		fmt.Fprintf(o.ErrOut, "using port %d (%s)\n", p.Port, p.PortFrom)
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
	read := func(question, def string) (string, error) {
		fmt.Fprintf(o.ErrOut, "%s [%s]: ", question, def)
		answer, err := readPassword(o.In)
		if err != nil {
			return "", err
		}
		if answer = strings.TrimSpace(answer); answer == "" {
			return def, nil
		}
		return answer, nil
	}
	var err error
	if p.Name, err = read("App name", p.Name); err != nil {
		return err
	}
	def := "none"
	if p.Port > 0 {
		def = strconv.Itoa(p.Port)
	}
	s, err := read("Port the app listens on (none: a worker)", def)
	if err != nil {
		return err
	}
	if s != def {
		n, err := strconv.Atoi(s)
		switch {
		case s == "none" || n == 0 && err == nil:
			p.Port = 0
		case err != nil || n < 1 || n > 65535:
			return usageErrorf("port: %q is not a port number (1-65535) or none", s)
		default:
			p.Port = n
		}
		p.PortFrom = "your answer"
	}
	s, err = read("Replicas", strconv.Itoa(p.Replicas))
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return usageErrorf("Replicas: %q is not a positive number", s)
	}
	p.Replicas = n
	if p.Port == 0 {
		// A worker has no Service to expose.
		p.Expose = ""
	} else if p.Expose, err = read("Expose as ClusterIP, NodePort or LoadBalancer", p.Expose); err != nil {
		return err
	}
	reg := p.Registry
	if reg == "" {
		reg = "none"
	}
	if reg, err = read("Registry for built images (e.g. ghcr.io/OWNER)", reg); err != nil {
		return err
	}
	if reg != "none" {
		p.Registry = reg
	}
	return nil
}
