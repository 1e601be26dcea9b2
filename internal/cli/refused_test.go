package cli

import (
	"context"
	"strings"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
)

// refusedApp has a Deployment, an Ingress and a NodePort Service on
// nodePort 31917: a Service the API server refuses comes after the others
// in apply order.
func refusedApp(name, image string) string {
	return "apiVersion: berth/v1\nname: " + name + "\nservices:\n  web:\n    image: " + image + "\n    replicas: 2\n" +
		"    expose: NodePort\n    ports: [{port: 80, nodePort: 31917}]\n    ingress: {host: " + name + ".example}\n" +
		"  api:\n    image: registry.example/api:1\n"
}

// objectsIn lists what a namespace holds of an app's kinds.
func objectsIn(t *testing.T, cs kubernetes.Interface, ns string) []string {
	t.Helper()
	ctx := t.Context()
	var out []string
	if l, err := cs.AppsV1().Deployments(ns).List(ctx, metav1.ListOptions{}); err == nil {
		for _, o := range l.Items {
			out = append(out, "deployment/"+o.Name+" "+o.Spec.Template.Spec.Containers[0].Image)
		}
	}
	if l, err := cs.NetworkingV1().Ingresses(ns).List(ctx, metav1.ListOptions{}); err == nil {
		for _, o := range l.Items {
			out = append(out, "ingress/"+o.Name)
		}
	}
	if l, err := cs.CoreV1().Services(ns).List(ctx, metav1.ListOptions{}); err == nil {
		for _, o := range l.Items {
			out = append(out, "service/"+o.Name)
		}
	}
	if l, err := cs.CoreV1().Secrets(ns).List(ctx, metav1.ListOptions{}); err == nil {
		for _, o := range l.Items {
			out = append(out, "secret/"+o.Name)
		}
	}
	return out
}

// TestRefusedObjectWritesNothing: a NodePort Service whose nodePort another
// namespace holds is refused by the API server's dry run before the first
// write: nothing of the app is applied or recorded (a namespace berth
// created for the dry run is gone again), and the error names the object,
// the field, the value and a fix. berth diff says the same.
func TestRefusedObjectWritesNothing(t *testing.T) {
	t.Parallel()
	c, holderNS, holderFlags := onCluster(t)
	cs := c.Clientset(t)
	mustRun(t, append([]string{"deploy", "-f", writeConfig(t, refusedApp("holder", "registry.example/web:1")), "--timeout", "1m"}, holderFlags...)...)

	check := func(t *testing.T, stderr string, code int) {
		t.Helper()
		for _, want := range []string{"service/web", ".spec.ports[0].nodePort = 31917", "provided port is already allocated", "nothing was applied", "hint:", "services.web", "leave nodePort out"} {
			if !strings.Contains(stderr, want) {
				t.Errorf("the error lacks %q:\n%s", want, stderr)
			}
		}
		if code != ExitFailure {
			t.Errorf("exit %d, want %d", code, ExitFailure)
		}
	}

	t.Run("new namespace", func(t *testing.T) {
		t.Parallel()
		ns := holderNS + "-new"
		t.Cleanup(func() { _ = cs.CoreV1().Namespaces().Delete(context.Background(), ns, metav1.DeleteOptions{}) })
		file := writeConfig(t, refusedApp("taker", "registry.example/web:1"))
		flags := []string{"--kubeconfig", c.Kubeconfig, "-n", ns}
		_, stderr, code := run(t, nil, append([]string{"deploy", "-f", file, "--timeout", "1m"}, flags...)...)
		check(t, stderr, code)
		if _, err := cs.CoreV1().Namespaces().Get(t.Context(), ns, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("the namespace berth created for the dry run is still there (%v): %v", err, objectsIn(t, cs, ns))
		}
	})

	t.Run("existing app", func(t *testing.T) {
		t.Parallel()
		_, ns, flags := onCluster(t)
		v1 := "apiVersion: berth/v1\nname: taker\nservices:\n  web:\n    image: registry.example/web:1\n  api:\n    image: registry.example/api:1\n"
		mustRun(t, append([]string{"deploy", "-f", writeConfig(t, v1), "--timeout", "1m"}, flags...)...)
		before := objectsIn(t, cs, ns)
		file := writeConfig(t, refusedApp("taker", "registry.example/web:2"))
		_, stderr, code := run(t, nil, append([]string{"diff", "-f", file}, flags...)...)
		check(t, stderr, code)
		_, stderr, code = run(t, nil, append([]string{"deploy", "-f", file, "--timeout", "1m"}, flags...)...)
		check(t, stderr, code)
		if after := objectsIn(t, cs, ns); strings.Join(after, "\n") != strings.Join(before, "\n") {
			t.Errorf("a refused deploy changed the namespace:\nbefore %v\nafter  %v", before, after)
		}
		out, _ := mustRun(t, append([]string{"history", "-f", file, "-o", "json"}, flags...)...)
		if strings.Count(out, `"revision"`) != 1 {
			t.Errorf("a refused deploy recorded a revision:\n%s", out)
		}
	})
}

// TestAdmissionPolicyRefusal: an object that a ValidatingAdmissionPolicy
// of the cluster denies stops the deploy before anything is written, with
// the policy's message.
func TestAdmissionPolicyRefusal(t *testing.T) {
	t.Parallel()
	c, ns, flags := onCluster(t)
	cs := c.Clientset(t)
	ctx := t.Context()
	name := "berth-test-" + ns
	// The policy applies only to namespaces labelled for this test.
	fail := admissionv1.Deny
	_, err := cs.AdmissionregistrationV1().ValidatingAdmissionPolicies().Create(ctx, &admissionv1.ValidatingAdmissionPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: admissionv1.ValidatingAdmissionPolicySpec{
			FailurePolicy: ptrTo(admissionv1.Fail),
			MatchConstraints: &admissionv1.MatchResources{ResourceRules: []admissionv1.NamedRuleWithOperations{{RuleWithOperations: admissionv1.RuleWithOperations{
				Operations: []admissionv1.OperationType{admissionv1.Create, admissionv1.Update},
				Rule:       admissionv1.Rule{APIGroups: []string{"apps"}, APIVersions: []string{"v1"}, Resources: []string{"deployments"}},
			}}}},
			Validations: []admissionv1.Validation{{Expression: "object.spec.replicas <= 3", Message: "at most 3 replicas in this namespace"}},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cs.AdmissionregistrationV1().ValidatingAdmissionPolicies().Delete(context.Background(), name, metav1.DeleteOptions{})
	})
	_, err = cs.AdmissionregistrationV1().ValidatingAdmissionPolicyBindings().Create(ctx, &admissionv1.ValidatingAdmissionPolicyBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: admissionv1.ValidatingAdmissionPolicyBindingSpec{
			PolicyName:        name,
			ValidationActions: []admissionv1.ValidationAction{fail},
			MatchResources:    &admissionv1.MatchResources{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"berth.dev/policy-test": name}}},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cs.AdmissionregistrationV1().ValidatingAdmissionPolicyBindings().Delete(context.Background(), name, metav1.DeleteOptions{})
	})
	if _, err := cs.CoreV1().Namespaces().Patch(ctx, ns, types.MergePatchType, []byte(`{"metadata":{"labels":{"berth.dev/policy-test":"`+name+`"}}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	app := "apiVersion: berth/v1\nname: pol\nservices:\n  small:\n    image: registry.example/small:1\n  big:\n    image: registry.example/big:1\n    replicas: 5\n"
	// The policy takes effect once the API server has loaded it: wait for
	// it with dry-run creates of a Deployment it denies.
	probe := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "probe"},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptrTo(int32(9)),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"a": "b"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"a": "b"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "x"}}},
			},
		},
	}
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(200 * time.Millisecond) {
		_, err := cs.AppsV1().Deployments(ns).Create(ctx, probe, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		if err != nil && strings.Contains(err.Error(), "at most 3 replicas") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the admission policy never took effect: %v", err)
		}
	}
	_, stderr, code := run(t, nil, append([]string{"deploy", "-f", writeConfig(t, app), "--timeout", "1m"}, flags...)...)
	for _, want := range []string{"deployment.apps/big", "at most 3 replicas in this namespace", "nothing was applied", "a policy of the cluster refuses"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("the error lacks %q (exit %d):\n%s", want, code, stderr)
		}
	}
	if got := objectsIn(t, cs, ns); len(got) != 0 {
		t.Errorf("a refused deploy wrote %v", got)
	}
}

func ptrTo[T any](v T) *T { return &v }
