package kube

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestServiceAddresses(t *testing.T) {
	t.Parallel()
	ports := []corev1.ServicePort{{Port: 80}, {Port: 443}}
	for _, tc := range []struct {
		name string
		spec corev1.ServiceSpec
		lb   []corev1.LoadBalancerIngress
		want []string
	}{
		{"cluster IP", corev1.ServiceSpec{Type: corev1.ServiceTypeClusterIP, ClusterIP: "10.0.0.1", Ports: ports}, nil, []string{"10.0.0.1:80", "10.0.0.1:443"}},
		{"headless", corev1.ServiceSpec{ClusterIP: corev1.ClusterIPNone, Ports: ports[:1]}, nil, []string{"headless db-headless.shop:80"}},
		{"node port", corev1.ServiceSpec{Type: corev1.ServiceTypeNodePort, ClusterIP: "10.0.0.1", Ports: []corev1.ServicePort{{Port: 80, NodePort: 30080}}}, nil, []string{"10.0.0.1:80", "nodePort 30080"}},
		{"load balancer pending", corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer, ClusterIP: "10.0.0.1", Ports: ports[:1]}, nil, []string{"10.0.0.1:80", "loadBalancer pending"}},
		{"load balancer", corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer, ClusterIP: "10.0.0.1", Ports: ports[:1]},
			[]corev1.LoadBalancerIngress{{IP: "203.0.113.10"}, {Hostname: "lb.example.org"}}, []string{"10.0.0.1:80", "loadBalancer 203.0.113.10:80", "loadBalancer lb.example.org:80"}},
		{"no ports", corev1.ServiceSpec{ClusterIP: "10.0.0.1"}, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "db-headless", Namespace: "shop"}, Spec: tc.spec}
			svc.Status.LoadBalancer.Ingress = tc.lb
			if diff := cmp.Diff(tc.want, ServiceAddresses(svc)); diff != "" {
				t.Errorf("addresses (-want +got):\n%s", diff)
			}
		})
	}
}
