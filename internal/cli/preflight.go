package cli

import (
	"context"
	"errors"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/kube"
	"github.com/berth-dev/berth/internal/output"
	"github.com/berth-dev/berth/internal/preflight"
)

// PreflightOptions are the inputs of berth preflight.
type PreflightOptions struct {
	cmdBase
}

// NewCmdPreflight builds berth preflight.
func NewCmdPreflight(f *Factory, runF func(context.Context, *PreflightOptions) error) *cobra.Command {
	o := &PreflightOptions{cmdBase: newBase(f, "text", "json", "yaml")}
	return &cobra.Command{
		Use:   "preflight",
		Short: "Check that the cluster can take the app: access, storage, ingress, platforms",
		Args:  noArgs,
		RunE:  runE(o, runF),
	}
}

// Run checks and prints every result.
func (o *PreflightOptions) Run(ctx context.Context) error {
	p, c, ns, err := o.f.ProjectOnCluster()
	if err != nil {
		return err
	}
	p, advertised := o.f.advertised(ctx, p)
	images, _, err := resolveImages(p, nil)
	if err != nil {
		return err
	}
	images = advertised.PullRefs(images)
	for name, s := range p.Services {
		if s.Image != "" {
			images[name] = s.Image
		}
	}
	rs := preflightChecker(o.f, c).Run(ctx, p, ns, images)
	if o.format != "text" {
		if err := output.Data(o.Out, o.format, output.NewPreflightReport(p.Name, ns, rs)); err != nil {
			return err
		}
	} else if err := output.Preflight(o.Out, output.Painter{Color: o.f.Color()}, rs, true); err != nil {
		return err
	}
	if preflight.Failed(rs) {
		return &silentError{err: errors.New("preflight found errors")}
	}
	return nil
}

// preflightChecker runs the checks on the cluster c reaches, with image
// platforms and pull access read from registries as the registry flags
// say (bounded: an image that cannot be asked about is skipped).
func preflightChecker(f *Factory, c *kube.Client) *preflight.Checker {
	return &preflight.Checker{Client: c, Access: f.RegistryAccess()}
}

// checkBeforeDeploy runs the preflight of deploy and up: warnings and
// errors go to stderr, and an error (*preflight.FailedError) stops the
// deploy before anything is applied.
func checkBeforeDeploy(ctx context.Context, f *Factory, streams genericiooptions.IOStreams, c *kube.Client, p *config.Project, ns string, images map[string]string) error {
	chk := preflightChecker(f, c)
	chk.Report = func(rs []preflight.Result) {
		_ = output.Preflight(streams.ErrOut, output.Painter{Color: f.Color()}, rs, false)
	}
	return chk.Check(ctx, p, ns, images)
}

var _ deploy.Preflight = (*preflight.Checker)(nil)
