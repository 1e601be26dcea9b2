package target

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/tools/clientcmd"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/testutil"
)

// The DigitalOcean API cannot be reached from the test machines: these
// tests run against testutil.DOAPI, a local server that speaks its JSON.

const kubeconfigYAML = `apiVersion: v1
kind: Config
clusters:
- name: do-ams3-shop
  cluster: {server: "https://1.2.3.4", certificate-authority-data: ""}
users:
- name: do-ams3-shop-admin
  user: {token: secret-token}
contexts:
- name: do-ams3-shop
  context: {cluster: do-ams3-shop, user: do-ams3-shop-admin}
current-context: do-ams3-shop
`

func newDO(t *testing.T, api *testutil.DOAPI, token string, spec *config.DigitalOceanTarget) *DigitalOcean {
	t.Helper()
	d, err := NewDigitalOcean(token, api.URL, 10*time.Millisecond, spec, "shop", nil)
	if err != nil {
		t.Fatal(err)
	}
	d.Poll = time.Millisecond
	return d
}

func TestToken(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	if _, _, err := Token("", getenv, home); err == nil || !strings.Contains(err.(*Error).Hint(), "cloud.digitalocean.com/account/api/tokens") {
		t.Errorf("no token: %v", err)
	}
	cfg := filepath.Join(home, ".config", "doctl", "config.yaml")
	_ = os.MkdirAll(filepath.Dir(cfg), 0o700)
	_ = os.WriteFile(cfg, []byte("access-token: dop_v1_default\ncontext: work\nauth-contexts:\n  work: dop_v1_work\n"), 0o600)
	if tok, src, _ := Token("", getenv, home); tok != "dop_v1_work" || src != cfg+" (context work)" {
		t.Errorf("doctl: %s from %s", tok, src)
	}
	env["DIGITALOCEAN_ACCESS_TOKEN"] = "dop_v1_env"
	if tok, src, _ := Token("", getenv, home); tok != "dop_v1_env" || src != "DIGITALOCEAN_ACCESS_TOKEN" {
		t.Errorf("env: %s from %s", tok, src)
	}
	if tok, src, _ := Token("dop_v1_flag", getenv, home); tok != "dop_v1_flag" || src != "--access-token" {
		t.Errorf("flag: %s from %s", tok, src)
	}
}

func TestEnsureClusterOnce(t *testing.T) {
	t.Parallel()
	api := testutil.NewDOAPI(t, "tok")
	d := newDO(t, api, "tok", nil)
	ctx := t.Context()
	c, created, err := d.EnsureCluster(ctx)
	if err != nil || !created {
		t.Fatalf("%v %v", created, err)
	}
	var body struct {
		Name      string   `json:"name"`
		Region    string   `json:"region"`
		Version   string   `json:"version"`
		Tags      []string `json:"tags"`
		NodePools []struct {
			Name  string `json:"name"`
			Size  string `json:"size"`
			Count int    `json:"count"`
		} `json:"node_pools"`
	}
	for _, r := range api.Requests() {
		if r.Method == "POST" && r.Path == "/v2/kubernetes/clusters" {
			if err := json.Unmarshal([]byte(r.Body), &body); err != nil {
				t.Fatal(err)
			}
		}
	}
	if body.Name != "shop" || body.Region != "ams3" || body.Version != "latest" || len(body.NodePools) != 1 || body.NodePools[0].Size != "s-2vcpu-4gb" || body.NodePools[0].Count != 3 || body.Tags[0] != "berth" {
		t.Errorf("create body %+v", body)
	}
	running, err := d.WaitRunning(ctx, c.ID)
	if err != nil || string(running.Status.State) != "running" {
		t.Fatalf("%+v %v", running, err)
	}
	// A second up (or an interrupted one resumed) creates nothing.
	again, created, err := d.EnsureCluster(ctx)
	if err != nil || created || again.ID != c.ID || api.Count("POST", "/v2/kubernetes/clusters") != 1 {
		t.Errorf("second ensure: created=%v id=%s err=%v posts=%d", created, again.ID, err, api.Count("POST", "/v2/kubernetes/clusters"))
	}
}

func TestAutoscalePool(t *testing.T) {
	t.Parallel()
	api := testutil.NewDOAPI(t, "tok")
	d := newDO(t, api, "tok", &config.DigitalOceanTarget{Cluster: "big", Region: "nyc1", NodePool: &config.NodePool{Size: "s-4vcpu-8gb", Autoscale: &config.NodeAutoscale{Min: 2, Max: 5}}})
	if _, _, err := d.EnsureCluster(t.Context()); err != nil {
		t.Fatal(err)
	}
	body := api.Requests()[len(api.Requests())-1].Body
	for _, s := range []string{`"auto_scale":true`, `"min_nodes":2`, `"max_nodes":5`, `"count":2`, `"region":"nyc1"`, `"size":"s-4vcpu-8gb"`} {
		if !strings.Contains(body, s) {
			t.Errorf("body lacks %s: %s", s, body)
		}
	}
}

func TestSaveKubeconfigMerges(t *testing.T) {
	t.Parallel()
	api := testutil.NewDOAPI(t, "tok")
	api.Kubeconfig = []byte(kubeconfigYAML)
	api.AddCluster("c1", "shop", "ams3")
	d := newDO(t, api, "tok", nil)
	file := filepath.Join(t.TempDir(), "config")
	other := "apiVersion: v1\nkind: Config\nclusters:\n- name: home\n  cluster: {server: https://home}\nusers:\n- name: me\n  user: {token: t}\ncontexts:\n- name: home\n  context: {cluster: home, user: me}\ncurrent-context: home\n"
	_ = os.WriteFile(file, []byte(other), 0o600)
	name, err := d.SaveKubeconfig(t.Context(), "c1", file)
	if err != nil || name != "do-ams3-shop" {
		t.Fatalf("%s %v", name, err)
	}
	cfg, err := clientcmd.LoadFromFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.CurrentContext != "home" || cfg.Contexts["home"] == nil || cfg.Contexts["do-ams3-shop"] == nil || cfg.Clusters["do-ams3-shop"].Server != "https://1.2.3.4" {
		t.Errorf("merged config: current %s, contexts %v", cfg.CurrentContext, cfg.Contexts)
	}
}

func TestRegistry(t *testing.T) {
	t.Parallel()
	api := testutil.NewDOAPI(t, "tok")
	d := newDO(t, api, "tok", &config.DigitalOceanTarget{Registry: "shop-images"})
	host, err := d.EnsureRegistry(t.Context(), "c1")
	if err != nil || host != "registry.digitalocean.com/shop-images" {
		t.Fatalf("%s %v", host, err)
	}
	if api.Count("POST", "/v2/registry") != 1 || api.Count("POST", "/v2/kubernetes/registry") != 1 {
		t.Errorf("requests %+v", api.Requests())
	}
	var integ struct {
		ClusterUUIDs []string `json:"cluster_uuids"`
	}
	for _, r := range api.Requests() {
		if r.Path == "/v2/kubernetes/registry" {
			_ = json.Unmarshal([]byte(r.Body), &integ)
		}
	}
	if len(integ.ClusterUUIDs) != 1 || integ.ClusterUUIDs[0] != "c1" {
		t.Errorf("integration body %+v", integ)
	}
	// Again: nothing is created.
	if _, err := d.EnsureRegistry(t.Context(), "c1"); err != nil || api.Count("POST", "/v2/registry") != 1 {
		t.Errorf("second ensure: %v", err)
	}
	// The account's registry has another name.
	d.Spec.Registry = "other"
	_, err = d.EnsureRegistry(t.Context(), "c1")
	var te *Error
	if !errors.As(err, &te) || !strings.Contains(te.Hint(), "registry: shop-images") {
		t.Errorf("other name: %v", err)
	}
}

func TestPlanPrices(t *testing.T) {
	t.Parallel()
	api := testutil.NewDOAPI(t, "tok")
	d := newDO(t, api, "tok", &config.DigitalOceanTarget{Registry: "imgs"})
	p, err := d.Plan(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if p.Exists || p.Nodes != 3 || p.NodeMonthly != 24 || p.MonthlyUSD != 72 || p.RegistryExists {
		t.Errorf("plan %+v", p)
	}
	for _, r := range api.Requests() {
		if r.Method != "GET" {
			t.Errorf("--plan changed something: %s %s", r.Method, r.Path)
		}
	}
}

func TestAPIErrors(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	api := testutil.NewDOAPI(t, "tok")
	_, _, err := newDO(t, api, "wrong", nil).EnsureCluster(ctx)
	var te *Error
	if !errors.As(err, &te) || !strings.Contains(err.Error(), "refused the API token (401)") || !strings.Contains(te.Hint(), "api/tokens") || strings.Contains(err.Error(), "wrong") {
		t.Errorf("401: %v", err)
	}
	_, _, err = newDO(t, api, "tok", &config.DigitalOceanTarget{Region: "mars1"}).EnsureCluster(ctx)
	if !errors.As(err, &te) || !strings.Contains(err.Error(), `region "mars1" does not offer Kubernetes`) || te.Hint() != "use one of: ams3, nyc1" {
		t.Errorf("region: %v", err)
	}
	_, _, err = newDO(t, api, "tok", &config.DigitalOceanTarget{NodePool: &config.NodePool{Size: "s-1vcpu-512mb"}}).EnsureCluster(ctx)
	if !errors.As(err, &te) || !strings.Contains(te.Hint(), "s-2vcpu-4gb, s-4vcpu-8gb") {
		t.Errorf("size: %v", err)
	}
	for _, status := range []int{503, 429} {
		flaky := testutil.NewDOAPI(t, "tok")
		flaky.FailFirst, flaky.FailStatus = 2, status
		if _, _, err := newDO(t, flaky, "tok", nil).EnsureCluster(ctx); err != nil {
			t.Errorf("%d twice then ok: %v", status, err)
		}
	}
	down := testutil.NewDOAPI(t, "tok")
	down.FailFirst, down.FailStatus = 1000, 503
	if _, _, err := newDO(t, down, "tok", nil).EnsureCluster(ctx); !errors.As(err, &te) || !strings.Contains(err.Error(), "still after retries") {
		t.Errorf("down: %v", err)
	}
}

func TestTeardown(t *testing.T) {
	t.Parallel()
	api := testutil.NewDOAPI(t, "tok")
	api.AddCluster("c9", "theirs", "ams3")
	if _, err := newDO(t, api, "tok", &config.DigitalOceanTarget{Cluster: "theirs"}).PlanTeardown(t.Context()); err == nil || !strings.Contains(err.Error(), "was not created by berth") {
		t.Errorf("a cluster berth did not create: %v", err)
	}
	d := newDO(t, api, "tok", nil)
	if _, _, err := d.EnsureCluster(t.Context()); err != nil {
		t.Fatal(err)
	}
	td, err := d.PlanTeardown(t.Context())
	if err != nil || len(td.LoadBalancers) != 1 || len(td.Volumes) != 1 {
		t.Fatalf("%+v %v", td, err)
	}
	if err := d.DeleteCluster(t.Context(), td, false); err != nil {
		t.Fatal(err)
	}
	last := api.Requests()[len(api.Requests())-1]
	if last.Method != "DELETE" || !strings.Contains(last.Body, `"load_balancers":["lb-1"]`) || !strings.Contains(last.Body, `"volumes":[]`) {
		t.Errorf("delete request %+v", last)
	}
	if c, _ := d.Find(t.Context()); c != nil {
		t.Error("the cluster is still listed")
	}
}
