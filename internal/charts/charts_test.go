package charts_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/cli"
	"helm.sh/helm/v3/pkg/registry"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericclioptions"

	"github.com/berth-dev/berth/internal/charts"
	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/internal/testutil"
)

var cluster *testcluster.Cluster

func TestMain(m *testing.M) { os.Exit(testcluster.Main(m, &cluster)) }

func installer(t *testing.T, c *testcluster.Cluster) *charts.Installer {
	t.Helper()
	s := cli.New()
	home := t.TempDir()
	s.RepositoryCache = filepath.Join(home, "cache")
	s.RepositoryConfig = filepath.Join(home, "repositories.yaml")
	s.RegistryConfig = filepath.Join(home, "registry.json")
	flags := genericclioptions.NewConfigFlags(false)
	flags.KubeConfig = &c.Kubeconfig
	return &charts.Installer{Getter: flags, Settings: s}
}

// TestRepositoryChart installs a chart from a chart repository (index.yaml
// and packages served locally) with a version range, leaves it alone when
// nothing changed, upgrades it when its values change, and uninstalls it.
func TestRepositoryChart(t *testing.T) {
	t.Parallel()
	c := testcluster.Require(t, cluster)
	ns := c.Namespace(t)
	ctx := t.Context()
	repoURL := testutil.ChartRepo(t, "0.1.0", "0.2.0", "1.0.0")
	in := installer(t, c)
	want := map[string]*config.Chart{"greeter": {Repo: repoURL, Chart: "hello", Version: "0.x", Values: map[string]any{"message": "hi"}}}

	res, err := in.Ensure(ctx, want, ns)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].Action != "installed" || res[0].Version != "0.2.0" {
		t.Fatalf("results %+v", res)
	}
	cs := c.Clientset(t)
	cm, err := cs.CoreV1().ConfigMaps(ns).Get(ctx, "greeter-config", metav1.GetOptions{})
	if err != nil || cm.Data["message"] != "hi" || cm.Data["chart"] != "0.2.0" {
		t.Fatalf("configmap %v %v", cm.Data, err)
	}
	if d, err := cs.AppsV1().Deployments(ns).Get(ctx, "greeter", metav1.GetOptions{}); err != nil || d.Status.ReadyReplicas != 1 {
		t.Errorf("the install did not wait for the Deployment: %v", err)
	}
	if res, err = in.Ensure(ctx, want, ns); err != nil || res[0].Action != "unchanged" || res[0].Revision != 1 {
		t.Errorf("again: %+v %v", res, err)
	}
	// Install writes Ensure's result as berth deploy's line.
	var lines strings.Builder
	in.Out = &lines
	if err := in.Install(ctx, want, ns); err != nil || lines.String() != "chart greeter: unchanged hello-0.2.0 in "+ns+" (revision 1)\n" {
		t.Errorf("Install: %v, wrote %q", err, lines.String())
	}
	in.Out = nil
	want["greeter"].Values["message"] = "hello"
	if res, err = in.Ensure(ctx, want, ns); err != nil || res[0].Action != "upgraded" || res[0].Revision != 2 {
		t.Errorf("new values: %+v %v", res, err)
	}
	cm, _ = cs.CoreV1().ConfigMaps(ns).Get(ctx, "greeter-config", metav1.GetOptions{})
	if cm.Data["message"] != "hello" {
		t.Errorf("after upgrade: %v", cm.Data)
	}
	st, err := in.Statuses(want, ns)
	if err != nil || len(st) != 1 || st[0].Status != "deployed" || st[0].Revision != 2 || st[0].Chart != "hello-0.2.0" {
		t.Errorf("statuses %+v %v", st, err)
	}
	if removed, err := in.Uninstall(ctx, want, ns); err != nil || len(removed) != 1 {
		t.Errorf("uninstall %v %v", removed, err)
	}
	if _, err := cs.CoreV1().ConfigMaps(ns).Get(ctx, "greeter-config", metav1.GetOptions{}); err == nil {
		t.Error("the chart's ConfigMap is still there")
	}
	// A version nobody has.
	_, err = in.Ensure(ctx, map[string]*config.Chart{"x": {Repo: repoURL, Chart: "hello", Version: "9.x"}}, ns)
	if err == nil || !strings.Contains(err.Error(), "chart x (hello): fetching the chart") {
		t.Errorf("missing version: %v", err)
	}
}

// TestOCIChart installs a chart pushed to an OCI registry (the in-process
// registry) into its own namespace.
func TestOCIChart(t *testing.T) {
	t.Parallel()
	c := testcluster.Require(t, cluster)
	ns := c.Namespace(t)
	host := testutil.Registry(t)
	tgz := testutil.PackageChart(t, t.TempDir(), "0.3.0")
	data, err := os.ReadFile(tgz)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := registry.NewClient(registry.ClientOptPlainHTTP(), registry.ClientOptWriter(os.Stderr))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rc.Push(data, host+"/charts/hello:0.3.0"); err != nil {
		t.Fatal(err)
	}
	in := installer(t, c)
	res, err := in.Ensure(t.Context(), map[string]*config.Chart{"cache": {Chart: "oci://" + host + "/charts/hello", Version: "0.3.0", Namespace: ns}}, "default")
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Action != "installed" || res[0].Namespace != ns || res[0].Version != "0.3.0" {
		t.Errorf("results %+v", res)
	}
	if _, err := c.Clientset(t).AppsV1().Deployments(ns).Get(t.Context(), "cache", metav1.GetOptions{}); err != nil {
		t.Error(err)
	}
}

// TestInstallFails: a chart that cannot be fetched stops Install with the
// chart named, before the cluster is asked anything, and writes no line
// for it.
func TestInstallFails(t *testing.T) {
	t.Parallel()
	repo := testutil.ChartRepo(t, "0.1.0")
	home := t.TempDir()
	s := cli.New()
	s.RepositoryCache = filepath.Join(home, "cache")
	s.RepositoryConfig = filepath.Join(home, "repositories.yaml")
	s.RegistryConfig = filepath.Join(home, "registry.json")
	flags := genericclioptions.NewConfigFlags(false)
	kubeconfig := filepath.Join(home, "no-kubeconfig")
	flags.KubeConfig = &kubeconfig
	var lines strings.Builder
	in := &charts.Installer{Getter: flags, Settings: s, Out: &lines}
	err := in.Install(t.Context(), map[string]*config.Chart{"cache": {Repo: repo, Chart: "hello", Version: "9.x"}}, "default")
	if err == nil || !strings.Contains(err.Error(), "chart cache (hello): fetching the chart") {
		t.Errorf("Install = %v, want the chart named", err)
	}
	if lines.Len() != 0 {
		t.Errorf("Install wrote %q for a chart it did not install", lines.String())
	}
	in.Out = nil
	if err := in.Install(t.Context(), nil, "default"); err != nil {
		t.Errorf("Install(no charts) = %v", err)
	}
}
