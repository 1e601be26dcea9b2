package cli

import (
	"context"
	"errors"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/output"
	"github.com/berth-dev/berth/internal/status"
)

// StatusOptions are the inputs of `berth status`.
type StatusOptions struct {
	genericiooptions.IOStreams
	format string
	f      *Factory
}

// NewCmdStatus builds `berth status`.
func NewCmdStatus(f *Factory, runF func(context.Context, *StatusOptions) error) *cobra.Command {
	o := &StatusOptions{IOStreams: f.IOStreams, f: f}
	return &cobra.Command{
		Use:   "status",
		Short: "Show the application's workloads, images, endpoints and revision",
		Args:  noArgs,
		RunE:  runE(o, runF),
	}
}

// Complete takes the arguments and flags.
func (o *StatusOptions) Complete(_ *cobra.Command, _ []string) error {
	var err error
	o.format, err = outputFormat(o.f, "table", "json", "yaml")
	return err
}

// Run reads the live state and prints it.
func (o *StatusOptions) Run(ctx context.Context) error {
	p, c, ns, err := o.f.ProjectOnCluster()
	if err != nil {
		return err
	}
	r := &status.Reader{Client: c.Clientset, Records: newRecords(c, ns), Diagnoser: newDiagnoser(c), Charts: chartInstaller(o.f, 0)}
	st, err := r.Read(ctx, p, ns)
	var notDeployed *deploy.NotDeployedError
	if errors.As(err, &notDeployed) {
		return rolloutError(o.f, o.ErrOut, err)
	} else if err != nil {
		return err
	}
	if o.format != "table" {
		st.APIVersion = output.APIVersion
		return output.Data(o.Out, o.format, st)
	}
	output.Status(o.Out, st, time.Now())
	return nil
}
