package status

// Reading one service's live state: its workload (with kstatus's
// verdict), the images its pods run and where it is reachable.

import (
	"context"
	"fmt"
	"slices"
	"strings"

	kstatus "github.com/fluxcd/cli-utils/pkg/kstatus/status"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/berth-dev/berth/internal/kube"
)

// service reads one service's workload, pods, Services and Ingress.
func (r *Reader) service(ctx context.Context, ns string, w workload) (Service, error) {
	name := w.name
	ss := Service{Name: name, Kind: w.kind, Images: []string{}, Endpoints: []string{}}
	var selector *metav1.LabelSelector
	if w.kind == "StatefulSet" {
		sts, err := r.Client.AppsV1().StatefulSets(ns).Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			ss.Problem = "not deployed"
			return ss, nil
		} else if err != nil {
			return ss, fmt.Errorf("reading statefulset %s: %w", name, err)
		}
		ss.Desired, ss.Ready, ss.Updated = deref(sts.Spec.Replicas), sts.Status.ReadyReplicas, sts.Status.UpdatedReplicas
		if ss.Healthy, err = current(sts, ss.Kind); err != nil {
			return ss, err
		}
		selector = sts.Spec.Selector
	} else {
		d, err := r.Client.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			ss.Problem = "not deployed"
			return ss, nil
		} else if err != nil {
			return ss, fmt.Errorf("reading deployment %s: %w", name, err)
		}
		ss.Desired, ss.Ready, ss.Updated = deref(d.Spec.Replicas), d.Status.ReadyReplicas, d.Status.UpdatedReplicas
		if ss.Healthy, err = current(d, ss.Kind); err != nil {
			return ss, err
		}
		selector = d.Spec.Selector
	}
	if selector != nil {
		pods, err := r.Client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: labels.SelectorFromSet(selector.MatchLabels).String()})
		if err != nil {
			return ss, fmt.Errorf("listing pods of %s: %w", name, err)
		}
		ss.Images = podImages(pods.Items)
	}
	for _, svcName := range []string{name, name + "-headless"} {
		svc, err := r.Client.CoreV1().Services(ns).Get(ctx, svcName, metav1.GetOptions{})
		if err != nil {
			continue
		}
		ss.Endpoints = append(ss.Endpoints, kube.ServiceAddresses(svc)...)
	}
	if w.ingress {
		if in, err := r.Client.NetworkingV1().Ingresses(ns).Get(ctx, name, metav1.GetOptions{}); err == nil {
			ss.Endpoints = append(ss.Endpoints, ingressEndpoints(in)...)
		}
	}
	return ss, nil
}

// current is kstatus's verdict on a workload, the one berth deploy waits
// for (kube.Client.Wait): health has that one definition.
func current(obj runtime.Object, kind string) (bool, error) {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return false, fmt.Errorf("reading %s status: %w", strings.ToLower(kind), err)
	}
	u := &unstructured.Unstructured{Object: m}
	// Typed clients leave the type out; kstatus picks its rules by kind.
	u.SetAPIVersion("apps/v1")
	u.SetKind(kind)
	res, err := kstatus.Compute(u)
	if err != nil {
		return false, fmt.Errorf("computing %s %s status: %w", strings.ToLower(kind), u.GetName(), err)
	}
	return res.Status == kstatus.CurrentStatus, nil
}

// ingressEndpoints lists an Ingress's host and path per rule, with the
// load balancer address when it has one.
func ingressEndpoints(in *networkingv1.Ingress) []string {
	var out []string
	for _, rule := range in.Spec.Rules {
		host := rule.Host
		if host == "" {
			host = "*"
		}
		if rule.HTTP == nil {
			continue
		}
		for _, path := range rule.HTTP.Paths {
			addr := ""
			for _, lb := range in.Status.LoadBalancer.Ingress {
				addr = " → " + lb.IP + lb.Hostname
			}
			out = append(out, "ingress "+host+path.Path+addr)
		}
	}
	return out
}

// deref is a workload's replicas: Kubernetes defaults an unset count to 1.
func deref(p *int32) int32 {
	if p == nil {
		return 1
	}
	return *p
}

// podImages lists the images pods run, with the digest the node resolved
// when the status has one; none is an empty list, never nil ("images": []
// in -o json).
func podImages(pods []corev1.Pod) []string {
	seen := map[string]bool{}
	out := []string{}
	for _, pod := range pods {
		for _, cs := range pod.Status.ContainerStatuses {
			img := cs.Image
			if strings.HasPrefix(img, "sha256:") {
				// containerd names an image pulled by digest by its ID:
				// the pod's spec says which one it is.
				img = specImage(pod, cs.Name)
			}
			if _, digest, ok := strings.Cut(cs.ImageID, "@"); ok && !strings.Contains(img, "@") {
				img += "@" + shortDigest(digest)
			}
			if !seen[img] {
				seen[img] = true
				out = append(out, img)
			}
		}
		if len(pod.Status.ContainerStatuses) == 0 {
			for _, ctr := range pod.Spec.Containers {
				if !seen[ctr.Image] {
					seen[ctr.Image] = true
					out = append(out, ctr.Image)
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// specImage is the image of the pod's container named name.
func specImage(pod corev1.Pod, name string) string {
	for _, c := range pod.Spec.Containers {
		if c.Name == name {
			return c.Image
		}
	}
	return ""
}

// shortDigest shortens a digest to its algorithm and 12 hex digits.
func shortDigest(d string) string {
	if algo, hex, ok := strings.Cut(d, ":"); ok && len(hex) > 12 {
		return algo + ":" + hex[:12]
	}
	return d
}
