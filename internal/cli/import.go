package cli

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/internal/compose"
	"github.com/berth-dev/berth/internal/config"
)

// ImportComposeOptions are the inputs of berth import compose.
type ImportComposeOptions struct {
	cmdBase
	ComposeFiles []string
	Profiles     []string
	EnvFiles     []string
	Name         string
	VolumeSize   string
	Expose       string
	Force        bool
	// Offline skips the registry lookups of image ports.
	Offline bool

	// output is berth.yaml's path, or - for stdout.
	output string
}

// NewCmdImport builds berth import, the parent of berth import compose.
func NewCmdImport(f *Factory, runF func(context.Context, *ImportComposeOptions) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "import",
		Short: "Write berth.yaml from another tool's files (Docker Compose)",
		Args:  noArgs,
	}
	cmd.AddCommand(NewCmdImportCompose(f, runF))
	return cmd
}

// NewCmdImportCompose builds berth import compose.
func NewCmdImportCompose(f *Factory, runF func(context.Context, *ImportComposeOptions) error) *cobra.Command {
	o := &ImportComposeOptions{cmdBase: newBase(f)}
	cmd := &cobra.Command{
		Use:   "compose",
		Short: "Convert a Docker Compose project to berth.yaml",
		Args:  noArgs,
		RunE:  runE(o, runF),
	}
	fl := cmd.Flags()
	fl.StringArrayVarP(&o.ComposeFiles, "compose-file", "f", nil, "compose file; repeat to merge several in order (default: compose.yaml or docker-compose.yml and its override)")
	fl.StringVar(&f.File, "file", "", "where to write berth.yaml (default ./berth.yaml; - prints it to stdout)")
	fl.StringArrayVar(&o.Profiles, "profile", nil, "compose profile to enable; repeat for several (default: COMPOSE_PROFILES)")
	fl.StringArrayVar(&o.EnvFiles, "env-file", nil, "file of variables for ${VAR} in the compose files (default: the project's .env)")
	fl.StringVar(&o.Name, "name", "", "app name (default: the compose project's name)")
	fl.StringVar(&o.VolumeSize, "volume-size", compose.DefaultVolumeSize, "size of the claim each named volume becomes")
	fl.StringVar(&o.Expose, "expose", config.ExposeClusterIP, "Service type of services that publish ports: ClusterIP, NodePort or LoadBalancer")
	fl.BoolVar(&o.Force, "force", false, "overwrite berth.yaml if it exists")
	fl.BoolVar(&o.Offline, "offline", false, "do not ask registries for the ports of images (only the Dockerfile and the well-known ports say)")
	return cmd
}

// Complete fills in defaults from the shared flags.
func (o *ImportComposeOptions) Complete(*cobra.Command, []string) error {
	o.output = o.f.ConfigPath()
	return nil
}

// Validate checks the flags.
func (o *ImportComposeOptions) Validate() error {
	if err := o.options().Validate(); err != nil {
		return &UsageError{Err: err}
	}
	return nil
}

// options are the compose.Options of the flags.
func (o *ImportComposeOptions) options() compose.Options {
	return compose.Options{Files: o.ComposeFiles, Profiles: o.Profiles, EnvFiles: o.EnvFiles, Name: o.Name, VolumeSize: o.VolumeSize, Expose: o.Expose}
}

// Run imports and writes berth.yaml.
func (o *ImportComposeOptions) Run(ctx context.Context) error {
	toStdout, opts := o.output == "-", o.options()
	opts.Environ, opts.OutputDir = o.f.Environ(), "."
	if !toStdout {
		opts.OutputDir = filepath.Dir(o.output)
		if err := compose.CheckOverwrite(o.output, o.Force); err != nil {
			return err
		}
	}
	if !o.Offline {
		opts.Registry = o.f.RegistryAccess()
	}
	res, err := compose.Import(ctx, opts)
	if errors.Is(err, compose.ErrNoComposeFile) {
		return &HintError{Err: errors.New("no compose file here (compose.yaml, compose.yml, docker-compose.yml or docker-compose.yaml)"),
			Hint: "name it with -f FILE, or run berth import compose in the project's folder"}
	}
	if err != nil {
		return err
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(o.ErrOut, "%s %s\n", o.f.paint("warning:", yellow), w.String())
	}
	if toStdout {
		_, err := o.Out.Write(res.YAML)
		return err
	}
	if err := compose.WriteFile(o.output, res, o.Force); err != nil {
		return err
	}
	fmt.Fprintln(o.ErrOut, res.Summary(o.output))
	fmt.Fprintln(o.ErrOut, res.Next())
	return nil
}
