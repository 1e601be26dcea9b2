package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/kube"
	"github.com/berth-dev/berth/internal/target"
)

// digitalOcean prepares a DigitalOcean target: the cluster (created when
// missing, waited for), its kubeconfig merged into the user's, the
// container registry integrated, block storage for volumes. With --plan it
// prints the plan and reports done.
func (o *UpOptions) digitalOcean(ctx context.Context, p *config.Project) (done bool, err error) {
	home, _ := os.UserHomeDir()
	token, source, err := target.Token(o.AccessToken, o.f.getenv, home)
	if err != nil {
		return false, err
	}
	d, err := target.NewDigitalOcean(token, o.f.getenv("DIGITALOCEAN_API_URL"), time.Second, p.Target.DigitalOcean, p.Name, o.ErrOut)
	if err != nil {
		return false, err
	}
	if o.Plan {
		plan, err := d.Plan(ctx)
		if err != nil {
			return false, err
		}
		return true, o.printPlan(plan)
	}
	o.step("DigitalOcean cluster %s in %s (token from %s)", d.Spec.Cluster, d.Spec.Region, source)
	cluster, created, err := d.EnsureCluster(ctx)
	if err != nil {
		return false, err
	}
	if created || cluster.Status == nil || string(cluster.Status.State) != "running" {
		if cluster, err = d.WaitRunning(ctx, cluster.ID); err != nil {
			return false, err
		}
	}
	file := kubeconfigFile(o.f)
	name, err := d.SaveKubeconfig(ctx, cluster.ID, file)
	if err != nil {
		return false, err
	}
	fmt.Fprintf(o.ErrOut, "kube context %s saved in %s\n", name, file)
	o.f.UseKubeconfig(file, name)
	registry, err := d.EnsureRegistry(ctx, cluster.ID)
	if err != nil {
		return false, err
	}
	if registry != "" && p.Registry == "" {
		p.Registry = registry
	}
	// Pushes to DOCR use this token, wherever it came from.
	getenv := o.f.getenv
	o.f.Registry.Getenv = func(k string) string {
		if k == "DIGITALOCEAN_ACCESS_TOKEN" {
			return token
		}
		return getenv(k)
	}
	addIngressController(p, o.ErrOut)
	for _, s := range p.Services {
		for i := range s.Volumes {
			if s.Volumes[i].StorageClass == "" {
				s.Volumes[i].StorageClass = target.BlockStorageClass
			}
		}
	}
	return false, nil
}

// kubeconfigFile is where a target's kube context is saved: --kubeconfig,
// else the first KUBECONFIG file, else ~/.kube/config.
func kubeconfigFile(f *Factory) string {
	if kf := f.KubeFlags; kf != nil && kf.KubeConfig != nil && *kf.KubeConfig != "" {
		return *kf.KubeConfig
	}
	if list := filepath.SplitList(f.getenv("KUBECONFIG")); len(list) > 0 && list[0] != "" {
		return list[0]
	}
	return clientcmd.RecommendedHomeFile
}

func (o *UpOptions) printPlan(p *target.Plan) error {
	if o.format != "text" {
		return printData(o.Out, o.format, versioned("Plan", p))
	}
	tw := tabwriter.NewWriter(o.Out, 0, 4, 2, ' ', 0)
	state := "create"
	if p.Exists {
		state = "exists, reused"
	}
	nodes := fmt.Sprintf("%d × %s ($%.2f/month each)", p.Nodes, p.Size, p.NodeMonthly)
	if p.MaxNodes > 0 {
		nodes = fmt.Sprintf("%d-%d × %s ($%.2f/month each)", p.Nodes, p.MaxNodes, p.Size, p.NodeMonthly)
	}
	fmt.Fprintf(tw, "cluster\t%s (%s, Kubernetes %s)\t%s\n", p.Cluster, p.Region, p.Version, state)
	fmt.Fprintf(tw, "nodes\t%s\t\n", nodes)
	if p.Registry != "" {
		rs := "create (starter tier)"
		if p.RegistryExists {
			rs = "exists, reused"
		}
		fmt.Fprintf(tw, "registry\t%s\t%s\n", p.Registry, rs)
	}
	fmt.Fprintf(tw, "new monthly cost\t$%.2f\t(load balancers and volumes extra)\n", p.MonthlyUSD)
	tw.Flush()
	fmt.Fprintln(o.ErrOut, "plan only: nothing was created or changed")
	return nil
}

// waitLoadBalancers waits (up to --lb-timeout) until every LoadBalancer
// Service has an address, saying so once.
func (o *UpOptions) waitLoadBalancers(ctx context.Context, p *config.Project, c *kube.Client, ns string) {
	var lbs []string
	for name, s := range p.Services {
		if s.Expose == config.ExposeLoadBalancer {
			lbs = append(lbs, name)
		}
	}
	if len(lbs) == 0 || o.LBTimeout <= 0 {
		return
	}
	slices.Sort(lbs)
	deadline := time.Now().Add(o.LBTimeout)
	said := false
	for _, name := range lbs {
		for {
			svc, err := c.Clientset.CoreV1().Services(ns).Get(ctx, name, metav1.GetOptions{})
			if err != nil || len(svc.Status.LoadBalancer.Ingress) > 0 {
				break
			}
			if time.Now().After(deadline) {
				fmt.Fprintf(o.ErrOut, "warning: %s has no load balancer address after %s; berth status shows it later\n", name, o.LBTimeout)
				return
			}
			if !said {
				fmt.Fprintf(o.ErrOut, "waiting for the load balancer address of %s...\n", name)
				said = true
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(2 * time.Second):
			}
		}
	}
}

// addIngressController adds the NGINX ingress controller chart (as the
// reference deployment installs it) when a service has ingress: and
// berth.yaml installs no ingress-nginx itself: a DigitalOcean cluster has
// no ingress controller of its own.
func addIngressController(p *config.Project, w io.Writer) {
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
	fmt.Fprintln(w, "note: a service has ingress: and DigitalOcean clusters have no ingress controller; installing chart ingress-nginx (declare it under charts: to pin its version or values)")
}
