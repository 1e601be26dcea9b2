package cli

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// day2App is a one-Deployment app whose version v sets the image, an env
// value and the replicas: the fields berth's day-2 commands write too.
func day2App(v string, replicas int) string {
	return "apiVersion: berth/v1\nname: day2\nservices:\n  web:\n    image: registry.example/web:" + v +
		"\n    replicas: " + string(rune('0'+replicas)) + "\n    env: {VERSION: \"" + v + "\"}\n"
}

// TestDay2WritesThenDeploy makes each write of berth's day-2 commands
// after two deploys, then deploys a third version that changes the same
// fields (image, env, replicas): no berth command may leave a field owner
// that conflicts with berth's own apply, and berth diff must agree with
// the deploy (no conflict). A write by another tool (kubectl) still
// conflicts, in diff and deploy alike, and names that tool.
func TestDay2WritesThenDeploy(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		write func(t *testing.T, file string, flags []string)
	}{
		{"scale", func(t *testing.T, file string, flags []string) {
			mustRun(t, append([]string{"scale", "web=4", "-f", file}, flags...)...)
		}},
		{"rollout undo", func(t *testing.T, file string, flags []string) {
			mustRun(t, append([]string{"rollout", "undo", "web", "-f", file}, flags...)...)
		}},
		{"rollout restart", func(t *testing.T, file string, flags []string) {
			mustRun(t, append([]string{"rollout", "restart", "web", "-f", file}, flags...)...)
		}},
		{"rollout pause and resume", func(t *testing.T, file string, flags []string) {
			mustRun(t, append([]string{"rollout", "pause", "web", "-f", file}, flags...)...)
			mustRun(t, append([]string{"rollout", "resume", "web", "-f", file}, flags...)...)
		}},
		{"undo", func(t *testing.T, file string, flags []string) {
			mustRun(t, append([]string{"undo", "-f", file, "--timeout", "1m"}, flags...)...)
		}},
		{"set-image", func(t *testing.T, file string, flags []string) {
			mustRun(t, append([]string{"deploy", "-f", file, "--set-image", "web=registry.example/web:hotfix", "--timeout", "1m"}, flags...)...)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, ns, flags := onCluster(t)
			for _, v := range []string{"1", "2"} {
				mustRun(t, append([]string{"deploy", "-f", writeConfig(t, day2App(v, 2)), "--timeout", "1m"}, flags...)...)
			}
			tc.write(t, writeConfig(t, day2App("2", 2)), flags)
			v3 := writeConfig(t, day2App("3", 3))
			if _, stderr, code := run(t, nil, append([]string{"diff", "-f", v3}, flags...)...); code != 0 || strings.Contains(stderr, "owned by") {
				t.Errorf("diff after %s: exit %d\n%s", tc.name, code, stderr)
			}
			if _, stderr, code := run(t, nil, append([]string{"deploy", "-f", v3, "--timeout", "1m"}, flags...)...); code != 0 {
				t.Fatalf("deploy after %s: exit %d\n%s", tc.name, code, stderr)
			}
			d, err := c.Clientset(t).AppsV1().Deployments(ns).Get(t.Context(), "web", metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if img := d.Spec.Template.Spec.Containers[0].Image; img != "registry.example/web:3" || *d.Spec.Replicas != 3 {
				t.Errorf("after %s and a deploy of v3: image %s, %d replicas", tc.name, img, *d.Spec.Replicas)
			}
			for _, mf := range d.ManagedFields {
				// What berth.yaml sets is the deploy's again (a restart's
				// restartedAt annotation stays the restart's).
				owned := mf.FieldsV1.String()
				if mf.Manager == "berth" && mf.Operation == metav1.ManagedFieldsOperationUpdate && (strings.Contains(owned, "f:containers") || strings.Contains(owned, "f:replicas")) {
					t.Errorf("after %s and a deploy: berth's update still owns %s", tc.name, owned)
				}
			}
		})
	}

	t.Run("kubectl rollout undo", func(t *testing.T) {
		t.Parallel()
		c, ns, flags := onCluster(t)
		for _, v := range []string{"1", "2"} {
			mustRun(t, append([]string{"deploy", "-f", writeConfig(t, day2App(v, 2)), "--timeout", "1m"}, flags...)...)
		}
		c.Kubectl(t, "rollout", "undo", "deployment/web", "-n", ns)
		v3 := writeConfig(t, day2App("3", 2))
		_, diffErr, diffCode := run(t, nil, append([]string{"diff", "-f", v3}, flags...)...)
		_, deployErr, deployCode := run(t, nil, append([]string{"deploy", "-f", v3, "--timeout", "1m"}, flags...)...)
		for what, got := range map[string]string{"diff": diffErr, "deploy": deployErr} {
			if !strings.Contains(got, `"kubectl`) || !strings.Contains(got, ".spec.template.spec.containers") || !strings.Contains(got, "--force-conflicts") {
				t.Errorf("%s after kubectl rollout undo does not name the conflict:\n%s", what, got)
			}
		}
		if diffCode != ExitFailure || deployCode != ExitFailure {
			t.Errorf("exit codes: diff %d, deploy %d; want %d", diffCode, deployCode, ExitFailure)
		}
		mustRun(t, append([]string{"deploy", "-f", v3, "--force-conflicts", "--timeout", "1m"}, flags...)...)
	})
}

// TestNeverDeployed: status and history of an app without any revision in
// the namespace fail alike, with the documented exit code and message
// (naming the apps berth manages there: none); undo and scale too.
func TestNeverDeployed(t *testing.T) {
	t.Parallel()
	_, ns, flags := onCluster(t)
	file := writeConfig(t, day2App("1", 2))
	want := `error: no app "day2" in namespace "` + ns + `"; berth manages no apps there`
	for _, args := range [][]string{{"status"}, {"status", "-o", "json"}, {"history"}, {"undo"}, {"status", "day2"}, {"scale", "web=3"}} {
		stdout, stderr, code := run(t, nil, append(append(args, "-f", file), flags...)...)
		if code != ExitNotDeployed || !strings.HasPrefix(stderr, want) || !strings.Contains(stderr, "hint: deploy it first") || stdout != "" {
			t.Errorf("berth %s of an app never deployed: exit %d (want %d)\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, ExitNotDeployed, stdout, stderr)
		}
	}
}

// TestCauseOnlyWhereTheTemplateChanges: a deploy records its cause on the
// workloads whose pod template it changes, so its output and history name
// exactly those; the others keep the cause they were rolled out with. A
// deploy that changes nothing is recorded (like helm upgrade) and changes
// no object.
func TestCauseOnlyWhereTheTemplateChanges(t *testing.T) {
	t.Parallel()
	c, ns, flags := onCluster(t)
	app := func(a, b string) string {
		return "apiVersion: berth/v1\nname: causes\nservices:\n  a:\n    image: registry.example/a:" + a + "\n  b:\n    image: registry.example/b:" + b + "\n"
	}
	deploy := func(text, cause string) string {
		t.Helper()
		out, _ := mustRun(t, append([]string{"deploy", "-f", writeConfig(t, text), "--cause", cause, "--timeout", "1m"}, flags...)...)
		return out
	}
	deploy(app("1", "1"), "release 1")
	out := deploy(app("2", "1"), "release 2")
	for _, want := range []string{"deployment.apps/a configured", "deployment.apps/b unchanged"} {
		if !strings.Contains(out, want) {
			t.Errorf("deploy of a's new image: want %q in\n%s", want, out)
		}
	}
	out = deploy(app("2", "1"), "release 3")
	if strings.Contains(out, "configured") || strings.Contains(out, "created") {
		t.Errorf("a deploy that changes nothing changed objects:\n%s", out)
	}
	causes := map[string]string{}
	for _, name := range []string{"a", "b"} {
		d, err := c.Clientset(t).AppsV1().Deployments(ns).Get(t.Context(), name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		causes[name] = d.Annotations["kubernetes.io/change-cause"]
	}
	if causes["a"] != "release 2" || causes["b"] != "release 1" {
		t.Errorf("change-causes %v, want a: release 2, b: release 1", causes)
	}
	hist, _ := mustRun(t, append([]string{"history", "-f", writeConfig(t, app("2", "1"))}, flags...)...)
	for _, want := range []string{"release 2", "changed deployment/a\n", "release 3", "no changes"} {
		if !strings.Contains(hist, want) {
			t.Errorf("history lacks %q:\n%s", want, hist)
		}
	}
	if strings.Contains(hist, "deployment/b") {
		t.Errorf("history names b, which never changed:\n%s", hist)
	}
}
