package cli

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"

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
	genericiooptions.IOStreams
	format string
	f      *Factory
}

// NewCmdPreflight builds berth preflight.
func NewCmdPreflight(f *Factory, runF func(context.Context, *PreflightOptions) error) *cobra.Command {
	o := &PreflightOptions{IOStreams: f.IOStreams, f: f}
	return &cobra.Command{
		Use:   "preflight",
		Short: "Check that the cluster can take the app: access, storage, ingress, platforms",
		Args:  noArgs,
		RunE:  runE(o, runF),
	}
}

// Complete takes the arguments and flags.
func (o *PreflightOptions) Complete(_ *cobra.Command, _ []string) error {
	var err error
	o.format, err = outputFormat(o.f, "text", "json", "yaml")
	return err
}

// Run checks and prints every result.
func (o *PreflightOptions) Run(ctx context.Context) error {
	p, c, ns, err := o.f.ProjectOnCluster()
	if err != nil {
		return err
	}
	images, _, err := resolveImages(p, nil)
	if err != nil {
		return err
	}
	for name, s := range p.Services {
		if s.Image != "" {
			images[name] = s.Image
		}
	}
	rs := preflightChecker(o.f, c).Run(ctx, p, ns, images)
	if o.format != "text" {
		report := PreflightReport{APIVersion: output.APIVersion, Kind: "PreflightReport", App: p.Name, Namespace: ns, Passed: !preflight.Failed(rs), Checks: rs}
		if report.Checks == nil {
			report.Checks = []preflight.Result{}
		}
		if err := output.Data(o.Out, o.format, report); err != nil {
			return err
		}
	} else {
		printPreflight(o.Out, o.f, rs, true)
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

// printPreflight writes the results as a table; all=false keeps only
// warnings and errors (deploy and up).
func printPreflight(w interface{ Write([]byte) (int, error) }, f *Factory, rs []preflight.Result, all bool) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, r := range rs {
		if !all && r.Level == preflight.OK {
			continue
		}
		level := r.Level
		switch r.Level {
		case preflight.Error:
			level = f.paint(level, red)
		case preflight.Warning:
			level = f.paint(level, yellow)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.Check, level, r.Message)
		if r.Fix != "" && r.Level != preflight.OK {
			fmt.Fprintf(tw, "\t\tfix: %s\n", r.Fix)
		}
	}
	tw.Flush()
}

// checkBeforeDeploy runs the preflight of deploy and up: warnings and
// errors go to stderr, and an error (*preflight.FailedError) stops the
// deploy before anything is applied.
func checkBeforeDeploy(ctx context.Context, f *Factory, streams genericiooptions.IOStreams, c *kube.Client, p *config.Project, ns string, images map[string]string) error {
	chk := preflightChecker(f, c)
	chk.Report = func(rs []preflight.Result) { printPreflight(streams.ErrOut, f, rs, false) }
	return chk.Check(ctx, p, ns, images)
}

var _ deploy.Preflight = (*preflight.Checker)(nil)

// PreflightReport is the -o json|yaml shape of berth preflight.
type PreflightReport struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	App        string `json:"app"`
	Namespace  string `json:"namespace"`
	// Passed is false when a check has level error.
	Passed bool               `json:"passed"`
	Checks []preflight.Result `json:"checks"`
}
