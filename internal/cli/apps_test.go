package cli

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/release"
)

// recipesApp is an app whose image comes from a variable only CI sets.
const recipesApp = "apiVersion: berth/v1\nname: recipes\nservices:\n  recipe-api:\n    image: ${RECIPE_IMAGE}\n    replicas: 1\n"

// deployRecipes deploys recipesApp twice (images v1, v2) with
// RECIPE_IMAGE set, as CI does, and returns its berth.yaml.
func deployRecipes(t *testing.T, flags []string) string {
	t.Helper()
	file := writeConfig(t, recipesApp)
	for _, v := range []string{"1", "2"} {
		mustRunEnv(t, map[string]string{"RECIPE_IMAGE": "registry.example/recipe-api:" + v}, append([]string{"deploy", "-f", file, "--timeout", "1m"}, flags...)...)
	}
	return file
}

// TestDay2WithoutVariables: the on-call commands need only the app and
// its namespace. Named as an argument (no berth.yaml: the package
// directory has none), or read from a berth.yaml whose variables are not
// set.
func TestDay2WithoutVariables(t *testing.T) {
	t.Parallel()
	c, ns, flags := onCluster(t)
	file := deployRecipes(t, flags)
	for _, tc := range []struct {
		name string
		app  []string // how the app is named
	}{
		{"app argument", []string{"recipes"}},
		{"berth.yaml with its variables unset", []string{"-f", file}},
	} {
		do := func(args ...string) (string, string) {
			t.Helper()
			return mustRun(t, append(append(args, tc.app...), flags...)...)
		}
		stdout, _ := do("history")
		if !strings.Contains(stdout, "recipe-api=2") || !strings.Contains(stdout, "recipe-api=1") {
			t.Errorf("%s: berth history:\n%s", tc.name, stdout)
		}
		stdout, _ = do("status")
		if !strings.Contains(stdout, "recipe-api") || !strings.Contains(stdout, "Deployment") {
			t.Errorf("%s: berth status:\n%s", tc.name, stdout)
		}
		_, stderr := do("undo", "--to-revision", "1", "--timeout", "1m")
		if !strings.Contains(stderr, "rolled back recipes to revision 1") {
			t.Errorf("%s: berth undo:\n%s", tc.name, stderr)
		}
		svcApp := tc.app
		if svcApp[0] == "recipes" {
			svcApp = []string{"--app", "recipes"}
		}
		stdout, _ = mustRun(t, append(append([]string{"rollout", "history", "recipe-api"}, svcApp...), flags...)...)
		if !strings.Contains(stdout, "deployment.apps/recipe-api") {
			t.Errorf("%s: berth rollout history recipe-api:\n%s", tc.name, stdout)
		}
		_, stderr = mustRun(t, append(append([]string{"scale", "recipe-api=2", "--timeout", "1m"}, svcApp...), flags...)...)
		if !strings.Contains(stderr, "scaled recipes") {
			t.Errorf("%s: berth scale recipe-api=2:\n%s", tc.name, stderr)
		}
	}
	stdout, _ := mustRun(t, append([]string{"history", "recipes", "--revision", "3", "--diff", "2"}, flags...)...)
	if !strings.Contains(stdout, "recipe-api:1") {
		t.Errorf("history recipes --revision 3 --diff 2:\n%s", stdout)
	}
	d, err := c.Clientset(t).AppsV1().Deployments(ns).Get(t.Context(), "recipe-api", metav1.GetOptions{})
	if err != nil || *d.Spec.Replicas != 2 {
		t.Errorf("after berth scale recipe-api=2: %v, %v", d, err)
	}

	// berth list -A shows it among the apps of every namespace.
	stdout, _ = mustRun(t, append([]string{"list"}, flags...)...)
	if lines := strings.Split(strings.TrimSpace(stdout), "\n"); len(lines) != 2 || !strings.HasPrefix(lines[1], "recipes ") || !strings.Contains(lines[1], " "+ns+" ") {
		t.Errorf("berth list -n %s:\n%s", ns, stdout)
	}
	kubeconfig := flags[:2]
	stdout, _ = mustRun(t, append([]string{"list", "-A", "-o", "json"}, kubeconfig...)...)
	var list struct {
		Kind string
		Apps []release.Summary
	}
	if err := json.Unmarshal([]byte(stdout), &list); err != nil || list.Kind != "AppList" {
		t.Fatalf("berth list -A -o json: %v\n%s", err, stdout)
	}
	found := slices.ContainsFunc(list.Apps, func(a release.Summary) bool {
		return a.App == "recipes" && a.Namespace == ns && a.Revision == 6 && a.Status == "deployed" && a.Images["recipe-api"] == "registry.example/recipe-api:1"
	})
	if !found {
		t.Errorf("berth list -A -o json has no recipes at revision 6 in %s:\n%s", ns, stdout)
	}
	if stdout, _ = mustRun(t, append([]string{"list", "-A"}, kubeconfig...)...); !strings.Contains(stdout, "recipes ") {
		t.Errorf("berth list -A:\n%s", stdout)
	}

	// Completion: app names from the cluster, services from the record.
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"__complete", "history", ""}, "recipes\n"},
		{[]string{"__complete", "scale", "--app", ""}, "recipes\n"},
		{[]string{"__complete", "rollout", "status", "--app", "recipes", ""}, "recipe-api\n"},
		{[]string{"__complete", "logs", "--file", file, ""}, "recipe-api\n"},
	} {
		args := append(append([]string{tc.args[0], tc.args[1]}, flags...), tc.args[2:]...)
		if stdout, _, _ := run(t, nil, args...); !strings.Contains(stdout, tc.want) {
			t.Errorf("%v: %q lacks %q", tc.args, stdout, tc.want)
		}
	}
}

// TestUnknownApp names the app and namespace and lists the apps there;
// then berth delete APP removes the app without berth.yaml.
func TestUnknownApp(t *testing.T) {
	t.Parallel()
	c, ns, flags := onCluster(t)
	deployRecipes(t, flags)
	want := `error: no app "recipe" in namespace "` + ns + `"; apps here: recipes`
	for _, args := range [][]string{{"history", "recipe"}, {"status", "recipe"}, {"undo", "recipe"}, {"scale", "api=2", "--app", "recipe"}, {"rollout", "status", "api", "--app", "recipe"}, {"delete", "recipe", "--yes"}} {
		stdout, stderr, code := run(t, nil, append(args, flags...)...)
		if code != ExitNotDeployed || !strings.HasPrefix(stderr, want) || stdout != "" {
			t.Errorf("berth %s: exit %d\nstdout: %s\nstderr: %s", args, code, stdout, stderr)
		}
	}

	// While another berth holds the app's deploy lock, delete refuses
	// and deletes nothing.
	lease, err := deploy.Leases{Client: c.Clientset(t)}.Lock(t.Context(), ns, "recipes", "a deploy elsewhere", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := run(t, nil, append([]string{"delete", "recipes", "--yes"}, flags...)...); code != ExitFailure || !strings.Contains(stderr, "another berth deploy of recipes is running: a deploy elsewhere") {
		t.Errorf("delete while locked: exit %d\n%s", code, stderr)
	}
	if stdout, _ := mustRun(t, append([]string{"list"}, flags...)...); !strings.Contains(stdout, "recipes") {
		t.Errorf("berth list after a refused delete:\n%s", stdout)
	}
	if err := lease.Release(t.Context()); err != nil {
		t.Fatal(err)
	}

	// delete APP: the record's objects and the records, no berth.yaml.
	if _, stderr := mustRun(t, append([]string{"delete", "recipes", "--yes"}, flags...)...); !strings.Contains(stderr, "deleted recipes from namespace "+ns) {
		t.Errorf("berth delete recipes:\n%s", stderr)
	}
	if stdout, _ := mustRun(t, append([]string{"list"}, flags...)...); strings.Contains(stdout, "recipes") {
		t.Errorf("berth list after delete:\n%s", stdout)
	}
}
