package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/internal/testutil"
)

// TestUpDigitalOcean runs berth up with target digitalocean. The
// DigitalOcean API cannot be reached from the test machines, so
// testutil.DOAPI stands in for it (its real JSON); the kubeconfig it hands
// out points at the sandbox, so the deploy is real. Checked: --plan prices
// and creates nothing; up creates the cluster once, waits for it, merges
// do-ams3-shop into the kubeconfig without touching other contexts,
// creates and integrates the registry, gives volumes do-block-storage, and
// prints the load balancer's address once it is assigned; a second up
// creates nothing; a bad token is explained.
func TestUpDigitalOcean(t *testing.T) {
	t.Parallel()
	c, ns, _ := onCluster(t)
	cs := c.Clientset(t)
	ctx := t.Context()
	sandboxConfig, err := os.ReadFile(c.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	api := testutil.NewDOAPI(t, "dop_v1_test")
	api.Kubeconfig = sandboxConfig
	api.ProvisioningPolls = 2

	// DOKS has do-block-storage; the sandbox gets one served by its provisioner.
	mode := storagev1.VolumeBindingImmediate
	sc := &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: "do-block-storage"}, Provisioner: testcluster.ProvisionerName, VolumeBindingMode: &mode}
	if _, err := cs.StorageV1().StorageClasses().Create(ctx, sc, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	kubeconfig := filepath.Join(t.TempDir(), "config")
	writeFile(t, kubeconfig, "apiVersion: v1\nkind: Config\nclusters:\n- name: home\n  cluster: {server: https://home.invalid}\nusers:\n- name: me\n  user: {token: t}\ncontexts:\n- name: home\n  context: {cluster: home, user: me}\ncurrent-context: home\n")
	file := writeConfig(t, `apiVersion: berth/v1
name: shop
target: {digitalocean: {region: ams3, registry: shop-images}}
services:
  web:
    image: nginx:1.27
    ports: [{port: 80, targetPort: 8080}]
    expose: LoadBalancer
  db:
    image: postgres:16
    stateful: true
    volumes: [{name: data, mountPath: /var/lib/postgresql/data, size: 1Gi}]
`)
	env := map[string]string{"DIGITALOCEAN_ACCESS_TOKEN": "dop_v1_test", "DIGITALOCEAN_API_URL": api.URL, "CI": "true", "HOME": t.TempDir()}
	args := []string{"up", "-f", file, "--kubeconfig", kubeconfig, "-n", ns, "--timeout", "2m"}

	stdout, stderr, code := run(t, env, append(args, "--plan")...)
	if code != 0 || !strings.Contains(stdout, "3 × s-2vcpu-4gb ($24.00/month each)") || !strings.Contains(stdout, "$72.00") || !strings.Contains(stdout, "shop-images") {
		t.Fatalf("plan: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if n := api.Count("POST", "/v2/kubernetes/clusters") + api.Count("POST", "/v2/registry"); n != 0 {
		t.Fatalf("--plan created %d things", n)
	}

	// A cloud controller would give the load balancer an address: the
	// test does, once the Service exists.
	go func() {
		for ctx.Err() == nil {
			svc, err := cs.CoreV1().Services(ns).Get(ctx, "web", metav1.GetOptions{})
			if err == nil {
				svc.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: "203.0.113.10"}}
				if _, err := cs.CoreV1().Services(ns).UpdateStatus(ctx, svc, metav1.UpdateOptions{}); err == nil {
					return
				}
			}
			time.Sleep(200 * time.Millisecond)
		}
	}()
	stdout, stderr, code = run(t, env, args...)
	if code != 0 {
		t.Fatalf("up: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "web\t") || !strings.Contains(stdout, "loadBalancer 203.0.113.10:80") {
		t.Errorf("no load balancer address in stdout:\n%s\n%s", stdout, stderr)
	}
	if strings.Contains(stderr, "dop_v1_test") || strings.Contains(stdout, "dop_v1_test") {
		t.Error("the token was printed")
	}
	if api.Count("POST", "/v2/kubernetes/clusters") != 1 || api.Count("POST", "/v2/registry") != 1 || api.Count("POST", "/v2/kubernetes/registry") != 1 {
		t.Errorf("requests: %+v", api.Requests())
	}
	data, _ := os.ReadFile(kubeconfig)
	for _, s := range []string{"name: home", "current-context: home", "name: do-ams3-shop"} {
		if !strings.Contains(string(data), s) {
			t.Errorf("kubeconfig lacks %q:\n%s", s, data)
		}
	}
	pvc, err := cs.CoreV1().PersistentVolumeClaims(ns).Get(ctx, "data-db-0", metav1.GetOptions{})
	if err != nil || pvc.Spec.StorageClassName == nil || *pvc.Spec.StorageClassName != "do-block-storage" {
		t.Errorf("claim: %v %+v", err, pvc)
	}

	// Again: the cluster and registry are reused.
	if _, stderr, code = run(t, env, args...); code != 0 {
		t.Fatalf("second up: exit %d\n%s", code, stderr)
	}
	if api.Count("POST", "/v2/kubernetes/clusters") != 1 || api.Count("POST", "/v2/registry") != 1 {
		t.Errorf("second up created something: %+v", api.Requests())
	}

	env["DIGITALOCEAN_ACCESS_TOKEN"] = "dop_v1_wrong"
	_, stderr, code = run(t, env, args...)
	if code != 1 || !strings.Contains(stderr, "refused the API token (401)") || !strings.Contains(stderr, "hint: create a token") {
		t.Errorf("bad token: exit %d\n%s", code, stderr)
	}
	var plan map[string]any
	env["DIGITALOCEAN_ACCESS_TOKEN"] = "dop_v1_test"
	stdout, _, _ = run(t, env, append(args, "--plan", "-o", "json")...)
	if err := json.Unmarshal([]byte(stdout), &plan); err != nil || plan["exists"] != true {
		t.Errorf("plan json: %v %s", err, stdout)
	}

	// berth down --cluster: a summary, then only with --yes.
	down := []string{"down", "-f", file, "--kubeconfig", kubeconfig, "-n", ns, "--cluster"}
	_, stderr, code = run(t, env, down...)
	if code != 2 || !strings.Contains(stderr, "destroys cluster shop (ams3) with its nodes, load balancers lb-1 (a1b2c3); volumes vol-1 (pvc-data) are kept (--volumes deletes them)") || !strings.Contains(stderr, "pass --yes") {
		t.Errorf("down --cluster without --yes: exit %d\n%s", code, stderr)
	}
	if _, err := cs.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{}); err != nil {
		t.Errorf("refused down deleted the app: %v", err)
	}
	_, stderr, code = run(t, env, append(down, "--yes")...)
	if code != 0 || !strings.Contains(stderr, "deleted cluster shop") {
		t.Fatalf("down --cluster --yes: exit %d\n%s", code, stderr)
	}
	if _, err := cs.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("the app is still there: %v", err)
	}
	if _, err := cs.CoreV1().PersistentVolumeClaims(ns).Get(ctx, "data-db-0", metav1.GetOptions{}); err != nil {
		t.Errorf("the claim was deleted without --volumes: %v", err)
	}
	last := api.Requests()[len(api.Requests())-1]
	if last.Method != "DELETE" || !strings.Contains(last.Body, `"volumes":[]`) {
		t.Errorf("cluster delete request %+v", last)
	}
}
