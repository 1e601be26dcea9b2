package kube

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
)

// ServiceAddresses are the addresses of a Service as berth status and up
// print them: cluster IP (or headless name) and port, node ports, and
// load balancer addresses (pending while it has none).
func ServiceAddresses(svc *corev1.Service) []string {
	var out []string
	for _, p := range svc.Spec.Ports {
		switch {
		case svc.Spec.ClusterIP == corev1.ClusterIPNone:
			out = append(out, fmt.Sprintf("headless %s.%s:%d", svc.Name, svc.Namespace, p.Port))
		default:
			out = append(out, fmt.Sprintf("%s:%d", svc.Spec.ClusterIP, p.Port))
		}
		if p.NodePort != 0 {
			out = append(out, fmt.Sprintf("nodePort %d", p.NodePort))
		}
		if svc.Spec.Type == corev1.ServiceTypeLoadBalancer {
			if len(svc.Status.LoadBalancer.Ingress) == 0 {
				out = append(out, "loadBalancer pending")
			}
			for _, lb := range svc.Status.LoadBalancer.Ingress {
				out = append(out, fmt.Sprintf("loadBalancer %s%s:%d", lb.IP, lb.Hostname, p.Port))
			}
		}
	}
	return out
}
