package diagnose

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func TestParseSchedMessage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		msg  string
		want schedMessage
	}{
		{
			// kube-scheduler v1.37, as the sandbox tests see it.
			msg: "0/4 nodes are available: 1 Insufficient cpu, 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint(s), 2 Insufficient memory. preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling.",
			want: schedMessage{
				summary: "0/4 nodes are available: 1 Insufficient cpu, 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint(s), 2 Insufficient memory",
				total:   4,
				reasons: []schedReason{
					{1, "Insufficient cpu"},
					{1, "node(s) didn't match Pod's node affinity/selector"},
					{1, "node(s) had untolerated taint(s)"},
					{2, "Insufficient memory"},
				},
			},
		},
		{
			msg: "0/4 nodes are available: pod has unbound immediate PersistentVolumeClaims. not found",
			want: schedMessage{
				summary: "0/4 nodes are available: pod has unbound immediate PersistentVolumeClaims. not found",
				total:   4,
				reasons: []schedReason{{0, "pod has unbound immediate PersistentVolumeClaims. not found"}},
			},
		},
		{
			msg: `persistentvolumeclaim "data" not found`,
			want: schedMessage{
				summary: `persistentvolumeclaim "data" not found`,
				total:   -1,
				reasons: []schedReason{{0, `persistentvolumeclaim "data" not found`}},
			},
		},
	}
	for _, tt := range tests {
		got := parseSchedMessage(tt.msg)
		if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(schedMessage{}, schedReason{})); diff != "" {
			t.Errorf("parseSchedMessage(%q) (-want +got):\n%s", tt.msg, diff)
		}
	}
}

func node(name string, cpu, memory string, labels map[string]string, taints ...corev1.Taint) corev1.Node {
	return corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels},
		Spec:       corev1.NodeSpec{Taints: taints},
		Status: corev1.NodeStatus{Allocatable: corev1.ResourceList{
			corev1.ResourceCPU:    resource.MustParse(cpu),
			corev1.ResourceMemory: resource.MustParse(memory),
		}},
	}
}

// TestNeverSchedulable: terminal only when every Node excludes the pod for
// a reason that does not pass.
func TestNeverSchedulable(t *testing.T) {
	t.Parallel()
	controlPlane := corev1.Taint{Key: "node-role.kubernetes.io/control-plane", Effect: corev1.TaintEffectNoSchedule}
	notReady := corev1.Taint{Key: "node.kubernetes.io/not-ready", Effect: corev1.TaintEffectNoSchedule}
	cluster := []corev1.Node{
		node("cp", "4", "8Gi", map[string]string{"role": "cp"}, controlPlane),
		node("w1", "8", "32Gi", map[string]string{"disk": "hdd"}),
		node("w2", "8", "32Gi", map[string]string{"disk": "hdd"}),
	}
	pod := func(cpu string, mutate ...func(*corev1.Pod)) *corev1.Pod {
		p := &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name:      "web",
			Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu)}},
		}}}}
		for _, m := range mutate {
			m(p)
		}
		return p
	}
	tests := []struct {
		name  string
		pod   *corev1.Pod
		nodes []corev1.Node
		msg   string
		want  bool
	}{
		{"larger than every node", pod("16"), cluster, "0/3 nodes are available: 1 node(s) had untolerated taint(s), 2 Insufficient cpu.", true},
		{"nodes full", pod("6"), cluster, "0/3 nodes are available: 1 node(s) had untolerated taint(s), 2 Insufficient cpu.", false},
		{"nominated for preemption", pod("6", func(p *corev1.Pod) { p.Status.NominatedNodeName = "w1" }), cluster,
			"0/3 nodes are available: 1 node(s) had untolerated taint(s), 2 Insufficient cpu.", false},
		{"selector matches no node", pod("1", func(p *corev1.Pod) { p.Spec.NodeSelector = map[string]string{"disk": "ssd"} }), cluster,
			"0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.", true},
		{"only a not-ready node fits", pod("1", func(p *corev1.Pod) { p.Spec.NodeSelector = map[string]string{"disk": "ssd"} }),
			append(cluster[:3:3], node("w3", "8", "32Gi", map[string]string{"disk": "ssd"}, notReady)),
			"0/4 nodes are available: 1 node(s) had untolerated taint(s), 3 node(s) didn't match Pod's node affinity/selector.", false},
		{"tolerated taint, too small", pod("6", func(p *corev1.Pod) {
			p.Spec.Tolerations = []corev1.Toleration{{Key: controlPlane.Key, Operator: corev1.TolerationOpExists}}
			p.Spec.NodeSelector = map[string]string{"role": "cp"}
		}), cluster, "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match Pod's node affinity/selector.", true},
		{"no nodes readable: affinity everywhere", pod("1"), nil, "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.", true},
		{"no nodes readable: insufficient", pod("100"), nil, "0/3 nodes are available: 3 Insufficient cpu.", false},
		{"claims only", pod("1"), cluster, "0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims.", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &diagnosis{nodes: tt.nodes}
			m := parseSchedMessage(tt.msg)
			if got := d.neverSchedulable(tt.pod, m, podRequests(&tt.pod.Spec)); got != tt.want {
				t.Errorf("neverSchedulable = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestTolerated(t *testing.T) {
	t.Parallel()
	taint := corev1.Taint{Key: "dedicated", Value: "gpu", Effect: corev1.TaintEffectNoSchedule}
	tests := []struct {
		name string
		tols []corev1.Toleration
		want bool
	}{
		{"none", nil, false},
		{"equal", []corev1.Toleration{{Key: "dedicated", Value: "gpu"}}, true},
		{"equal, other value", []corev1.Toleration{{Key: "dedicated", Value: "db"}}, false},
		{"exists", []corev1.Toleration{{Key: "dedicated", Operator: corev1.TolerationOpExists}}, true},
		{"exists, everything", []corev1.Toleration{{Operator: corev1.TolerationOpExists}}, true},
		{"other effect", []corev1.Toleration{{Key: "dedicated", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute}}, false},
	}
	for _, tt := range tests {
		if got := tolerated(tt.tols, taint); got != tt.want {
			t.Errorf("%s: tolerated = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestPodRequests(t *testing.T) {
	t.Parallel()
	req := func(cpu string) corev1.ResourceRequirements {
		return corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu)}}
	}
	spec := &corev1.PodSpec{
		Containers: []corev1.Container{{Resources: req("500m")}, {Resources: req("250m")}},
		InitContainers: []corev1.Container{
			{Resources: req("2")}, // runs alone before the others: the pod needs at least 2
			{Resources: req("100m"), RestartPolicy: ptr.To(corev1.ContainerRestartPolicyAlways)}, // a sidecar runs alongside
		},
		Overhead: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("50m")},
	}
	got := podRequests(spec)[corev1.ResourceCPU]
	if got.Cmp(resource.MustParse("2050m")) != 0 {
		t.Errorf("cpu request %s, want 2050m", got.String())
	}
	for q, want := range map[string]string{"1k": "1000", "1500m": "1500m", "32": "32"} {
		if got := quantity(corev1.ResourceCPU, resource.MustParse(q)); got != want {
			t.Errorf("quantity(cpu %s) = %s, want %s", q, got, want)
		}
	}
}
