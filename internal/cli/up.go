package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/internal/build"
	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/kube"
	"github.com/berth-dev/berth/internal/target"
)

const upLong = `Build, ship and deploy the application in one command, to the target of
berth.yaml's environment (target: kube, minikube or digitalocean), then
print where it can be reached.

  kube (default)  the current kube context: build and push to the
                  registry, deploy pinned by digest.
  minikube        the profile's cluster: checks minikube status (starts
                  it only with --start), builds and loads the images into
                  the cluster without a registry (minikube image load;
                  imagePullPolicy IfNotPresent with the content tag),
                  enables the ingress addon when a service has ingress:
                  (asks first unless --yes), and prints minikube's URLs.
                  --registry-addon pushes to its registry addon instead.
  digitalocean    DigitalOcean Kubernetes: reuses or creates the cluster
                  (--plan shows what and its monthly price), merges its
                  kubeconfig as do-REGION-NAME, creates and integrates the
                  container registry, installs ingress-nginx when a
                  service has ingress:, and prints load balancer IPs.

berth.yaml's charts: (third-party Helm charts) are installed or upgraded
before the services. See docs/targets.md.

Every deploy flag works here too (--atomic, --timeout, --cause...).
Exit code 3 means the revision was applied but did not become healthy.`

const upExample = `  # Build and deploy to the current kube context
  berth up

  # To minikube, starting it if needed
  berth up -e local --start

  # Without prompts (CI)
  berth up -e staging --yes --atomic

  # What DigitalOcean would create and cost, then do it
  berth up -e production --plan
  berth up -e production`

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

	addonHost string // NODE-IP:5000 with --registry-addon
}

// NewCmdUp builds berth up.
func NewCmdUp(f *Factory, runF func(context.Context, *UpOptions) error) *cobra.Command {
	o := &UpOptions{DeployOptions: DeployOptions{IOStreams: f.IOStreams, f: f, command: "up"}}
	cmd := &cobra.Command{
		Use:     "up",
		Short:   "Build, push or load, deploy and print where the app is reachable",
		Long:    upLong,
		Example: upExample,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Complete(); err != nil {
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

// Run does it all.
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
	kind := config.TargetKube
	if p.Target != nil && p.Target.Kind != "" {
		kind = p.Target.Kind
	}
	var mk *target.Minikube
	switch kind {
	case config.TargetMinikube:
		profile := ""
		if p.Target.Minikube != nil {
			profile = p.Target.Minikube.Profile
		}
		if mk, err = target.FindMinikube(profile, o.f.lookPath, o.ErrOut); err != nil {
			return err
		}
		o.step("minikube profile %s", mk.Profile)
		if err := mk.Ensure(ctx, o.Start); err != nil {
			return err
		}
		o.f.UseContext(mk.Context())
		if o.RegistryAddon {
			if err := o.registryAddon(ctx, p, mk); err != nil {
				return err
			}
		}
	case config.TargetDigitalOcean:
		done, err := o.digitalOcean(ctx, p)
		if err != nil || done {
			return err
		}
	}
	c, err := o.f.KubeClient()
	if err != nil {
		return err
	}
	ns := o.f.TargetNamespace(p, c)

	images, err := o.ship(ctx, p, mk)
	if err != nil {
		stage := "building"
		if pe := (*build.PushError)(nil); errors.As(err, &pe) {
			stage = "pushing"
		}
		return interrupted(ctx, err, "while "+stage+" the images: nothing was deployed",
			p.Name+" on the cluster is as it was; images already pushed stay in the registry (a new up reuses them)")
	}
	if mk != nil {
		if err := o.ingressAddon(ctx, p, mk); err != nil {
			return err
		}
	}
	o.DeployOptions.Yes = o.Yes
	if err := o.deploy(ctx, start, p, c, ns, images); err != nil {
		return err
	}
	if o.DryRun != kube.DryRunNone || o.format != "text" {
		return nil
	}
	if mk == nil {
		o.waitLoadBalancers(ctx, p, c, ns)
	}
	return o.printEndpoints(ctx, p, c, ns, mk)
}

func (o *UpOptions) step(format string, args ...any) {
	fmt.Fprintf(o.ErrOut, "%s %s\n", o.f.paint("==>", green), fmt.Sprintf(format, args...))
}

// ship builds the images and gets them to the cluster: pushed to the
// registry, or loaded into minikube. It returns service → image.
func (o *UpOptions) ship(ctx context.Context, p *config.Project, mk *target.Minikube) (map[string]string, error) {
	images := map[string]string{}
	var built []string
	for name, s := range p.Services {
		if s.Build != nil && o.images[name] == "" {
			built = append(built, name)
		}
	}
	slices.Sort(built)
	if len(built) > 0 {
		epoch, err := build.EpochFromEnv(o.f.getenv)
		if err != nil {
			return nil, usageErrorf("%v", err)
		}
		obs := o.f.builds(o.ErrOut)
		b := &build.Builder{Remote: o.f.RegistryAccess(), Observer: obs, Epoch: epoch}
		if mk != nil {
			b.InCluster = func(ctx context.Context, in *build.Inputs, ref string) error {
				dockerfile, err := filepath.Rel(in.Context.Dir, in.Dockerfile)
				if err != nil {
					return err
				}
				return mk.BuildImage(ctx, ref, dockerfile, in.Context.Dir, in.Build.Args, in.Build.Target)
			}
		}
		push := mk == nil || o.RegistryAddon
		if push {
			o.step("build and push %s", strings.Join(built, ", "))
		} else {
			o.step("build %s and load into minikube", strings.Join(built, ", "))
		}
		o.f.report().Stage("build")
		results, err := b.Build(ctx, p, build.Options{Services: built, Push: push})
		obs.Done()
		if err != nil {
			return nil, err
		}
		for _, r := range results {
			images[r.Service] = r.Image
			if o.addonHost != "" {
				// Pushed to NODE-IP:5000; the nodes pull it as localhost:5000.
				images[r.Service] = "localhost:5000" + strings.TrimPrefix(r.Image, o.addonHost)
			}
		}
		if mk != nil && !o.RegistryAddon {
			if err := o.load(ctx, p, mk, results, images); err != nil {
				return nil, err
			}
		}
	}
	for k, v := range o.images {
		images[k] = v
	}
	return images, nil
}

// load puts each built image into minikube (unless its runtime has it)
// and deploys it by its content tag with imagePullPolicy IfNotPresent: an
// image loaded into a node has no registry digest to pin.
func (o *UpOptions) load(ctx context.Context, p *config.Project, mk *target.Minikube, results []build.Result, images map[string]string) error {
	have, err := mk.Images(ctx)
	if err != nil {
		return err
	}
	state := build.StateDirOf(p)
	for _, r := range results {
		tagged := build.Repository(p, r.Service) + ":" + r.Tag
		images[r.Service] = tagged
		if s := p.Services[r.Service]; s.ImagePullPolicy == "" {
			s.ImagePullPolicy = "IfNotPresent"
		}
		if have[tagged] || r.Builder == build.BuilderMinikube {
			fmt.Fprintf(o.ErrOut, "[%s] minikube has %s\n", r.Service, tagged)
			continue
		}
		archive, err := exportArchive(state, tagged, r.Digest)
		if err != nil {
			return err
		}
		err = mk.LoadImage(ctx, archive)
		os.Remove(archive)
		if err != nil {
			return err
		}
		fmt.Fprintf(o.ErrOut, "[%s] loaded %s into minikube\n", r.Service, tagged)
	}
	return nil
}

// exportArchive writes the image of digest from .berth/oci as a docker
// save archive tagged ref.
func exportArchive(stateDir, ref, digest string) (string, error) {
	lp, err := layout.FromPath(filepath.Join(stateDir, "oci"))
	if err != nil {
		return "", err
	}
	h, err := v1.NewHash(digest)
	if err != nil {
		return "", err
	}
	img, err := lp.Image(h)
	if err != nil {
		return "", fmt.Errorf("the build of %s is not in .berth/oci (%v); build it again with --no-cache", ref, err)
	}
	tag, err := name.NewTag(ref)
	if err != nil {
		return "", err
	}
	f, err := os.CreateTemp(stateDir, "load-*.tar")
	if err != nil {
		return "", err
	}
	f.Close()
	if err := tarball.WriteToFile(f.Name(), tag, img); err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// ingressAddon enables minikube's ingress addon when a service has an
// ingress, after asking (or with --yes).
func (o *UpOptions) ingressAddon(ctx context.Context, p *config.Project, mk *target.Minikube) error {
	needed := false
	for _, s := range p.Services {
		needed = needed || s.Ingress != nil
	}
	if !needed {
		return nil
	}
	addons, err := mk.Addons(ctx)
	if err != nil {
		return err
	}
	if addons["ingress"] {
		return nil
	}
	if !o.Yes {
		ok, err := o.f.confirm(fmt.Sprintf("A service has ingress:, and minikube's ingress addon is off. Enable it (minikube addons enable ingress -p %s)?", mk.Profile))
		if err != nil {
			return err
		}
		if !ok {
			fmt.Fprintf(o.ErrOut, "note: the ingress addon stays off; the Ingress will have no controller\n")
			return nil
		}
	}
	o.step("enable the minikube ingress addon")
	return mk.EnableAddon(ctx, "ingress")
}

// printEndpoints prints, per service, where it can be reached: minikube's
// URLs and ingress hosts, or what the cluster shows (load balancer IPs,
// node ports, ingress hosts).
func (o *UpOptions) printEndpoints(ctx context.Context, p *config.Project, c *kube.Client, ns string, mk *target.Minikube) error {
	names := make([]string, 0, len(p.Services))
	for n := range p.Services {
		names = append(names, n)
	}
	slices.Sort(names)
	var ip string
	for _, name := range names {
		s := p.Services[name]
		var where []string
		switch {
		case mk != nil && (s.Expose == config.ExposeNodePort || s.Expose == config.ExposeLoadBalancer):
			uctx, cancel := context.WithTimeout(ctx, 15*time.Second)
			urls, err := mk.ServiceURLs(uctx, ns, name)
			cancel()
			if err != nil {
				fmt.Fprintf(o.ErrOut, "warning: minikube service %s --url: %v\n", name, err)
			}
			where = append(where, urls...)
			if s.Expose == config.ExposeLoadBalancer {
				fmt.Fprintf(o.ErrOut, "note: %s is a LoadBalancer: run minikube tunnel -p %s for its external IP\n", name, mk.Profile)
			}
		case mk == nil:
			svc, err := c.Clientset.CoreV1().Services(ns).Get(ctx, name, metav1.GetOptions{})
			if err == nil && svc.Spec.Type != "ClusterIP" {
				where = append(where, serviceEndpoints(svc)...)
			}
		}
		if s.Ingress != nil && s.Ingress.Host != "" {
			if mk != nil && ip == "" {
				ip, _ = mk.IP(ctx)
			}
			url := "http://" + s.Ingress.Host + "/"
			addr := ip
			if mk == nil {
				addr = ingressAddress(ctx, c, ns, name)
			}
			if addr != "" {
				url += fmt.Sprintf(" (ingress at %s; until DNS points there, add to /etc/hosts: %s %s)", addr, addr, s.Ingress.Host)
			}
			where = append(where, url)
		}
		if len(where) > 0 {
			fmt.Fprintf(o.Out, "%s\t%s\n", name, strings.Join(where, "  "))
		}
	}
	return nil
}

// registryAddon enables minikube's registry addon (after asking, or with
// --yes) and pushes there: the registry answers on the node's port 5000,
// and every node reaches it as localhost:5000.
func (o *UpOptions) registryAddon(ctx context.Context, p *config.Project, mk *target.Minikube) error {
	addons, err := mk.Addons(ctx)
	if err != nil {
		return err
	}
	if !addons["registry"] {
		if !o.Yes {
			ok, err := o.f.confirm(fmt.Sprintf("Enable minikube's registry addon (minikube addons enable registry -p %s)?", mk.Profile))
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("--registry-addon needs the registry addon")
			}
		}
		o.step("enable the minikube registry addon")
		if err := mk.EnableAddon(ctx, "registry"); err != nil {
			return err
		}
	}
	ip, err := mk.IP(ctx)
	if err != nil {
		return err
	}
	o.addonHost = ip + ":5000"
	// Keep berth.yaml's repository path, on the addon's host.
	path := ""
	if _, rest, ok := strings.Cut(p.Registry, "/"); ok {
		path = "/" + rest
	}
	p.Registry = o.addonHost + path
	o.f.Registry.Insecure = append(o.f.Registry.Insecure, o.addonHost)
	return nil
}

// ingressAddress is the address the ingress controller gave a service's
// Ingress, "" while it has none.
func ingressAddress(ctx context.Context, c *kube.Client, ns, name string) string {
	ing, err := c.Clientset.NetworkingV1().Ingresses(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return ""
	}
	for _, lb := range ing.Status.LoadBalancer.Ingress {
		if lb.IP != "" {
			return lb.IP
		}
		if lb.Hostname != "" {
			return lb.Hostname
		}
	}
	return ""
}
