package cli

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/internal/testutil"
)

// TestDeployWithCharts: berth.yaml's third-party chart (from a chart
// repository served locally) is installed before the services, shown by
// berth status, left alone by a second deploy, and kept by berth down
// unless --charts.
func TestDeployWithCharts(t *testing.T) {
	t.Parallel()
	c, ns, flags := onCluster(t)
	repoURL := testutil.ChartRepo(t, "0.1.0", "0.2.0")
	home := t.TempDir()
	file := writeConfig(t, `apiVersion: berth/v1
name: shop
charts:
  greeter: {repo: "`+repoURL+`", chart: hello, version: 0.1.x, values: {message: from-berth}}
services:
  web:
    image: nginx:1.27
    ports: [{port: 80}]
`)
	env := map[string]string{"HOME": home, "HELM_CACHE_HOME": home + "/cache", "HELM_CONFIG_HOME": home + "/config", "HELM_DATA_HOME": home + "/data"}
	_, stderr, code := run(t, env, append([]string{"deploy", "-f", file}, flags...)...)
	if code != 0 || !strings.Contains(stderr, "chart greeter: installed hello-0.1.0 in "+ns+" (revision 1)") {
		t.Fatalf("deploy: exit %d\n%s", code, stderr)
	}
	cm, err := c.Clientset(t).CoreV1().ConfigMaps(ns).Get(t.Context(), "greeter-config", metav1.GetOptions{})
	if err != nil || cm.Data["message"] != "from-berth" {
		t.Fatalf("chart objects: %v %v", cm, err)
	}
	stdout, _, _ := run(t, env, append([]string{"status", "-f", file}, flags...)...)
	if !strings.Contains(stdout, "greeter") || !strings.Contains(stdout, "hello-0.1.0") || !strings.Contains(stdout, "deployed") {
		t.Errorf("status:\n%s", stdout)
	}
	if _, stderr, _ = run(t, env, append([]string{"deploy", "-f", file}, flags...)...); !strings.Contains(stderr, "chart greeter: unchanged") {
		t.Errorf("second deploy:\n%s", stderr)
	}
	_, stderr, code = run(t, env, append([]string{"down", "-f", file, "--yes"}, flags...)...)
	if code != 0 || !strings.Contains(stderr, "charts greeter kept (--charts uninstalls them)") {
		t.Errorf("down: exit %d\n%s", code, stderr)
	}
	if _, err := c.Clientset(t).CoreV1().ConfigMaps(ns).Get(t.Context(), "greeter-config", metav1.GetOptions{}); err != nil {
		t.Errorf("down removed the chart: %v", err)
	}
	if _, stderr, code = run(t, env, append([]string{"down", "-f", file, "--yes", "--charts"}, flags...)...); code != 0 || !strings.Contains(stderr, "chart greeter: uninstalled") {
		t.Errorf("down --charts: exit %d\n%s", code, stderr)
	}
}

// TestDownChartsKeepsClaims: helm uninstall deletes the claims a chart's
// manifest holds, so berth down --charts refuses such a chart without
// --volumes (listing the claim, uninstalling nothing, deleting nothing),
// and with --volumes --yes lists it with the app's claims and deletes it.
func TestDownChartsKeepsClaims(t *testing.T) {
	t.Parallel()
	c, ns, flags := onCluster(t)
	cs := c.Clientset(t)
	repoURL := testutil.ChartRepo(t, "0.1.0")
	home := t.TempDir()
	file := writeConfig(t, `apiVersion: berth/v1
name: shop
charts:
  greeter: {repo: "`+repoURL+`", chart: hello, version: 0.1.x, values: {volume: true}}
services:
  web:
    image: nginx:1.27
`)
	env := map[string]string{"HOME": home, "HELM_CACHE_HOME": home + "/cache", "HELM_CONFIG_HOME": home + "/config", "HELM_DATA_HOME": home + "/data"}
	if _, stderr, code := run(t, env, append([]string{"deploy", "-f", file}, flags...)...); code != 0 {
		t.Fatalf("deploy: exit %d\n%s", code, stderr)
	}
	_, stderr, code := run(t, env, append([]string{"down", "-f", file, "--yes", "--charts"}, flags...)...)
	if code != ExitFailure || !strings.Contains(stderr, "persistentvolumeclaim/greeter-data (1Gi, class standard)") || !strings.Contains(stderr, "--volumes") {
		t.Errorf("down --charts with a chart claim, without --volumes: exit %d\n%s", code, stderr)
	}
	if _, err := cs.CoreV1().PersistentVolumeClaims(ns).Get(t.Context(), "greeter-data", metav1.GetOptions{}); err != nil {
		t.Errorf("the chart's claim went: %v", err)
	}
	if _, err := cs.AppsV1().Deployments(ns).Get(t.Context(), "web", metav1.GetOptions{}); err != nil {
		t.Errorf("the refused down deleted the app: %v", err)
	}
	_, stderr, code = run(t, env, append([]string{"down", "-f", file, "--yes", "--charts", "--volumes"}, flags...)...)
	if code != 0 || !strings.Contains(stderr, "deletes 1 claims") || !strings.Contains(stderr, "persistentvolumeclaim/greeter-data") || !strings.Contains(stderr, "chart greeter: uninstalled") {
		t.Errorf("down --charts --volumes --yes: exit %d\n%s", code, stderr)
	}
}
