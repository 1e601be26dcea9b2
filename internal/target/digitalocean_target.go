package target

import (
	"context"
	"fmt"
	"strings"
	"time"

	"k8s.io/client-go/kubernetes"

	"github.com/berth-dev/berth/internal/config"
)

// doks is a DigitalOcean Kubernetes cluster: reused or created (and
// waited for), its kubeconfig merged into the user's, the account's
// container registry created and integrated, block storage for volumes,
// ingress-nginx installed when a service has ingress:.
type doks struct {
	do *DigitalOcean
	o  Options
	// tokenFrom says where the API token came from (never the token).
	tokenFrom string
}

var (
	_ Target  = (*doks)(nil)
	_ Planner = (*doks)(nil)
)

func newDOKS(p *config.Project, o Options) (*doks, error) {
	token, from, err := Token(o.AccessToken, o.Getenv, o.Home)
	if err != nil {
		return nil, err
	}
	var spec *config.DigitalOceanTarget
	if p.Target != nil {
		spec = p.Target.DigitalOcean
	}
	d, err := NewDigitalOcean(token, o.Getenv("DIGITALOCEAN_API_URL"), time.Second, spec, p.Name, o.Log)
	if err != nil {
		return nil, err
	}
	return &doks{do: d, o: o, tokenFrom: from}, nil
}

// Plan says what Prepare would create and its monthly price.
func (t *doks) Plan(ctx context.Context) (*Plan, error) { return t.do.Plan(ctx) }

// Prepare returns the project with the registry (when berth.yaml names
// none), block storage for volumes and, for services with ingress:, the
// ingress-nginx chart.
func (t *doks) Prepare(ctx context.Context, p *config.Project) (*Prepared, error) {
	d := t.do
	t.o.Step("DigitalOcean cluster %s in %s (token from %s)", d.Spec.Cluster, d.Spec.Region, t.tokenFrom)
	cluster, created, err := d.EnsureCluster(ctx)
	if err != nil {
		return nil, err
	}
	if created || cluster.Status == nil || string(cluster.Status.State) != "running" {
		if cluster, err = d.WaitRunning(ctx, cluster.ID); err != nil {
			return nil, err
		}
	}
	name, err := d.SaveKubeconfig(ctx, cluster.ID, t.o.Kubeconfig)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(t.o.Log, "kube context %s saved in %s\n", name, t.o.Kubeconfig)
	registry, err := d.EnsureRegistry(ctx, cluster.ID)
	if err != nil {
		return nil, err
	}
	q := p.Clone()
	if registry != "" && q.Registry == "" {
		q.Registry = registry
	}
	addIngressController(q, t.o)
	for _, s := range q.Services {
		for i := range s.Volumes {
			if s.Volumes[i].StorageClass == "" {
				s.Volumes[i].StorageClass = BlockStorageClass
			}
		}
	}
	// Pushes to DOCR use this token, wherever it came from.
	access := t.o.Registry
	getenv := t.o.Getenv
	if access.Getenv != nil {
		getenv = access.Getenv
	}
	access.Getenv = func(k string) string {
		if k == "DIGITALOCEAN_ACCESS_TOKEN" {
			return d.token
		}
		return getenv(k)
	}
	return &Prepared{
		Project:   q,
		Access:    Access{Kubeconfig: t.o.Kubeconfig, Context: name},
		Registry:  access,
		Publisher: &registryPublisher{access: access},
	}, nil
}

// addIngressController adds the NGINX ingress controller chart (as the
// reference deployment installs it) when a service has ingress: and
// berth.yaml installs no ingress-nginx itself: a DigitalOcean cluster has
// no ingress controller of its own.
func addIngressController(p *config.Project, o Options) {
	needed := false
	for _, s := range p.Services {
		needed = needed || s.Ingress != nil
	}
	if !needed {
		return
	}
	for _, c := range p.Charts {
		if strings.HasSuffix(c.Chart, "ingress-nginx") {
			return
		}
	}
	if p.Charts == nil {
		p.Charts = map[string]*config.Chart{}
	}
	p.Charts["ingress-nginx"] = &config.Chart{Repo: "https://kubernetes.github.io/ingress-nginx", Chart: "ingress-nginx", Namespace: "ingress-nginx"}
	fmt.Fprintln(o.Log, "note: a service has ingress: and DigitalOcean clusters have no ingress controller; installing chart ingress-nginx (declare it under charts: to pin its version or values)")
}

// Endpoints waits for the load balancers' addresses and reads them from
// the cluster, with node ports and ingress addresses.
func (t *doks) Endpoints(ctx context.Context, p *config.Project, cs kubernetes.Interface, ns string) ([]Endpoint, error) {
	return clusterEndpoints(ctx, p, cs, ns, t.o.LBTimeout, t.o.Log), nil
}

// Down removes the app from the cluster (when it exists), then with
// o.Cluster the cluster with its load balancers (and volumes with
// o.Volumes), after a summary and a typed confirmation (or Yes). A
// cluster berth did not create is refused before anything is deleted.
func (t *doks) Down(ctx context.Context, _ *config.Project, o DownOptions) error {
	d := t.do
	var teardown *Teardown
	if o.Cluster {
		var err error
		if teardown, err = d.PlanTeardown(ctx); err != nil {
			return err
		}
		fmt.Fprint(t.o.Log, teardownSummary(teardown, o.Volumes))
		if !t.o.Yes {
			if t.o.ConfirmTyped == nil {
				return fmt.Errorf("destroying cluster %s needs a confirmation (answer yes with --yes)", teardown.Cluster.Name)
			}
			if err := t.o.ConfirmTyped("Type the cluster's name to destroy it", teardown.Cluster.Name); err != nil {
				return err
			}
		}
	}
	c, err := d.Find(ctx)
	if err != nil {
		return err
	}
	if c != nil {
		name, err := d.SaveKubeconfig(ctx, c.ID, t.o.Kubeconfig)
		if err != nil {
			return err
		}
		if err := o.RemoveApp(ctx, Access{Kubeconfig: t.o.Kubeconfig, Context: name}, teardown != nil); err != nil {
			return err
		}
	}
	if teardown == nil {
		return nil
	}
	if err := d.DeleteCluster(ctx, teardown, o.Volumes); err != nil {
		return err
	}
	fmt.Fprintf(t.o.Log, "deleted cluster %s\n", teardown.Cluster.Name)
	return nil
}

// teardownSummary is the line that says what deleting the cluster
// destroys.
func teardownSummary(t *Teardown, volumes bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "berth down --cluster destroys cluster %s (%s) with its nodes", t.Cluster.Name, t.Cluster.RegionSlug)
	if len(t.LoadBalancers) > 0 {
		fmt.Fprintf(&b, ", load balancers %s", strings.Join(t.LoadBalancers, ", "))
	}
	if volumes && len(t.Volumes) > 0 {
		fmt.Fprintf(&b, ", and volumes %s (their data is lost)", strings.Join(t.Volumes, ", "))
	} else if len(t.Volumes) > 0 {
		fmt.Fprintf(&b, "; volumes %s are kept (--volumes deletes them)", strings.Join(t.Volumes, ", "))
	}
	return b.String() + "\n"
}
