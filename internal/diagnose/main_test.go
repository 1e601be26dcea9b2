package diagnose_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"

	"github.com/berth-dev/berth/internal/diagnose"
	"github.com/berth-dev/berth/internal/testcluster"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

var cluster *testcluster.Cluster

func TestMain(m *testing.M) { os.Exit(testcluster.Main(m, &cluster)) }

// The sandbox's kwok fakes the kubelets of its three Nodes: it marks every
// pod on them Running and Ready, and would overwrite a status the test
// writes while the pod is Pending. Tests that play a kubelet (an image pull
// that fails, a container that crashes) pin their pods with spec.nodeName
// to one of these Nodes instead: Node objects without kwok's annotation,
// which kwok does not manage and no kubelet serves, so nobody but the test
// writes the status of their pods. They are tainted so that the scheduler
// never places other pods there. Without a kubelet the node-lifecycle
// controller marks them NotReady after ~50 s and adds its own taints; pods
// tolerate that for 300 s, longer than a test.
//
// Every test makes sure both exist before it creates anything, so the
// scheduler always counts five Nodes and its messages are the same in
// every run.
const (
	noKubelet         = "no-kubelet"
	noKubeletMinikube = "no-kubelet-minikube" // labelled like a minikube Node
	noKubeletTaint    = "berth.dev/no-kubelet"
	// waitForConsumer is a StorageClass of the sandbox's provisioner with
	// binding mode WaitForFirstConsumer. Like the Nodes, every test makes
	// sure it exists, so the classes a message lists are the same in
	// every run.
	waitForConsumer = "wait-for-consumer"
)

// env is one test's namespace on the sandbox.
type env struct {
	cs kubernetes.Interface
	ns string
}

func newEnv(t *testing.T, c *testcluster.Cluster) *env {
	t.Helper()
	e := &env{cs: c.Clientset(t), ns: c.Namespace(t)}
	for name, labels := range map[string]map[string]string{
		noKubelet:         {"berth.dev/pool": noKubelet},
		noKubeletMinikube: {"minikube.k8s.io/name": "minikube"},
	} {
		labels["kubernetes.io/hostname"] = name
		node := &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels},
			Spec:       corev1.NodeSpec{Taints: []corev1.Taint{{Key: noKubeletTaint, Value: "true", Effect: corev1.TaintEffectNoSchedule}}},
		}
		if _, err := e.cs.CoreV1().Nodes().Create(t.Context(), node, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatalf("create node %s: %v", name, err)
		}
	}
	mode := storagev1.VolumeBindingWaitForFirstConsumer
	sc := &storagev1.StorageClass{
		ObjectMeta:        metav1.ObjectMeta{Name: waitForConsumer},
		Provisioner:       testcluster.ProvisionerName,
		VolumeBindingMode: &mode,
	}
	if _, err := e.cs.StorageV1().StorageClasses().Create(t.Context(), sc, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatalf("create storage class %s: %v", waitForConsumer, err)
	}
	return e
}

// deployment is a Deployment web-like app named name with one container
// named name, which mutate adjusts.
func deployment(name string, replicas int32, image string, mutate ...func(*appsv1.Deployment)) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					TerminationGracePeriodSeconds: ptr.To[int64](0),
					Containers:                    []corev1.Container{{Name: name, Image: image}},
				},
			},
		},
	}
	for _, m := range mutate {
		m(d)
	}
	return d
}

// pinned puts a Deployment's pods on a Node no kubelet serves.
func pinned(node string) func(*appsv1.Deployment) {
	return func(d *appsv1.Deployment) { d.Spec.Template.Spec.NodeName = node }
}

func (e *env) createDeployment(t *testing.T, d *appsv1.Deployment) diagnose.Target {
	t.Helper()
	if _, err := e.cs.AppsV1().Deployments(e.ns).Create(t.Context(), d, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create deployment %s: %v", d.Name, err)
	}
	return diagnose.Target{Kind: "Deployment", Namespace: e.ns, Name: d.Name}
}

// waitPods waits until n pods match selector (and keep), and returns them.
func (e *env) waitPods(t *testing.T, selector string, n int, keep func(*corev1.Pod) bool) []corev1.Pod {
	t.Helper()
	var pods []corev1.Pod
	err := wait.PollUntilContextTimeout(t.Context(), 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		l, err := e.cs.CoreV1().Pods(e.ns).List(ctx, metav1.ListOptions{LabelSelector: selector})
		if err != nil {
			return false, err
		}
		pods = pods[:0]
		for _, p := range l.Items {
			if p.DeletionTimestamp == nil && (keep == nil || keep(&p)) {
				pods = append(pods, p)
			}
		}
		return len(pods) >= n, nil
	})
	if err != nil {
		t.Fatalf("waiting for %d pods %s: %v (have %d)", n, selector, err, len(pods))
	}
	return pods
}

// playKubelet writes the status of n pods matching selector as their
// kubelet would: set changes a pod's status (its conditions say it is
// scheduled and not ready unless set says otherwise).
func (e *env) playKubelet(t *testing.T, selector string, n int, keep func(*corev1.Pod) bool, set func(*corev1.Pod)) []corev1.Pod {
	t.Helper()
	pods := e.waitPods(t, selector, n, keep)
	for i := range pods {
		err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
			p, err := e.cs.CoreV1().Pods(e.ns).Get(t.Context(), pods[i].Name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			now := metav1.Now()
			p.Status.Conditions = []corev1.PodCondition{
				{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: now},
				{Type: corev1.PodInitialized, Status: corev1.ConditionTrue, LastTransitionTime: now},
				{Type: corev1.ContainersReady, Status: corev1.ConditionFalse, Reason: "ContainersNotReady", LastTransitionTime: now},
				{Type: corev1.PodReady, Status: corev1.ConditionFalse, Reason: "ContainersNotReady", LastTransitionTime: now},
			}
			p.Status.StartTime = &now
			set(p)
			pods[i] = *p
			_, err = e.cs.CoreV1().Pods(e.ns).UpdateStatus(t.Context(), p, metav1.UpdateOptions{})
			return err
		})
		if err != nil {
			t.Fatalf("play kubelet for pod %s: %v", pods[i].Name, err)
		}
	}
	return pods
}

// kubeletEvent records a Warning event about a pod (and its container,
// unless "") as the kubelet does: core/v1, source kubelet, the container in
// involvedObject.fieldPath.
func (e *env) kubeletEvent(t *testing.T, pod *corev1.Pod, container, reason, message string, count int32) {
	t.Helper()
	now := metav1.Now()
	ev := &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{GenerateName: pod.Name + ".", Namespace: e.ns},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", APIVersion: "v1", Namespace: e.ns, Name: pod.Name, UID: pod.UID},
		Reason:         reason, Message: message, Type: corev1.EventTypeWarning, Count: count,
		FirstTimestamp: now, LastTimestamp: now,
		Source:              corev1.EventSource{Component: "kubelet", Host: pod.Spec.NodeName},
		ReportingController: "kubelet", ReportingInstance: pod.Spec.NodeName,
	}
	if container != "" {
		ev.InvolvedObject.FieldPath = fmt.Sprintf("spec.containers{%s}", container)
	}
	if _, err := e.cs.CoreV1().Events(e.ns).Create(t.Context(), ev, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create event: %v", err)
	}
}

func waiting(container, image, reason, message string) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		p.Status.Phase = corev1.PodPending
		p.Status.ContainerStatuses = []corev1.ContainerStatus{{
			Name: container, Image: image,
			State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason, Message: message}},
		}}
	}
}

// crashing is a container in CrashLoopBackOff after restarts runs, the last
// of which ended with exit code and reason.
func crashing(container, image string, restarts, code int32, reason string) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		p.Status.Phase = corev1.PodRunning
		p.Status.ContainerStatuses = []corev1.ContainerStatus{{
			Name: container, Image: image, RestartCount: restarts,
			State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{
				Reason:  "CrashLoopBackOff",
				Message: fmt.Sprintf("back-off 40s restarting failed container=%s pod=%s_%s(%s)", container, p.Name, p.Namespace, p.UID),
			}},
			LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
				ExitCode: code, Reason: reason, ContainerID: "containerd://0123456789abcdef",
				StartedAt: metav1.Now(), FinishedAt: metav1.Now(),
			}},
		}}
	}
}

// summary is what a finding is, without its words.
type summary struct {
	Object   string
	Reason   string
	Terminal bool
}

// normalize replaces what differs between runs: the namespace and the
// generated suffixes of the names of pods (of a ReplicaSet or a Job) and
// ReplicaSets of the workload name.
func normalize(s, ns, name string) string {
	s = strings.ReplaceAll(s, ns, "NS")
	n := regexp.QuoteMeta(name)
	for _, r := range []struct{ re, with string }{
		{n + `-[a-z0-9]{6,10}-[a-z0-9]{5}\b`, name + "-HASH-RANDOM"},
		{n + `-[a-z0-9]{6,10}\b`, name + "-HASH"},
		{n + `-[a-z0-9]{5}\b`, name + "-RANDOM"},
	} {
		s = regexp.MustCompile(r.re).ReplaceAllString(s, r.with)
	}
	return s
}

func summaries(findings []diagnose.Finding, ns, name string) []summary {
	var out []summary
	for _, f := range findings {
		out = append(out, summary{Object: normalize(f.Object, ns, name), Reason: f.Reason, Terminal: f.Terminal})
	}
	return out
}

// eventually diagnoses target until the findings are want (the cluster's
// controllers take a moment: the scheduler, the deployment controller's
// progress deadline, the quota's admission) and returns the last ones.
func (e *env) eventually(t *testing.T, target diagnose.Target, want []summary) []diagnose.Finding {
	t.Helper()
	var got []diagnose.Finding
	var took time.Duration
	var err error
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	for {
		t0 := time.Now()
		got, err = diagnose.Workload(ctx, e.cs, target)
		took = time.Since(t0)
		if err == nil && cmp.Equal(want, summaries(got, e.ns, target.Name)) {
			t.Logf("diagnosis took %s", took.Round(time.Millisecond))
			return got
		}
		select {
		case <-ctx.Done():
			var b bytes.Buffer
			diagnose.Format(&b, got)
			t.Fatalf("findings of %s (-want +got), err %v:\n%s\n%s", target, err,
				cmp.Diff(want, summaries(got, e.ns, target.Name)), b.String())
		case <-time.After(200 * time.Millisecond):
		}
	}
}
