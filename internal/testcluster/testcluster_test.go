package testcluster_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"

	"github.com/berth-dev/berth/internal/testcluster"
)

var cluster *testcluster.Cluster

func TestMain(m *testing.M) { os.Exit(testcluster.Main(m, &cluster)) }

// TestNodes checks the fake Nodes: three, Ready, with the documented
// architectures and capacities.
func TestNodes(t *testing.T) {
	c := testcluster.Require(t, cluster)
	cs := c.Clientset(t)
	nodes, err := cs.CoreV1().Nodes().List(context.Background(), metav1.ListOptions{LabelSelector: "type=kwok"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct{ arch, cpu, mem string }{
		"kwok-node-1": {"amd64", "32", "256Gi"},
		"kwok-node-2": {"amd64", "4", "8Gi"},
		"kwok-node-3": {"arm64", "8", "16Gi"},
	}
	if len(nodes.Items) != len(want) {
		t.Fatalf("got %d nodes, want %d", len(nodes.Items), len(want))
	}
	for _, n := range nodes.Items {
		w, ok := want[n.Name]
		if !ok {
			t.Errorf("unexpected node %s", n.Name)
			continue
		}
		if got := n.Labels["kubernetes.io/arch"]; got != w.arch {
			t.Errorf("%s: arch %q, want %q", n.Name, got, w.arch)
		}
		if got := n.Status.Allocatable.Cpu().String(); got != w.cpu {
			t.Errorf("%s: cpu %s, want %s", n.Name, got, w.cpu)
		}
		if got := n.Status.Allocatable.Memory().String(); got != w.mem {
			t.Errorf("%s: memory %s, want %s", n.Name, got, w.mem)
		}
		ready := false
		for _, cond := range n.Status.Conditions {
			if cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue {
				ready = true
			}
		}
		if !ready {
			t.Errorf("%s: not Ready", n.Name)
		}
	}
}

// TestDeploymentBecomesAvailable is the smoke test: the controllers, the
// scheduler and kwok together take a Deployment to 2 ready replicas.
func TestDeploymentBecomesAvailable(t *testing.T) {
	c := testcluster.Require(t, cluster)
	ns := c.Namespace(t)
	if !strings.HasPrefix(ns, "testdeploymentbecomesavailable-") {
		t.Errorf("namespace %q is not named after the test", ns)
	}
	cs := c.Clientset(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	labels := map[string]string{"app": "smoke"}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "smoke"},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](2),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					Containers: []corev1.Container{{Name: "app", Image: "example.invalid/smoke:1"}},
				},
			},
		},
	}
	start := time.Now()
	if _, err := cs.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var last *appsv1.Deployment
	err := wait.PollUntilContextCancel(ctx, 100*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		got, err := cs.AppsV1().Deployments(ns).Get(ctx, "smoke", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		last = got
		if got.Status.ObservedGeneration < got.Generation || got.Status.ReadyReplicas != 2 ||
			got.Status.AvailableReplicas != 2 || got.Status.UpdatedReplicas != 2 {
			return false, nil
		}
		for _, cond := range got.Status.Conditions {
			if cond.Type == appsv1.DeploymentAvailable && cond.Status == corev1.ConditionTrue {
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		t.Fatalf("deployment not Available with 2 ready replicas: %v; last status: %+v", err, last.Status)
	}
	t.Logf("Deployment Available with 2 ready replicas after %v", time.Since(start).Round(time.Millisecond))

	pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=smoke"})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pods.Items {
		if p.Spec.NodeName == "" || p.Status.Phase != corev1.PodRunning {
			t.Errorf("pod %s: node %q phase %s", p.Name, p.Spec.NodeName, p.Status.Phase)
		}
	}
}
