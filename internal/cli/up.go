package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/internal/build"
	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/kube"
	"github.com/berth-dev/berth/internal/progress"
	"github.com/berth-dev/berth/internal/target"
)

// UpOptions are the inputs of berth up.
type UpOptions struct {
	DeployOptions
	Start bool
	Yes   bool
	// RegistryAddon ships images to minikube through its registry addon
	// instead of minikube image load.
	RegistryAddon bool
	// Plan prints what a DigitalOcean up would create, and its price.
	Plan        bool
	AccessToken string
	// LBTimeout bounds the wait for load balancer addresses.
	LBTimeout time.Duration
}

// NewCmdUp builds berth up.
func NewCmdUp(f *Factory, runF func(context.Context, *UpOptions) error) *cobra.Command {
	o := &UpOptions{DeployOptions: DeployOptions{cmdBase: newBase(f, "text", "json", "yaml"), command: "up"}}
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Build, push or load, deploy and print where the app is reachable",
		Args:  noArgs,
		RunE:  runE(o, runF),
	}
	fl := cmd.Flags()
	addDeployFlags(fl, &o.DeployOptions)
	fl.BoolVar(&o.Start, "start", false, "minikube: start the profile when it is not running")
	fl.BoolVarP(&o.Yes, "yes", "y", false, "do what is needed without asking (enable the ingress addon, delete the claims --prune-volumes lists)")
	fl.BoolVar(&o.RegistryAddon, "registry-addon", false, "minikube: push images to the registry addon (localhost:5000 on the nodes) instead of loading them")
	fl.BoolVar(&o.Plan, "plan", false, "digitalocean: print what would be created and its monthly price; change nothing")
	fl.StringVar(&o.AccessToken, "access-token", "", "digitalocean: API token (default $DIGITALOCEAN_ACCESS_TOKEN, else doctl's config)")
	fl.DurationVar(&o.LBTimeout, "lb-timeout", 5*time.Minute, "how long to wait for LoadBalancer addresses (0: do not wait)")
	addRegistryFlags(fl, &f.Registry)
	return cmd
}

// Run does it all: the target prepares its cluster and says how images
// get there; berth builds and ships them, deploys, and prints where the
// app is reachable.
func (o *UpOptions) Run(ctx context.Context) error {
	start := time.Now()
	p, err := o.f.LoadProject()
	if err != nil {
		return err
	}
	if err := o.f.OpenSecrets(p); err != nil {
		return err
	}
	if err := checkSetImages(p, o.images); err != nil {
		return err // before a cluster is started or created
	}
	opts := targetOptions(o.f, o.ErrOut, o.Yes, o.AccessToken)
	opts.Step, opts.Start, opts.RegistryAddon, opts.LBTimeout = o.step, o.Start, o.RegistryAddon, o.LBTimeout
	t, err := target.New(p, opts)
	if err != nil {
		return err
	}
	if planner, ok := t.(target.Planner); ok && o.Plan {
		plan, err := planner.Plan(ctx)
		if err != nil {
			return err
		}
		return o.printPlan(plan)
	}
	prepared, err := t.Prepare(ctx, p)
	if err != nil {
		return err
	}
	p = prepared.Project
	// From here on berth works on the target's cluster, and preflight's
	// registry probes and chart pulls reach its registry as its pushes do.
	o.f = o.f.OnCluster(prepared.Access.Kubeconfig, prepared.Access.Context, &prepared.Registry)
	c, err := o.f.KubeClient()
	if err != nil {
		return err
	}
	ns := o.f.TargetNamespace(p, c)
	if _, a := o.f.advertised(ctx, p); a != nil {
		prepared.UseAdvertised(a) // berth.yaml names no registry; the cluster does
		p = prepared.Project
	}

	p, images, err := o.ship(ctx, p, prepared.Publisher)
	if err != nil {
		stage := "building"
		if pe := (*build.PushError)(nil); errors.As(err, &pe) {
			stage = "pushing"
		}
		return deploy.Stopped(ctx, err, "while "+stage+" the images: nothing was deployed",
			p.Name+" on the cluster is as it was; images already pushed stay in the registry (a new up reuses them)")
	}
	o.DeployOptions.Yes = o.Yes
	if err := o.deploy(ctx, start, p, c, ns, images); err != nil {
		return err
	}
	if o.DryRun != kube.DryRunNone || o.format != "text" {
		return nil
	}
	endpoints, err := t.Endpoints(ctx, p, c.Clientset, ns)
	for _, e := range endpoints {
		fmt.Fprintf(o.Out, "%s\t%s\n", e.Service, strings.Join(e.Where, "  "))
	}
	return err
}

func (o *UpOptions) step(format string, args ...any) {
	fmt.Fprintf(o.ErrOut, "%s %s\n", o.f.paint("==>", green), fmt.Sprintf(format, args...))
}

// ship builds the images and gets them to the cluster through the
// target's publisher. It returns the project to deploy and service →
// image (--set-image overrides included).
func (o *UpOptions) ship(ctx context.Context, p *config.Project, pub target.Publisher) (*config.Project, map[string]string, error) {
	var obs progress.BuildObserver
	s := &target.Shipper{
		Publisher: pub,
		Overrides: o.images,
		Builder: func() (build.Builder, error) {
			epoch, err := build.EpochFromEnv(o.f.getenv)
			if err != nil {
				return build.Builder{}, usageErrorf("%v", err)
			}
			obs = o.f.builds(o.ErrOut)
			return build.Builder{Observer: obs, Epoch: epoch}, nil
		},
		Step: func(summary string) {
			o.step("%s", summary)
			o.f.report().Stage("build")
		},
		Built: func() { obs.Done() },
	}
	return s.Ship(ctx, p)
}

// targetOptions are what berth up and down tell a target.
func targetOptions(f *Factory, errOut io.Writer, yes bool, token string) target.Options {
	home, _ := os.UserHomeDir()
	return target.Options{
		Log: errOut, Yes: yes, Confirm: f.confirm, ConfirmTyped: f.confirmTyped,
		Getenv: f.getenv, Home: home, LookPath: f.lookPath,
		Registry: *f.RegistryAccess(), Kubeconfig: kube.KubeconfigFile(f.KubeFlags, f.getenv), AccessToken: token,
	}
}
