package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/berth-dev/berth/internal/build"
	"github.com/berth-dev/berth/internal/output"
)

// BuildOptions are the inputs of berth build: those of berth push (the
// services and -o), and how to build.
type BuildOptions struct {
	PushOptions
	Push    bool
	NoCache bool
	Builder string
}

// NewCmdBuild builds berth build.
func NewCmdBuild(f *Factory, runF func(context.Context, *BuildOptions) error) *cobra.Command {
	o := &BuildOptions{PushOptions: PushOptions{cmdBase: newBase(f, "text", "json", "yaml")}}
	cmd := &cobra.Command{
		Use:               "build [SERVICE...]",
		Short:             "Build and push the images of services with build:",
		ValidArgsFunction: f.completeServices,
		RunE:              runE(o, runF),
	}
	fl := cmd.Flags()
	fl.BoolVar(&o.Push, "push", true, "push to the registry (false: keep the image in the local OCI layout .berth/oci)")
	fl.BoolVar(&o.NoCache, "no-cache", false, "build even when the inputs are unchanged since the last build")
	fl.StringVar(&o.Builder, "builder", "", "override build.builder: "+build.BuilderList()+
		" (minikube builds inside the cluster of a minikube target: berth up)")
	addRegistryFlags(fl, &f.Registry)
	return cmd
}

// Validate checks flags.
func (o *BuildOptions) Validate() error {
	if o.Builder != "" && !build.IsBuilder(o.Builder) {
		return usageErrorf("--builder %q: use one of %s", o.Builder, strings.Join(build.Builders(), ", "))
	}
	return nil
}

// Run builds.
func (o *BuildOptions) Run(ctx context.Context) error {
	p, err := o.f.LoadProject()
	if err != nil {
		return err
	}
	epoch, err := build.EpochFromEnv(o.f.getenv)
	if err != nil {
		return usageErrorf("%v", err)
	}
	if o.Push {
		p, _ = o.f.advertised(ctx, p)
	}
	return runBuilds(o.IOStreams, o.f, o.format, "build", &build.Builder{Epoch: epoch}, func(b *build.Builder) ([]build.Result, error) {
		return b.Build(ctx, p, build.Options{Services: o.Services, Push: o.Push, NoCache: o.NoCache, Builder: o.Builder})
	})
}

// runBuilds runs the stage (build or push) with b, given the registry and
// the progress observer, and reports the results: a summary on stderr,
// and service → result as JSON or YAML, or a line per service.
func runBuilds(streams genericiooptions.IOStreams, f *Factory, format, stage string, b *build.Builder, run func(*build.Builder) ([]build.Result, error)) error {
	obs := f.builds(streams.ErrOut)
	b.Remote, b.Observer = f.RegistryAccess(), obs
	start := time.Now()
	f.report().Stage(stage)
	results, err := run(b)
	obs.Done()
	if err != nil {
		return err
	}
	fmt.Fprintf(streams.ErrOut, "%s %d image(s) in %s\n", f.paint("done:", green), len(results), time.Since(start).Round(100*time.Millisecond))
	if format != "text" {
		return output.Data(streams.Out, format, output.NewBuildResult(results))
	}
	output.Builds(streams.Out, results)
	return nil
}

// PushOptions are the inputs of berth push.
type PushOptions struct {
	cmdBase
	Services []string
}

// NewCmdPush builds berth push.
func NewCmdPush(f *Factory, runF func(context.Context, *PushOptions) error) *cobra.Command {
	o := &PushOptions{cmdBase: newBase(f, "text", "json", "yaml")}
	cmd := &cobra.Command{
		Use:               "push [SERVICE...]",
		Short:             "Push images built with --push=false to the registry",
		ValidArgsFunction: f.completeServices,
		RunE:              runE(o, runF),
	}
	addRegistryFlags(cmd.Flags(), &f.Registry)
	return cmd
}

// Complete takes the service names.
func (o *PushOptions) Complete(_ *cobra.Command, args []string) error {
	o.Services = args
	return nil
}

// Run pushes.
func (o *PushOptions) Run(ctx context.Context) error {
	p, err := o.f.LoadProject()
	if err != nil {
		return err
	}
	p, _ = o.f.advertised(ctx, p)
	return runBuilds(o.IOStreams, o.f, o.format, "push", &build.Builder{}, func(b *build.Builder) ([]build.Result, error) {
		return b.Push(ctx, p, o.Services)
	})
}
