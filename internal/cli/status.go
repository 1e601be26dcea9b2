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

const statusLong = `Show the application as it runs: per service its kind, desired, ready and
up-to-date pods, the images its pods run (tag and digest), and where it is
reachable (ClusterIP, NodePort, LoadBalancer address, Ingress host and path),
with the current revision and its age. A service that is not healthy shows
why.`

const statusExample = `  berth status
  berth status -e production -o json`

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
		Use:     "status",
		Short:   "Show the application's workloads, images, endpoints and revision",
		Long:    statusLong,
		Example: statusExample,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if o.format, err = outputFormat(f, "table", "json", "yaml"); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return o.Run(cmd.Context())
		},
	}
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
