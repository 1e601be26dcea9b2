package cli

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/berth-dev/berth/internal/rollout"
	"github.com/berth-dev/berth/internal/testutil"
)

// TestHelmInterop: every berth revision is a Helm release that the real
// Helm 3 CLI reads and rolls back; berth history stays right after a helm
// rollback, and berth deploys and undoes on top of it.
func TestHelmInterop(t *testing.T) {
	t.Parallel()
	c, ns, flags := onCluster(t)
	cs := c.Clientset(t)
	ctx := t.Context()
	helmBin := testutil.Tool(t, "helm", "make tools")
	helm := func(args ...string) []byte {
		t.Helper()
		out, err := exec.Command(helmBin, append(args, "-n", ns, "--kubeconfig", c.Kubeconfig)...).CombinedOutput()
		if err != nil {
			t.Fatalf("helm %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	app := func(v string) string {
		return "apiVersion: berth/v1\nname: shop\nservices:\n  web:\n    image: registry.example/web:" + v + "\n    replicas: 2\n    env: {VERSION: \"" + v + "\"}\n"
	}
	v1, v2 := writeConfig(t, app("1")), writeConfig(t, app("2"))
	mustRun(t, append([]string{"deploy", "-f", v1, "--cause", "one"}, flags...)...)
	mustRun(t, append([]string{"deploy", "-f", v2, "--cause", "two"}, flags...)...)

	var list []struct {
		Name, Namespace, Revision, Status, Chart string
	}
	if err := json.Unmarshal(helm("list", "-o", "json"), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Name != "shop" || list[0].Revision != "2" || list[0].Status != "deployed" || list[0].Chart != "shop-0.1.0" {
		t.Errorf("helm list: %+v", list)
	}
	var hh []struct {
		Revision    int    `json:"revision"`
		Status      string `json:"status"`
		Description string `json:"description"`
	}
	if err := json.Unmarshal(helm("history", "shop", "-o", "json"), &hh); err != nil {
		t.Fatal(err)
	}
	if len(hh) != 2 || hh[0].Status != "superseded" || hh[1].Description != "two" {
		t.Errorf("helm history: %+v", hh)
	}
	var values map[string]any
	if err := yaml.Unmarshal(helm("get", "values", "shop", "-o", "yaml"), &values); err != nil {
		t.Fatal(err)
	}
	detail := historyDetail(t, append([]string{"-f", v2, "--revision", "2"}, flags...)...)
	if diff := cmp.Diff(detail.Values, values); diff != "" {
		t.Errorf("helm get values vs berth history --revision 2 (-berth +helm):\n%s", diff)
	}
	manifest := string(helm("get", "manifest", "shop"))
	rendered, _ := mustRun(t, "render", "-f", v2, "-n", ns)
	if !strings.Contains(manifest, "image: \"registry.example/web:2\"") || !strings.Contains(manifest, "# Source: shop/templates/deployment.yaml") || !strings.Contains(rendered, "image: \"registry.example/web:2\"") {
		t.Errorf("helm get manifest:\n%s", manifest)
	}

	// helm rollback, while no berth runs.
	helm("rollback", "shop", "1", "--wait", "--timeout", "1m")
	d, err := cs.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
	if err != nil || d.Spec.Template.Spec.Containers[0].Image != "registry.example/web:1" {
		t.Fatalf("web after helm rollback: %v %v", d, err)
	}
	h := historyJSON(t, append([]string{"-f", v2}, flags...)...)
	want := []revisionRow{{1, "superseded", "one"}, {2, rollout.StatusRolledBack, "two"}, {3, "deployed", "helm rollback to 1"}}
	if diff := cmp.Diff(want, rowsOf(h)); diff != "" {
		t.Errorf("berth history after helm rollback (-want +got):\n%s", diff)
	}
	if h[2].Images["web"] != "registry.example/web:1" || h[2].RollbackOf != 1 {
		t.Errorf("the helm rollback entry: %+v", h[2])
	}

	// berth works on top of Helm's revision: undo goes back to 2, a deploy
	// follows.
	mustRun(t, append([]string{"undo", "-f", v2}, flags...)...)
	if d, err := cs.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{}); err != nil || d.Spec.Template.Spec.Containers[0].Image != "registry.example/web:2" {
		t.Errorf("web after berth undo: %v %v", d, err)
	}
	mustRun(t, append([]string{"deploy", "-f", v1, "--cause", "one again"}, flags...)...)
	h = historyJSON(t, append([]string{"-f", v2}, flags...)...)
	want = append(want[:2], revisionRow{3, rollout.StatusRolledBack, "helm rollback to 1"}, revisionRow{4, "superseded", "rollback to 2"}, revisionRow{5, "deployed", "one again"})
	if diff := cmp.Diff(want, rowsOf(h)); diff != "" {
		t.Errorf("berth history after undo and deploy (-want +got):\n%s", diff)
	}
	if err := json.Unmarshal(helm("history", "shop", "-o", "json"), &hh); err != nil || len(hh) != 5 || hh[4].Status != "deployed" {
		t.Errorf("helm history at the end: %v %+v", err, hh)
	}
}

func historyDetail(t *testing.T, args ...string) rollout.Detail {
	t.Helper()
	stdout, _ := mustRun(t, append([]string{"history", "-o", "json"}, args...)...)
	var d rollout.Detail
	if err := json.Unmarshal([]byte(stdout), &d); err != nil {
		t.Fatalf("history -o json: %v\n%s", err, stdout)
	}
	return d
}
