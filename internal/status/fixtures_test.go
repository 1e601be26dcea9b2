package status_test

import (
	"context"
	"testing"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/storage/driver"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/internal/charts"
	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/kube"
	"github.com/berth-dev/berth/internal/release"
)

const ns = "shop"

// records is an in-memory release store (Helm's memory driver, no
// cluster) holding one revision of app shop per outcome, oldest first:
// "" deployed, anything else failed with that reason.
func records(t *testing.T, outcomes ...string) *release.Store {
	t.Helper()
	s := release.NewStoreDriver(driver.NewMemory(), ns)
	ch := &chart.Chart{Metadata: &chart.Metadata{APIVersion: chart.APIVersionV2, Name: "shop", Version: "0.1.0", Type: "application"}}
	for _, reason := range outcomes {
		rel, err := s.Begin(t.Context(), "shop", ch, nil, "", release.Meta{})
		if err != nil {
			t.Fatal(err)
		}
		if reason == "" {
			err = s.Succeed(t.Context(), rel)
		} else {
			err = s.Fail(t.Context(), rel, reason)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// labels are the pod labels of service name, its workload's selector.
func labels(name string) map[string]string { return map[string]string{"app.kubernetes.io/name": name} }

// meta is a workload's metadata, at generation 2.
func meta(name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: ns, Generation: 2, Labels: labels(name)}
}

// deployment is a Deployment of three replicas, rolled out when ready is 3
// and mid-rollout otherwise.
func deployment(name string, ready int32) *appsv1.Deployment {
	three := int32(3)
	reason := "NewReplicaSetAvailable"
	if ready < three {
		reason = "ReplicaSetUpdated"
	}
	return &appsv1.Deployment{
		ObjectMeta: meta(name),
		Spec:       appsv1.DeploymentSpec{Replicas: &three, Selector: &metav1.LabelSelector{MatchLabels: labels(name)}},
		Status: appsv1.DeploymentStatus{ObservedGeneration: 2, Replicas: 3, UpdatedReplicas: ready, ReadyReplicas: ready, AvailableReplicas: ready, Conditions: []appsv1.DeploymentCondition{
			{Type: appsv1.DeploymentAvailable, Status: corev1.ConditionTrue},
			{Type: appsv1.DeploymentProgressing, Status: corev1.ConditionTrue, Reason: reason},
		}},
	}
}

// statefulSet is a StatefulSet of one replica (the default), ready.
func statefulSet(name string) *appsv1.StatefulSet {
	return &appsv1.StatefulSet{
		ObjectMeta: meta(name),
		Spec:       appsv1.StatefulSetSpec{Selector: &metav1.LabelSelector{MatchLabels: labels(name)}},
		Status: appsv1.StatefulSetStatus{ObservedGeneration: 2, Replicas: 1, ReadyReplicas: 1, CurrentReplicas: 1, UpdatedReplicas: 1,
			CurrentRevision: name + "-1", UpdateRevision: name + "-1"},
	}
}

// pod is a pod of service app running image, resolved to imageID by the
// node ("" for a pod not started yet, which has no container statuses).
func pod(app, suffix, image, imageID string) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: app + "-" + suffix, Namespace: ns, Labels: labels(app)},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: app, Image: image}}}}
	if imageID != "" {
		p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: app, Image: image, ImageID: imageID}}
	}
	return p
}

// withStatusImage is p with its container's status naming image, as a
// node may (containerd reports an image pulled by digest by its ID).
func withStatusImage(p *corev1.Pod, image string) *corev1.Pod {
	p.Status.ContainerStatuses[0].Image = image
	return p
}

// imageByID makes p's container status name its image by ID, as
// containerd does for an image pulled by digest (seen on the sandbox's
// real node, test/e2e).
func imageByID(p *corev1.Pod) *corev1.Pod {
	return withStatusImage(p, "sha256:506768c23cb94f66983e6e28869e692c80396eab4e9f4d6b5652574f8a4298a6")
}

// service is a Service named name of type typ on port 80.
func service(name string, typ corev1.ServiceType, clusterIP string, nodePort int32, lb ...corev1.LoadBalancerIngress) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec:       corev1.ServiceSpec{Type: typ, ClusterIP: clusterIP, Ports: []corev1.ServicePort{{Port: 80, NodePort: nodePort}}},
		Status:     corev1.ServiceStatus{LoadBalancer: corev1.LoadBalancerStatus{Ingress: lb}},
	}
}

// ingress is an Ingress of service name with a rule per host, path /.
func ingress(name string, lb []networkingv1.IngressLoadBalancerIngress, hosts ...string) *networkingv1.Ingress {
	in := &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}}
	for _, h := range hosts {
		in.Spec.Rules = append(in.Spec.Rules, networkingv1.IngressRule{Host: h, IngressRuleValue: networkingv1.IngressRuleValue{
			HTTP: &networkingv1.HTTPIngressRuleValue{Paths: []networkingv1.HTTPIngressPath{{Path: "/"}}}}})
	}
	in.Status.LoadBalancer.Ingress = lb
	return in
}

// fakeDiagnoser stands in for the diagnose package (which reads events and
// pod states): it reports report about every workload and notes which.
type fakeDiagnoser struct {
	report string
	asked  []kube.Ref
}

func (d *fakeDiagnoser) Diagnose(_ context.Context, p kube.Progress) (string, bool, error) {
	d.asked = append(d.asked, p.Ref)
	return d.report, false, nil
}

// fakeCharts stands in for charts.Installer, which reads Helm releases.
type fakeCharts []charts.Status

func (c fakeCharts) Statuses(map[string]*config.Chart, string) ([]charts.Status, error) {
	return c, nil
}

const digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
