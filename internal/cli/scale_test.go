package cli

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const scaleApp = `apiVersion: berth/v1
name: shop
services:
  web:
    image: registry.example/web:1
    replicas: 2
  db:
    image: registry.example/db:1
    stateful: true
  api:
    image: registry.example/api:1
    autoscale: {min: 2, max: 5, cpu: 80}
`

// TestScale: berth scale goes through the scale subresource, waits, and is
// recorded; the next deploy keeps the count and says so; --reset-scale
// returns to berth.yaml; a change of replicas in berth.yaml wins; undo
// reverts a scale; an autoscaled service is refused.
func TestScale(t *testing.T) {
	t.Parallel()
	c, ns, flags := onCluster(t)
	cs := c.Clientset(t)
	ctx := t.Context()
	file := writeConfig(t, scaleApp)
	mustRun(t, append([]string{"deploy", "-f", file, "--cause", "first"}, flags...)...)
	replicas := func(kind, name string) (spec, ready int32) {
		t.Helper()
		if kind == "sts" {
			s, err := cs.AppsV1().StatefulSets(ns).Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			return *s.Spec.Replicas, s.Status.ReadyReplicas
		}
		d, err := cs.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return *d.Spec.Replicas, d.Status.ReadyReplicas
	}

	out, stderr := mustRun(t, append([]string{"scale", "-f", file, "web=4", "db=2"}, flags...)...)
	if !strings.Contains(out, "deployment.apps/web scaled from 2 to 4") || !strings.Contains(out, "statefulset.apps/db scaled from 1 to 2") || !strings.Contains(stderr, "scaled shop as revision 2") {
		t.Errorf("scale said:\n%s%s", out, stderr)
	}
	if spec, ready := replicas("deploy", "web"); spec != 4 || ready != 4 {
		t.Errorf("web after scale: %d desired, %d ready; want 4 and 4 (scale waits)", spec, ready)
	}
	if spec, ready := replicas("sts", "db"); spec != 2 || ready != 2 {
		t.Errorf("db after scale: %d desired, %d ready", spec, ready)
	}

	// berth diff shows what a deploy would do: keep the counts.
	if stdout, stderr, code := run(t, nil, append([]string{"diff", "-f", file, "--exit-code"}, flags...)...); code != 0 {
		t.Errorf("diff after a scale: exit %d\n%s%s", code, stdout, stderr)
	}
	if stdout, _, code := run(t, nil, append([]string{"diff", "-f", file, "--exit-code", "--reset-scale"}, flags...)...); code != ExitFailure || !strings.Contains(stdout, "-  replicas: 4") {
		t.Errorf("diff --reset-scale after a scale: exit %d\n%s", code, stdout)
	}

	// The next deploy keeps the counts, and says so.
	out, stderr = mustRun(t, append([]string{"deploy", "-f", file, "--cause", "second"}, flags...)...)
	if !strings.Contains(stderr, "web: keeping the 4 replicas berth scale set (berth.yaml says 2; --reset-scale to use it)") {
		t.Errorf("deploy after scale did not say it keeps the count:\n%s", stderr)
	}
	if n := len(replicaSets(t, cs, ns, "shop", "web")); n != 1 {
		t.Errorf("deploy after scale rolled web's pods (%d ReplicaSets):\n%s", n, out)
	}
	if spec, _ := replicas("deploy", "web"); spec != 4 {
		t.Errorf("web after a deploy: %d replicas, want 4 kept", spec)
	}

	// --reset-scale: berth.yaml's counts, no conflict with the scale.
	_, stderr = mustRun(t, append([]string{"deploy", "-f", file, "--reset-scale", "--cause", "reset"}, flags...)...)
	if !strings.Contains(stderr, "web: back to berth.yaml's 2 replicas") {
		t.Errorf("--reset-scale said:\n%s", stderr)
	}
	if spec, _ := replicas("deploy", "web"); spec != 2 {
		t.Errorf("web after --reset-scale: %d, want 2", spec)
	}
	if spec, _ := replicas("sts", "db"); spec != 1 {
		t.Errorf("db after --reset-scale: %d, want 1", spec)
	}

	// A scale, then berth.yaml changes replicas: berth.yaml wins.
	mustRun(t, append([]string{"scale", "-f", file, "web=5", "--no-wait"}, flags...)...)
	changed := writeConfig(t, strings.Replace(scaleApp, "replicas: 2", "replicas: 3", 1))
	_, stderr = mustRun(t, append([]string{"deploy", "-f", changed, "--cause", "three"}, flags...)...)
	if !strings.Contains(stderr, "web: berth.yaml now says 3 replicas (it said 2 when berth scale set 5): using berth.yaml") {
		t.Errorf("deploy with new replicas said:\n%s", stderr)
	}
	if spec, _ := replicas("deploy", "web"); spec != 3 {
		t.Errorf("web: %d replicas, want berth.yaml's 3", spec)
	}

	// Undo of a scale.
	mustRun(t, append([]string{"scale", "-f", changed, "web=6"}, flags...)...)
	mustRun(t, append([]string{"undo", "-f", changed}, flags...)...)
	if spec, _ := replicas("deploy", "web"); spec != 3 {
		t.Errorf("web after undoing a scale: %d replicas, want 3", spec)
	}
	h := historyJSON(t, append([]string{"-f", changed}, flags...)...)
	var causes []string
	for _, e := range h {
		causes = append(causes, e.Cause)
	}
	want := []string{"first", "berth scale db=2 web=4", "second", "reset", "berth scale web=5", "three", "berth scale web=6", "rollback to 6"}
	if diff := cmp.Diff(want, causes); diff != "" {
		t.Errorf("history causes (-want +got):\n%s", diff)
	}
	if h[1].Scaled["web"].Replicas != 4 || h[1].Scaled["web"].Config != 2 || h[2].Scaled["web"].Replicas != 4 || h[3].Scaled != nil {
		t.Errorf("recorded scale counts: %+v / %+v / %+v", h[1].Scaled, h[2].Scaled, h[3].Scaled)
	}

	// Refusals: autoscaled, unknown service, bad counts.
	for _, tc := range []struct {
		args []string
		code int
		want []string
	}{
		{[]string{"api=3"}, ExitFailure, []string{"api is autoscaled between 2 and 5 replicas", "HorizontalPodAutoscaler", "hint: change services.api.autoscale.min and max"}},
		{[]string{"wbe=3"}, ExitUsage, []string{`has no service "wbe" (did you mean "web"?)`}},
		{[]string{"web=-1"}, ExitUsage, []string{"whole number"}},
		{[]string{"web"}, ExitUsage, []string{"SERVICE=N"}},
		{nil, ExitUsage, []string{"berth scale SERVICE=N"}},
	} {
		_, stderr, code := run(t, nil, append(append([]string{"scale", "-f", changed}, tc.args...), flags...)...)
		if code != tc.code {
			t.Errorf("scale %v: exit %d, want %d\n%s", tc.args, code, tc.code, stderr)
		}
		for _, w := range tc.want {
			if !strings.Contains(stderr, w) {
				t.Errorf("scale %v: stderr lacks %q:\n%s", tc.args, w, stderr)
			}
		}
	}
}
