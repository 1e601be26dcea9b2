package cli

import (
	"context"
	"errors"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/internal/charts"
	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/kube"
	"github.com/berth-dev/berth/internal/target"
)

// DownOptions are the inputs of berth down.
type DownOptions struct {
	DeleteOptions
	Cluster     bool
	AccessToken string
	// Charts also uninstalls berth.yaml's third-party charts.
	Charts bool
}

// NewCmdDown builds berth down.
func NewCmdDown(f *Factory, runF func(context.Context, *DownOptions) error) *cobra.Command {
	o := &DownOptions{DeleteOptions: DeleteOptions{cmdBase: newBase(f)}}
	cmd := &cobra.Command{
		Use:   "down",
		Short: "Remove the app from its environment's target (claims kept unless --volumes)",
		Args:  noArgs,
		RunE:  runE(o, runF),
	}
	addDeleteFlags(cmd.Flags(), &o.DeleteOptions)
	cmd.Flags().BoolVar(&o.Charts, "charts", false, "also uninstall berth.yaml's third-party charts (kept by default: other apps may share them)")
	cmd.Flags().BoolVar(&o.Cluster, "cluster", false, "digitalocean: also delete the cluster berth created (and its load balancers)")
	cmd.Flags().StringVar(&o.AccessToken, "access-token", "", "digitalocean: API token (default $DIGITALOCEAN_ACCESS_TOKEN, else doctl's config)")
	return cmd
}

// Run reaches the target's cluster and deletes the app there; the
// target then removes what it made (with --cluster).
func (o *DownOptions) Run(ctx context.Context) error {
	p, err := o.f.LoadProject()
	if err != nil {
		return err
	}
	t, err := target.New(p, targetOptions(o.f, o.ErrOut, o.Yes, o.AccessToken))
	if err != nil {
		return err
	}
	err = t.Down(ctx, p, target.DownOptions{Cluster: o.Cluster, Volumes: o.Volumes,
		RemoveApp: func(ctx context.Context, a target.Access, confirmed bool) error {
			o.f = o.f.OnCluster(a.Kubeconfig, a.Context, nil)
			o.Yes = o.Yes || confirmed
			return o.deleteApp(ctx, p)
		},
	})
	if errors.Is(err, target.ErrKeepsCluster) {
		return usageErrorf("--cluster deletes DigitalOcean clusters berth created; this environment's target is not digitalocean")
	}
	return err
}

// deleteApp deletes the app, then with --charts uninstalls its charts
// (deploy.ChartsDown).
func (o *DownOptions) deleteApp(ctx context.Context, p *config.Project) error {
	d := deploy.ChartsDown{Charts: p.Charts, Uninstall: o.Charts, Volumes: o.Volumes, Log: o.ErrOut}
	if d.Uninstalls() {
		c, err := o.f.KubeClient()
		if err != nil {
			return err
		}
		d.Namespace, d.Remover, d.Claims = o.f.TargetNamespace(p, c), chartInstaller(o.f, 0), c
	}
	return d.Run(ctx, func(ctx context.Context, alsoClaims []kube.Ref) error {
		o.alsoClaims = alsoClaims
		return o.DeleteOptions.Run(ctx)
	})
}

var _ deploy.ChartRemover = (*charts.Installer)(nil)
