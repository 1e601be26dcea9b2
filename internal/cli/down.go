package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/target"
)

const downLong = `Remove the application from its environment's target: what 'berth up'
deployed, found through the same target (the current kube context, or the
minikube profile's context). It is 'berth delete' on the target's cluster:
PersistentVolumeClaims and their data are kept unless --volumes, and the
release history is deleted unless --keep-history.

The cluster itself is never touched: minikube keeps running (minikube stop
or delete -p PROFILE does that).

On a terminal berth asks before deleting; elsewhere pass --yes.`

const downExample = `  # Remove the app from minikube, keep its data
  berth down -e local --yes

  # Remove everything, data included
  berth down --volumes --yes`

// DownOptions are the inputs of berth down.
type DownOptions struct {
	DeleteOptions
}

// NewCmdDown builds berth down.
func NewCmdDown(f *Factory, runF func(context.Context, *DownOptions) error) *cobra.Command {
	o := &DownOptions{DeleteOptions: DeleteOptions{IOStreams: f.IOStreams, f: f}}
	cmd := &cobra.Command{
		Use:     "down",
		Short:   "Remove the app from its environment's target (claims kept unless --volumes)",
		Long:    downLong,
		Example: downExample,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return o.Run(cmd.Context())
		},
	}
	cmd.Flags().BoolVar(&o.Volumes, "volumes", false, "also delete PersistentVolumeClaims (their data is lost)")
	cmd.Flags().BoolVar(&o.KeepHistory, "keep-history", false, "keep the release records (berth history, helm history)")
	cmd.Flags().BoolVarP(&o.Yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}

// Run selects the target's cluster and deletes the app there.
func (o *DownOptions) Run(ctx context.Context) error {
	p, err := o.f.LoadProject()
	if err != nil {
		return err
	}
	if p.Target != nil {
		switch p.Target.Kind {
		case config.TargetMinikube:
			profile := ""
			if p.Target.Minikube != nil {
				profile = p.Target.Minikube.Profile
			}
			mk, err := target.FindMinikube(profile, o.f.lookPath, o.ErrOut)
			if err != nil {
				return err
			}
			if err := mk.Ensure(ctx, false); err != nil {
				return err
			}
			o.f.UseContext(mk.Context())
		case config.TargetDigitalOcean:
			return fmt.Errorf("target digitalocean is not available in this berth yet; use berth delete with the cluster's kube context")
		}
	}
	return o.DeleteOptions.Run(ctx)
}
