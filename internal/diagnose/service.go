package diagnose

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// service diagnoses a Service: a LoadBalancer without an address.
func (d *diagnosis) service(ctx context.Context) error {
	svc, err := d.cs.CoreV1().Services(d.ns).Get(ctx, d.name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	if svc.Spec.Type != corev1.ServiceTypeLoadBalancer || len(svc.Status.LoadBalancer.Ingress) > 0 {
		return nil
	}
	object := "service/" + svc.Name
	d.relate(object, svc.UID)
	fields := "involvedObject.kind=Service,involvedObject.name=" + svc.Name + ",type=Warning"
	if err := d.parallel(ctx, d.readEvents(metav1.ListOptions{FieldSelector: fields})); err != nil {
		return err
	}
	msg := fmt.Sprintf("Service %s of type LoadBalancer has no external address: no load-balancer controller has given it one.", svc.Name)
	if ev := d.newestEvent(object, "", "", ""); ev != nil {
		msg = fmt.Sprintf("Service %s of type LoadBalancer has no external address: %s: %s", svc.Name, ev.Reason, ev.Message)
		d.cover(object, ev.Reason)
	}
	d.add(Finding{
		Object:  object,
		Reason:  "LoadBalancerPending",
		Message: msg,
		Hint: "on minikube, run `minikube tunnel` in another terminal; on kind, run cloud-provider-kind; " +
			"on other clusters without a cloud load balancer, install one such as MetalLB; " +
			"or expose the service as NodePort, or through an ingress (expose in berth.yaml)",
	})
	return d.finish(ctx)
}
