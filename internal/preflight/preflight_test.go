package preflight_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/kube"
	"github.com/berth-dev/berth/internal/preflight"
	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

var cluster *testcluster.Cluster

func TestMain(m *testing.M) { os.Exit(testcluster.Main(m, &cluster)) }

func client(t *testing.T, impersonate string) (*kube.Client, string) {
	t.Helper()
	c := testcluster.Require(t, cluster)
	cfg, err := c.RESTConfig()
	if err != nil {
		t.Fatal(err)
	}
	if impersonate != "" {
		cfg = rest.CopyConfig(cfg)
		cfg.Impersonate = rest.ImpersonationConfig{UserName: impersonate}
	}
	kc, err := kube.NewClientFromConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return kc, c.Namespace(t)
}

func project(t *testing.T, text string) *config.Project {
	t.Helper()
	p, _, err := config.Parse("berth.yaml", []byte(text), config.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func find(rs []preflight.Result, check string) preflight.Result {
	for _, r := range rs {
		if r.Check == check {
			return r
		}
	}
	return preflight.Result{}
}

const app = `apiVersion: berth/v1
name: shop
services:
  web:
    image: nginx:1.27
    ports: [{port: 80}]
    ingress: {host: shop.example.org}
  db:
    image: postgres:16
    stateful: true
    volumes: [{name: data, mountPath: /data, size: 1Gi}]
`

func TestChecks(t *testing.T) { // not parallel: it changes cluster-wide StorageClasses and IngressClasses of this package's own sandbox
	kc, ns := client(t, "")
	ctx := t.Context()
	p := project(t, app)
	platforms := func(_ context.Context, image string) ([]string, error) {
		if image == "nginx:1.27" {
			return []string{"linux/arm64"}, nil
		}
		return []string{"linux/amd64", "linux/arm64"}, nil
	}
	rs := preflight.Run(ctx, kc, p, ns, preflight.Options{Target: config.TargetKube, Platforms: platforms, Images: map[string]string{"web": "nginx:1.27", "db": "postgres:16"}})
	for check, level := range map[string]string{"cluster": preflight.OK, "namespace": preflight.OK, "permissions": preflight.OK, "storage": preflight.OK, "ingress": preflight.Warning} {
		if r := find(rs, check); r.Level != level {
			t.Errorf("%s: %+v, want %s", check, r, level)
		}
	}
	// The sandbox has amd64 and arm64 nodes: an arm64-only image fails on
	// some (warning), an s390x one on all (error).
	if r := find(rs, "image web"); r.Level != preflight.Warning || !strings.Contains(r.Message, "its pods fail on the linux/amd64 nodes") {
		t.Errorf("image web: %+v", r)
	}
	if r := find(rs, "image db"); r.Check != "" {
		t.Errorf("db fits, yet: %+v", r)
	}
	s390x := func(context.Context, string) ([]string, error) { return []string{"linux/s390x"}, nil }
	rs = preflight.Run(ctx, kc, p, ns, preflight.Options{Platforms: s390x, Images: map[string]string{"web": "nginx:1.27"}})
	if r := find(rs, "image web"); r.Level != preflight.Error || !strings.Contains(r.Message, "nginx:1.27 is built for linux/s390x; the nodes run linux/amd64, linux/arm64") {
		t.Errorf("s390x: %+v", r)
	}
	if !preflight.Failed(rs) {
		t.Error("Failed = false with an error result")
	}
	// An image its registry does not have (a real registry's 404) is an
	// error; one berth cannot reach (the nodes may) says nothing.
	probe := func(_ context.Context, image string) ([]string, error) {
		if image == "reg.example/web:no-such-tag" {
			return nil, &transport.Error{StatusCode: http.StatusNotFound, Errors: []transport.Diagnostic{{Code: transport.ManifestUnknownErrorCode, Message: "manifest unknown"}}}
		}
		return nil, errors.New("dial tcp: lookup registry.cluster.local: no such host")
	}
	rs = preflight.Run(ctx, kc, p, ns, preflight.Options{Platforms: probe, Images: map[string]string{"web": "reg.example/web:no-such-tag", "db": "registry.cluster.local/db:1"}})
	if r := find(rs, "image web"); r.Level != preflight.Error || !strings.Contains(r.Message, "reg.example/web:no-such-tag is not in its registry (MANIFEST_UNKNOWN: manifest unknown)") {
		t.Errorf("missing tag: %+v", r)
	}
	if r := find(rs, "image db"); r.Check != "" {
		t.Errorf("unreachable registry: %+v", r)
	}

	// An IngressClass: ingress is ok; a className the cluster lacks is an error.
	ic := &networkingv1.IngressClass{ObjectMeta: metav1.ObjectMeta{Name: "nginx"}, Spec: networkingv1.IngressClassSpec{Controller: "k8s.io/ingress-nginx"}}
	if _, err := kc.Clientset.NetworkingV1().IngressClasses().Create(ctx, ic, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = kc.Clientset.NetworkingV1().IngressClasses().Delete(context.Background(), "nginx", metav1.DeleteOptions{})
	})
	rs = preflight.Run(ctx, kc, p, ns, preflight.Options{})
	if r := find(rs, "ingress"); r.Level != preflight.OK {
		t.Errorf("with an IngressClass: %+v", r)
	}
	p2 := project(t, strings.Replace(app, "{host: shop.example.org}", "{host: shop.example.org, className: traefik}", 1))
	if r := find(preflight.Run(ctx, kc, p2, ns, preflight.Options{}), "ingress"); r.Level != preflight.Warning || !strings.Contains(r.Message, "no IngressClass traefik (the cluster has: nginx)") {
		t.Errorf("unknown class: %+v", r)
	}

	// No default StorageClass: volumes without storageClass are an error.
	scs, err := kc.Clientset.StorageV1().StorageClasses().List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var defaults []storagev1.StorageClass
	for _, sc := range scs.Items {
		if sc.Annotations["storageclass.kubernetes.io/is-default-class"] == "true" {
			defaults = append(defaults, sc)
		}
	}
	setDefault := func(v string) {
		for _, sc := range defaults {
			patch := []byte(`{"metadata":{"annotations":{"storageclass.kubernetes.io/is-default-class":"` + v + `"}}}`)
			if _, err := kc.Clientset.StorageV1().StorageClasses().Patch(context.Background(), sc.Name, "application/merge-patch+json", patch, metav1.PatchOptions{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	setDefault("false")
	t.Cleanup(func() { setDefault("true") })
	r := find(preflight.Run(ctx, kc, p, ns, preflight.Options{}), "storage")
	if r.Level != preflight.Error || !strings.Contains(r.Message, "db/data name no storageClass and the cluster has no default StorageClass") || !strings.Contains(r.Fix, "storageClass:") {
		t.Errorf("no default class: %+v", r)
	}
}

// TestPermissions asks as a user with no role: every verb is denied and
// the result names them.
func TestPermissions(t *testing.T) {
	t.Parallel()
	kc, ns := client(t, "nobody@example.org")
	rs := preflight.Run(t.Context(), kc, project(t, app), ns, preflight.Options{})
	r := find(rs, "permissions")
	if r.Level != preflight.Error || !strings.Contains(r.Message, "create deployments.apps") || !strings.Contains(r.Message, "patch statefulsets.apps") || !strings.Contains(r.Fix, "kubectl auth can-i --list -n "+ns) {
		t.Errorf("permissions: %+v", r)
	}
}

// TestMinikubeHints: minikube's missing load balancer is a warning with
// the tunnel hint, and a missing ingress controller is expected there
// (berth up enables the addon).
func TestMinikubeHints(t *testing.T) {
	t.Parallel()
	kc, ns := client(t, "")
	p := project(t, strings.Replace(app, "    ports: [{port: 80}]\n", "    ports: [{port: 80}]\n    expose: LoadBalancer\n", 1))
	rs := preflight.Run(t.Context(), kc, p, ns, preflight.Options{Target: config.TargetMinikube})
	if r := find(rs, "load balancers"); r.Level != preflight.Warning || !strings.Contains(r.Fix, "minikube tunnel") {
		t.Errorf("load balancers: %+v", r)
	}
}

// TestPrivateImages: a private image of a service without imagePullSecrets
// is a warning; with a Secret, or from an integrated registry, it is not.
func TestPrivateImages(t *testing.T) {
	t.Parallel()
	kc, ns := client(t, "")
	p := project(t, `apiVersion: berth/v1
name: shop
services:
  web: {image: registry.example.com/team/web:1}
  api: {image: registry.example.com/team/api:1, imagePullSecrets: [regcred]}
  public: {image: nginx:1.27}
  do: {image: registry.digitalocean.com/shop/do:1}
`)
	private := func(_ context.Context, image string) (bool, error) { return strings.HasPrefix(image, "registry."), nil }
	integrated := func(image string) bool { return strings.HasPrefix(image, "registry.digitalocean.com/") }
	rs := preflight.Run(t.Context(), kc, p, ns, preflight.Options{Private: private, Integrated: integrated,
		Images: map[string]string{"web": p.Services["web"].Image, "api": p.Services["api"].Image, "public": "nginx:1.27", "do": p.Services["do"].Image}})
	if r := find(rs, "pull web"); r.Level != preflight.Warning || !strings.Contains(r.Message, "web has no imagePullSecrets") {
		t.Errorf("pull web: %+v", r)
	}
	for _, svc := range []string{"api", "public", "do"} {
		if r := find(rs, "pull "+svc); r.Check != "" {
			t.Errorf("%s: %+v", svc, r)
		}
	}
}

// TestRegistryPing reports a registry that does not answer as a warning.
func TestRegistryPing(t *testing.T) {
	t.Parallel()
	kc, ns := client(t, "")
	p := project(t, app)
	down := func(context.Context, string) error { return errors.New("connection refused") }
	if r := find(preflight.Run(t.Context(), kc, p, ns, preflight.Options{Registry: "registry.example.com/team", Ping: down}), "registry"); r.Level != preflight.Warning || !strings.Contains(r.Message, "registry registry.example.com does not answer from here: connection refused") {
		t.Errorf("down: %+v", r)
	}
	up := func(context.Context, string) error { return nil }
	if r := find(preflight.Run(t.Context(), kc, p, ns, preflight.Options{Registry: "registry.example.com/team", Ping: up}), "registry"); r.Level != preflight.OK {
		t.Errorf("up: %+v", r)
	}
}
