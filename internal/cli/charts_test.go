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
