package cli

import (
	"context"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/kube"
	"github.com/berth-dev/berth/internal/target"
)

const downLong = `Remove the application from its environment's target: what 'berth up'
deployed, found through the same target (the current kube context, or the
minikube profile's context). It is 'berth delete' on the target's cluster:
PersistentVolumeClaims and their data are kept unless --volumes, and the
release history is deleted unless --keep-history. --charts refuses charts
whose releases hold claims (helm uninstall would delete them) unless
--volumes, which lists them with the app's and asks once.

The cluster itself is kept: minikube keeps running (minikube stop or
delete -p PROFILE does that). For a DigitalOcean cluster berth created,
--cluster deletes it too, with its load balancers (and its volumes only
with --volumes), after a summary of what will be destroyed and --yes (or
typing the cluster's name on a terminal).

On a terminal berth asks before deleting; elsewhere pass --yes.`

const downExample = `  # Remove the app from minikube, keep its data
  berth down -e local --yes

  # Remove everything, data included
  berth down --volumes --yes

  # Remove the app and the DigitalOcean cluster berth created for it
  berth down -e production --cluster --yes`

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
	addDeleteFlags(cmd.Flags(), &o.DeleteOptions)
	cmd.Flags().BoolVar(&o.Charts, "charts", false, "also uninstall berth.yaml's third-party charts (kept by default: other apps may share them)")
	cmd.Flags().BoolVar(&o.Cluster, "cluster", false, "digitalocean: also delete the cluster berth created (and its load balancers)")
	cmd.Flags().StringVar(&o.AccessToken, "access-token", "", "digitalocean: API token (default $DIGITALOCEAN_ACCESS_TOKEN, else doctl's config)")
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
			return o.digitalOcean(ctx, p)
		}
	}
	if o.Cluster {
		return usageErrorf("--cluster deletes DigitalOcean clusters berth created; this environment's target is not digitalocean")
	}
	return o.deleteApp(ctx, p)
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

// digitalOcean removes the app from the DigitalOcean cluster, then, with
// --cluster, the cluster.
func (o *DownOptions) digitalOcean(ctx context.Context, p *config.Project) error {
	home, _ := os.UserHomeDir()
	token, _, err := target.Token(o.AccessToken, o.f.getenv, home)
	if err != nil {
		return err
	}
	d, err := target.NewDigitalOcean(token, o.f.getenv("DIGITALOCEAN_API_URL"), time.Second, p.Target.DigitalOcean, p.Name, o.ErrOut)
	if err != nil {
		return err
	}
	var teardown *target.Teardown
	if o.Cluster {
		// Refuse early (and change nothing) for a cluster berth did not create.
		if teardown, err = d.PlanTeardown(ctx); err != nil {
			return err
		}
		fmt.Fprintf(o.ErrOut, "berth down --cluster destroys cluster %s (%s) with its nodes", teardown.Cluster.Name, teardown.Cluster.RegionSlug)
		if len(teardown.LoadBalancers) > 0 {
			fmt.Fprintf(o.ErrOut, ", load balancers %s", strings.Join(teardown.LoadBalancers, ", "))
		}
		if o.Volumes && len(teardown.Volumes) > 0 {
			fmt.Fprintf(o.ErrOut, ", and volumes %s (their data is lost)", strings.Join(teardown.Volumes, ", "))
		} else if len(teardown.Volumes) > 0 {
			fmt.Fprintf(o.ErrOut, "; volumes %s are kept (--volumes deletes them)", strings.Join(teardown.Volumes, ", "))
		}
		fmt.Fprintln(o.ErrOut)
		if !o.Yes {
			if err := o.f.confirmTyped("Type the cluster's name to destroy it", teardown.Cluster.Name); err != nil {
				return err
			}
		}
	}
	c, err := d.Find(ctx)
	if err != nil {
		return err
	}
	if c != nil {
		name, err := d.SaveKubeconfig(ctx, c.ID, kubeconfigFile(o.f))
		if err != nil {
			return err
		}
		o.f.UseKubeconfig(kubeconfigFile(o.f), name)
		o.Yes = o.Yes || teardown != nil
		if err := o.deleteApp(ctx, p); err != nil {
			return err
		}
	}
	if teardown == nil {
		return nil
	}
	if err := d.DeleteCluster(ctx, teardown, o.Volumes); err != nil {
		return err
	}
	fmt.Fprintf(o.ErrOut, "deleted cluster %s\n", teardown.Cluster.Name)
	return nil
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
