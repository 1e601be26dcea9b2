package cli

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/berth-dev/berth/internal/build"
	"github.com/berth-dev/berth/internal/output"
)

const buildLong = `Build the image of every service that has a build: section (or the ones
named) and push it to berth.yaml's registry.

berth's own builder needs no daemon: it takes the base image from the
Dockerfile's FROM (or build.from), copies the files of the build context
(after .dockerignore) and sets the image config (ENV, ARG, WORKDIR, USER,
LABEL, EXPOSE, ENTRYPOINT, CMD, HEALTHCHECK...). Layers are reproducible:
the same sources give the same digest on any machine (SOURCE_DATE_EPOCH sets
the timestamps). Directories in build.layers (node_modules, vendor) get a
layer of their own, so a source change uploads one small layer.

A Dockerfile with RUN (or COPY --from, ADD of a URL) needs a container
builder: with builder auto (the default) berth hands it to the first of
docker, podman, buildah or nerdctl on PATH and pushes its result.

Images are tagged with a content tag of their inputs (and git-SHA when the
work tree is clean). Unchanged inputs are not rebuilt or pushed ("up to
date"). Each build is recorded in .berth/builds.json, so 'berth render' and
'berth deploy' pin the pushed image by digest without building again.

Credentials come from the Docker config (docker login, credential helpers),
'berth registry login', DIGITALOCEAN_ACCESS_TOKEN for registry.digitalocean.com
and GITHUB_TOKEN for ghcr.io.`

const buildExample = `  # Build and push every service with build:
  berth build

  # Only the web service, without pushing (kept in .berth/oci)
  berth build web --push=false

  # Rebuild even when nothing changed, and print the images as JSON (.images.SERVICE.image)
  berth build --no-cache -o json

  # A registry with a self-signed certificate
  berth build --registry-ca ./ca.pem`

// BuildOptions are the inputs of berth build.
type BuildOptions struct {
	genericiooptions.IOStreams
	Services []string
	Push     bool
	NoCache  bool
	Builder  string

	format string
	f      *Factory
}

// NewCmdBuild builds berth build.
func NewCmdBuild(f *Factory, runF func(context.Context, *BuildOptions) error) *cobra.Command {
	o := &BuildOptions{IOStreams: f.IOStreams, f: f}
	cmd := &cobra.Command{
		Use:               "build [SERVICE...]",
		Short:             "Build and push the images of services with build:",
		Long:              buildLong,
		Example:           buildExample,
		ValidArgsFunction: f.completeServices,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Complete(args); err != nil {
				return err
			}
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
	fl.BoolVar(&o.Push, "push", true, "push to the registry (false: keep the image in the local OCI layout .berth/oci)")
	fl.BoolVar(&o.NoCache, "no-cache", false, "build even when the inputs are unchanged since the last build")
	fl.StringVar(&o.Builder, "builder", "", "override build.builder: "+orList(builders)+
		" (minikube builds inside the cluster of a minikube target: berth up)")
	addRegistryFlags(fl, &f.Registry)
	return cmd
}

// Complete takes the service names.
func (o *BuildOptions) Complete(args []string) error {
	o.Services = args
	var err error
	o.format, err = outputFormat(o.f, "text", "json", "yaml")
	return err
}

// builders are the values of --builder, as of berth.yaml's build.builder.
var builders = []string{build.BuilderAuto, build.BuilderBerth, build.BuilderDocker, build.BuilderPodman, build.BuilderBuildah, build.BuilderNerdctl, build.BuilderMinikube}

// orList words names as "a, b or c".
func orList(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// Validate checks flags.
func (o *BuildOptions) Validate() error {
	if o.Builder != "" && !slices.Contains(builders, o.Builder) {
		return usageErrorf("--builder %q: use one of %s", o.Builder, strings.Join(builders, ", "))
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
	obs := o.f.builds(o.ErrOut)
	b := &build.Builder{Remote: o.f.RegistryAccess(), Observer: obs, Epoch: epoch}
	start := time.Now()
	o.f.report().Stage("build")
	results, err := b.Build(ctx, p, build.Options{Services: o.Services, Push: o.Push, NoCache: o.NoCache, Builder: o.Builder})
	obs.Done()
	if err != nil {
		return err
	}
	return printBuildResults(o.IOStreams, o.f, o.format, results, start)
}

// printBuildResults reports builds and pushes: a summary on stderr, and
// service → result as JSON or YAML, or a line per service.
func printBuildResults(streams genericiooptions.IOStreams, f *Factory, format string, results []build.Result, start time.Time) error {
	fmt.Fprintf(streams.ErrOut, "%s %d image(s) in %s\n", f.paint("done:", green), len(results), time.Since(start).Round(100*time.Millisecond))
	if format != "text" {
		return output.Data(streams.Out, format, output.NewBuildResult(results))
	}
	output.Builds(streams.Out, results)
	return nil
}

const pushLong = `Push the images 'berth build --push=false' kept in the local OCI layout
(.berth/oci) to berth.yaml's registry, and record them as pushed, so render
and deploy pin them by digest.

A service whose sources changed since its build is an error: build it
again. 'berth build' alone builds and pushes in one step.`

const pushExample = `  # Build locally, look, then push
  berth build --push=false
  berth push

  # Only the web service, as JSON
  berth push web -o json`

// PushOptions are the inputs of berth push.
type PushOptions struct {
	genericiooptions.IOStreams
	Services []string

	format string
	f      *Factory
}

// NewCmdPush builds berth push.
func NewCmdPush(f *Factory, runF func(context.Context, *PushOptions) error) *cobra.Command {
	o := &PushOptions{IOStreams: f.IOStreams, f: f}
	cmd := &cobra.Command{
		Use:               "push [SERVICE...]",
		Short:             "Push images built with --push=false to the registry",
		Long:              pushLong,
		Example:           pushExample,
		ValidArgsFunction: f.completeServices,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Services = args
			var err error
			if o.format, err = outputFormat(o.f, "text", "json", "yaml"); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return o.Run(cmd.Context())
		},
	}
	addRegistryFlags(cmd.Flags(), &f.Registry)
	return cmd
}

// Run pushes.
func (o *PushOptions) Run(ctx context.Context) error {
	p, err := o.f.LoadProject()
	if err != nil {
		return err
	}
	obs := o.f.builds(o.ErrOut)
	b := &build.Builder{Remote: o.f.RegistryAccess(), Observer: obs}
	start := time.Now()
	o.f.report().Stage("push")
	results, err := b.Push(ctx, p, o.Services)
	obs.Done()
	if err != nil {
		return err
	}
	return printBuildResults(o.IOStreams, o.f, o.format, results, start)
}
