package cli

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/spf13/cobra"

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
	o := &DownOptions{DeleteOptions: DeleteOptions{IOStreams: f.IOStreams, f: f}}
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

// deleteApp deletes the app, then with --charts its charts.
func (o *DownOptions) deleteApp(ctx context.Context, p *config.Project) error {
	if o.Charts && len(p.Charts) > 0 {
		// helm uninstall deletes the claims a chart's manifest holds: they
		// are refused without --volumes, and listed and confirmed with it,
		// before anything is deleted.
		claims, err := o.chartClaims(p)
		if err != nil {
			return err
		}
		if len(claims) > 0 && !o.Volumes {
			c, err := o.f.KubeClient()
			if err != nil {
				return err
			}
			listed, err := c.ClaimsOf(ctx, claims)
			if err != nil {
				return err
			}
			var b strings.Builder
			deploy.PrintClaims(&b, listed)
			return &HintError{
				Err:  fmt.Errorf("nothing was changed: --charts uninstalls charts whose releases hold claims, and helm uninstall deletes them with the data of their volumes:\n%s", strings.TrimRight(b.String(), "\n")),
				Hint: "add --volumes to delete them too (listed and confirmed first), or leave out --charts to keep the charts and their data",
			}
		}
		o.alsoClaims = claims
	}
	if err := o.DeleteOptions.Run(ctx); err != nil {
		return err
	}
	if !o.Charts || len(p.Charts) == 0 {
		if len(p.Charts) > 0 {
			fmt.Fprintf(o.ErrOut, "charts %s kept (--charts uninstalls them)\n", strings.Join(slices.Sorted(maps.Keys(p.Charts)), ", "))
		}
		return nil
	}
	c, err := o.f.KubeClient()
	if err != nil {
		return err
	}
	removed, err := chartInstaller(o.f, 0).Uninstall(ctx, p.Charts, o.f.TargetNamespace(p, c))
	for _, name := range removed {
		fmt.Fprintf(o.ErrOut, "chart %s: uninstalled\n", name)
	}
	return err
}

// chartClaims are the claims the releases of berth.yaml's charts hold.
func (o *DownOptions) chartClaims(p *config.Project) ([]kube.Ref, error) {
	c, err := o.f.KubeClient()
	if err != nil {
		return nil, err
	}
	claims, err := chartInstaller(o.f, 0).Claims(p.Charts, o.f.TargetNamespace(p, c))
	if err != nil {
		return nil, err
	}
	out := make([]kube.Ref, len(claims))
	for i, cl := range claims {
		out[i] = kube.Ref{Version: "v1", Kind: "PersistentVolumeClaim", Namespace: cl.Namespace, Name: cl.Name}
	}
	return out, nil
}
