package target

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/kube"
)

// clusterEndpoints waits (up to lbTimeout) for the load balancers of p's
// services, then reads where each service is reachable from the cluster:
// load balancer and cluster addresses, node ports, ingress hosts.
func clusterEndpoints(ctx context.Context, p *config.Project, cs kubernetes.Interface, ns string, lbTimeout time.Duration, log io.Writer) []Endpoint {
	waitLoadBalancers(ctx, p, cs, ns, lbTimeout, log)
	var out []Endpoint
	for _, name := range slices.Sorted(maps.Keys(p.Services)) {
		s := p.Services[name]
		var where []string
		svc, err := cs.CoreV1().Services(ns).Get(ctx, name, metav1.GetOptions{})
		if err == nil && svc.Spec.Type != corev1.ServiceTypeClusterIP {
			where = append(where, kube.ServiceAddresses(svc)...)
		}
		if s.Ingress != nil && s.Ingress.Host != "" {
			where = append(where, ingressURL(s.Ingress.Host, ingressAddress(ctx, cs, ns, name)))
		}
		if len(where) > 0 {
			out = append(out, Endpoint{Service: name, Where: where})
		}
	}
	return out
}

// ingressURL is an ingress host's URL, with how to reach it before DNS
// points at addr.
func ingressURL(host, addr string) string {
	url := "http://" + host + "/"
	if addr != "" {
		url += fmt.Sprintf(" (ingress at %s; until DNS points there, add to /etc/hosts: %s %s)", addr, addr, host)
	}
	return url
}

// waitLoadBalancers waits (up to timeout) until every LoadBalancer
// Service has an address, saying so once.
func waitLoadBalancers(ctx context.Context, p *config.Project, cs kubernetes.Interface, ns string, timeout time.Duration, log io.Writer) {
	var lbs []string
	for name, s := range p.Services {
		if s.Expose == config.ExposeLoadBalancer {
			lbs = append(lbs, name)
		}
	}
	if len(lbs) == 0 || timeout <= 0 {
		return
	}
	slices.Sort(lbs)
	deadline := time.Now().Add(timeout)
	said := false
	for _, name := range lbs {
		for {
			svc, err := cs.CoreV1().Services(ns).Get(ctx, name, metav1.GetOptions{})
			if err != nil || len(svc.Status.LoadBalancer.Ingress) > 0 {
				break
			}
			if time.Now().After(deadline) {
				fmt.Fprintf(log, "warning: %s has no load balancer address after %s; berth status shows it later\n", name, timeout)
				return
			}
			if !said {
				fmt.Fprintf(log, "waiting for the load balancer address of %s...\n", name)
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

// ingressAddress is the address the ingress controller gave a service's
// Ingress, "" while it has none.
func ingressAddress(ctx context.Context, cs kubernetes.Interface, ns, name string) string {
	ing, err := cs.NetworkingV1().Ingresses(ns).Get(ctx, name, metav1.GetOptions{})
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
