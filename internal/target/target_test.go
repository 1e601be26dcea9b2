package target

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/random"
	corev1 "k8s.io/api/core/v1"

	"github.com/berth-dev/berth/internal/build"
	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/kube"
	"github.com/berth-dev/berth/internal/registry"
	"github.com/berth-dev/berth/internal/testutil"
)

// project is a small berth.yaml: a built service with a volume and an
// ingress, and a prebuilt one.
func project(t *config.Target) *config.Project {
	return &config.Project{
		Name: "shop", Registry: "localhost:5000/team", Target: t,
		Services: map[string]*config.Service{
			"web": {Build: &config.Build{}, Ingress: &config.Ingress{Host: "shop.example.org"}, Volumes: []config.Volume{{Name: "data", MountPath: "/data", Size: "1Gi"}}},
			"db":  {Image: "postgres:16"},
		},
	}
}

func TestNewChoosesByKind(t *testing.T) {
	found := func(string) (string, error) { return "/usr/bin/minikube", nil }
	missing := func(string) (string, error) { return "", exec.ErrNotFound }
	for _, tc := range []struct {
		name     string
		target   *config.Target
		lookPath func(string) (string, error)
		env      map[string]string
		want     string // the Target's type, or the error
		planner  bool
	}{
		{name: "none is kube", want: "*target.kubeContext"},
		{name: "kube", target: &config.Target{Kind: config.TargetKube}, want: "*target.kubeContext"},
		{name: "minikube", target: &config.Target{Kind: config.TargetMinikube, Minikube: &config.MinikubeTarget{Profile: "dev"}}, lookPath: found, want: "*target.minikubeProfile"},
		{name: "minikube without settings", target: &config.Target{Kind: config.TargetMinikube}, lookPath: found, want: "*target.minikubeProfile"},
		{name: "minikube not installed", target: &config.Target{Kind: config.TargetMinikube}, lookPath: missing, want: "error: minikube is not on PATH"},
		{name: "digitalocean", target: &config.Target{Kind: config.TargetDigitalOcean, DigitalOcean: &config.DigitalOceanTarget{Region: "nyc1"}}, env: map[string]string{"DIGITALOCEAN_ACCESS_TOKEN": "tok"}, want: "*target.doks", planner: true},
		{name: "digitalocean without token", target: &config.Target{Kind: config.TargetDigitalOcean}, want: "error: no DigitalOcean API token"},
		{name: "unknown", target: &config.Target{Kind: "kind"}, want: `error: unknown target "kind"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := func(k string) string { return tc.env[k] }
			got, err := New(project(tc.target), Options{LookPath: tc.lookPath, Getenv: env, Home: t.TempDir()})
			desc := fmt.Sprintf("%T", got)
			if err != nil {
				desc = "error: " + err.Error()
			}
			if desc != tc.want {
				t.Errorf("New: %s, want %s", desc, tc.want)
			}
			if _, ok := got.(Planner); ok != tc.planner {
				t.Errorf("planner %v, want %v", ok, tc.planner)
			}
		})
	}
	mk, _ := New(project(&config.Target{Kind: config.TargetMinikube, Minikube: &config.MinikubeTarget{Profile: "dev"}}), Options{LookPath: found})
	if p := mk.(*minikubeProfile).mk.Profile; p != "dev" {
		t.Errorf("profile %q", p)
	}
}

// TestKubePrepare: the current kube context prepares nothing; the project
// it returns is a copy, and its publisher pushes with the registry access
// given.
func TestKubePrepare(t *testing.T) {
	t.Parallel()
	p := project(nil)
	access := registry.Access{Insecure: []string{"reg.local"}}
	k, err := New(p, Options{Registry: access})
	if err != nil {
		t.Fatal(err)
	}
	got, err := k.Prepare(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	if got.Project == p || !cmp.Equal(got.Project, p) {
		t.Errorf("project: want an equal copy, got %p (given %p)", got.Project, p)
	}
	if got.Access != (Access{}) || !cmp.Equal(got.Registry.Insecure, access.Insecure) {
		t.Errorf("access %+v, registry %+v", got.Access, got.Registry)
	}
	b, push := got.Publisher.Builder(build.Builder{Epoch: time.Unix(1, 0)})
	if !push || b.Remote == nil || !b.Epoch.Equal(time.Unix(1, 0)) || b.InCluster != nil {
		t.Errorf("builder %+v push %v", b, push)
	}
	if s := got.Publisher.Summary([]string{"api", "web"}); s != "build and push api, web" {
		t.Errorf("summary %q", s)
	}
	q, images, err := got.Publisher.Publish(t.Context(), got.Project, []build.Result{{Service: "web", Image: "localhost:5000/team/shop-web:abc@sha256:1"}})
	if err != nil || q != got.Project || !cmp.Equal(images, map[string]string{"web": "localhost:5000/team/shop-web:abc@sha256:1"}) {
		t.Errorf("publish: %v %v", images, err)
	}
}

func TestKubeDown(t *testing.T) {
	t.Parallel()
	k, _ := New(project(nil), Options{})
	var got []Access
	remove := func(_ context.Context, a Access, confirmed bool) error {
		if confirmed {
			t.Error("confirmed without a question")
		}
		got = append(got, a)
		return nil
	}
	if err := k.Down(t.Context(), project(nil), DownOptions{Cluster: true, RemoveApp: remove}); !errors.Is(err, ErrKeepsCluster) || len(got) != 0 {
		t.Errorf("--cluster: %v, removed %d times", err, len(got))
	}
	if err := k.Down(t.Context(), project(nil), DownOptions{RemoveApp: remove}); err != nil || len(got) != 1 || got[0] != (Access{}) {
		t.Errorf("down: %v %+v", err, got)
	}
}

// newMinikubeTarget is the minikube target over the stand-in script
// (fakeMinikube), profile dev.
func newMinikubeTarget(t *testing.T, state string, o Options) (Target, string) {
	t.Helper()
	mk, dir := fakeMinikube(t, state)
	o.LookPath = func(string) (string, error) { return mk.Bin, nil }
	tg, err := New(project(&config.Target{Kind: config.TargetMinikube, Minikube: &config.MinikubeTarget{Profile: "dev"}}), o)
	if err != nil {
		t.Fatal(err)
	}
	return tg, dir
}

// TestMinikubePrepareAsks: the ingress addon a service with ingress:
// needs is asked for; no answers no; nobody to ask is an error.
func TestMinikubePrepareAsks(t *testing.T) { // not parallel: the stand-in reads its folder from the environment
	var log bytes.Buffer
	var asked []string
	no := func(q string) (bool, error) { asked = append(asked, q); return false, nil }
	mk, dir := newMinikubeTarget(t, "Running", Options{Log: &log, Confirm: no})
	p := project(nil)
	got, err := mk.Prepare(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	if len(asked) != 1 || !strings.Contains(asked[0], "minikube addons enable ingress -p dev") || !strings.Contains(log.String(), "the ingress addon stays off") || strings.Contains(calls(t, dir), "addons enable") {
		t.Errorf("asked %q\nlog %s\ncalls %s", asked, log.String(), calls(t, dir))
	}
	if got.Access != (Access{Context: "dev"}) || got.Project == p {
		t.Errorf("access %+v, project %p (given %p)", got.Access, got.Project, p)
	}
	if _, push := got.Publisher.Builder(build.Builder{}); push {
		t.Error("the loader pushes")
	}

	mk, _ = newMinikubeTarget(t, "Running", Options{})
	if _, err := mk.Prepare(t.Context(), p); err == nil || !strings.Contains(err.Error(), "--yes") {
		t.Errorf("nobody to ask: %v", err)
	}
	mk, dir = newMinikubeTarget(t, "Stopped", Options{Yes: true})
	if _, err := mk.Prepare(t.Context(), p); err == nil || !strings.Contains(err.Error(), "is stopped") || strings.Contains(calls(t, dir), "start") {
		t.Errorf("stopped without Start: %v\n%s", err, calls(t, dir))
	}
}

// TestMinikubeRegistryAddon: the project is returned with the addon's
// registry, the loaded project and the options' registry access are
// unchanged, and the images are deployed as localhost:5000.
func TestMinikubeRegistryAddon(t *testing.T) {
	insecure := []string{"reg.local"}
	mk, dir := newMinikubeTarget(t, "Running", Options{Yes: true, RegistryAddon: true, Registry: registry.Access{Insecure: insecure}})
	t.Setenv("FAKE_MINIKUBE_IP", "10.0.0.7")
	p := project(nil)
	got, err := mk.Prepare(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	if got.Project.Registry != "10.0.0.7:5000/team" || p.Registry != "localhost:5000/team" {
		t.Errorf("registry %q, loaded project's %q", got.Project.Registry, p.Registry)
	}
	if !cmp.Equal(got.Registry.Insecure, []string{"reg.local", "10.0.0.7:5000"}) || len(insecure) != 1 {
		t.Errorf("insecure %v (given %v)", got.Registry.Insecure, insecure)
	}
	for _, want := range []string{"addons enable registry -p dev", "addons enable ingress -p dev"} {
		if !strings.Contains(calls(t, dir), want) {
			t.Errorf("calls lack %q:\n%s", want, calls(t, dir))
		}
	}
	_, images, err := got.Publisher.Publish(t.Context(), got.Project, []build.Result{{Service: "web", Image: "10.0.0.7:5000/team/shop-web:abc@sha256:1"}})
	if err != nil || images["web"] != "localhost:5000/team/shop-web:abc@sha256:1" {
		t.Errorf("publish: %v %v", images, err)
	}
}

// TestImageLoaderPublish loads a build from .berth/oci into minikube and
// returns a copy of the project with imagePullPolicy IfNotPresent; the
// project given keeps its pull policy.
func TestImageLoaderPublish(t *testing.T) {
	mk, dir := fakeMinikube(t, "Running")
	p := project(nil)
	p.Registry, p.Dir = "", t.TempDir()
	img, err := random.Image(64, 1)
	if err != nil {
		t.Fatal(err)
	}
	lp, err := layout.Write(filepath.Join(build.StateDirOf(p), "oci"), empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := lp.AppendImage(img); err != nil {
		t.Fatal(err)
	}
	digest, _ := img.Digest()
	var log bytes.Buffer
	l := &imageLoader{mk: mk, log: &log}
	q, images, err := l.Publish(t.Context(), p, []build.Result{{Service: "web", Tag: "abc", Digest: digest.String(), Image: "shop-web:abc@" + digest.String()}})
	if err != nil {
		t.Fatal(err)
	}
	if q == p || q.Services["web"].ImagePullPolicy != "IfNotPresent" || p.Services["web"].ImagePullPolicy != "" || q.Services["db"].ImagePullPolicy != "" {
		t.Errorf("pull policy: copy %q, given %q", q.Services["web"].ImagePullPolicy, p.Services["web"].ImagePullPolicy)
	}
	if images["web"] != "shop-web:abc" || !strings.Contains(calls(t, dir), "image load ") || !strings.Contains(log.String(), "[web] loaded shop-web:abc into minikube") {
		t.Errorf("images %v\ncalls %s\nlog %s", images, calls(t, dir), log.String())
	}
	if left, _ := filepath.Glob(filepath.Join(build.StateDirOf(p), "load-*.tar")); len(left) != 0 {
		t.Errorf("archives left: %v", left)
	}
	// Again: minikube has it.
	log.Reset()
	if _, _, err := l.Publish(t.Context(), p, []build.Result{{Service: "web", Tag: "abc", Digest: digest.String()}}); err != nil || !strings.Contains(log.String(), "[web] minikube has shop-web:abc") {
		t.Errorf("second publish: %v %s", err, log.String())
	}
}

// newDOKSTarget is the DigitalOcean target over testutil.DOAPI.
func newDOKSTarget(t *testing.T, api *testutil.DOAPI, o Options) *doks {
	t.Helper()
	o.Getenv = func(k string) string {
		return map[string]string{"DIGITALOCEAN_ACCESS_TOKEN": "tok", "DIGITALOCEAN_API_URL": api.URL}[k]
	}
	o.Kubeconfig = filepath.Join(t.TempDir(), "config")
	tg, err := New(project(&config.Target{Kind: config.TargetDigitalOcean, DigitalOcean: &config.DigitalOceanTarget{Region: "ams3", Registry: "shop-images"}}), o)
	if err != nil {
		t.Fatal(err)
	}
	d := tg.(*doks)
	d.do.Poll = time.Millisecond
	return d
}

// TestDigitalOceanPrepare: the cluster and registry are created, the
// kube context saved; the project returned has the registry (berth.yaml
// names none), block storage and the ingress controller chart; the
// loaded project is unchanged; pushes use the API token.
func TestDigitalOceanPrepare(t *testing.T) {
	t.Parallel()
	api := testutil.NewDOAPI(t, "tok")
	api.Kubeconfig = []byte(kubeconfigYAML)
	var log bytes.Buffer
	var steps []string
	d := newDOKSTarget(t, api, Options{Log: &log, Step: func(f string, a ...any) { steps = append(steps, fmt.Sprintf(f, a...)) }})
	p := project(nil)
	p.Registry = ""
	got, err := d.Prepare(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	q := got.Project
	if q.Registry != "registry.digitalocean.com/shop-images" || q.Services["web"].Volumes[0].StorageClass != BlockStorageClass || q.Charts["ingress-nginx"] == nil {
		t.Errorf("prepared project: registry %q, volume %+v, charts %v", q.Registry, q.Services["web"].Volumes[0], q.Charts)
	}
	if diff := cmp.Diff(project(nil).Services, p.Services); diff != "" || p.Registry != "" || p.Charts != nil {
		t.Errorf("the loaded project changed (-want +got):\n%s", diff)
	}
	if got.Access != (Access{Kubeconfig: d.o.Kubeconfig, Context: "do-ams3-shop"}) {
		t.Errorf("access %+v", got.Access)
	}
	if tok := got.Registry.Getenv("DIGITALOCEAN_ACCESS_TOKEN"); tok != "tok" {
		t.Errorf("registry token %q", tok)
	}
	if len(steps) != 1 || steps[0] != "DigitalOcean cluster shop in ams3 (token from DIGITALOCEAN_ACCESS_TOKEN)" || strings.Contains(log.String(), "tok\n") {
		t.Errorf("steps %q\nlog %s", steps, log.String())
	}
	if _, err := os.Stat(d.o.Kubeconfig); err != nil {
		t.Errorf("kubeconfig not saved: %v", err)
	}
}

// TestDigitalOceanDown: --cluster without a way to confirm deletes
// nothing; with Yes the app is removed (confirmed) and the cluster deleted.
func TestDigitalOceanDown(t *testing.T) {
	t.Parallel()
	api := testutil.NewDOAPI(t, "tok")
	api.Kubeconfig = []byte(kubeconfigYAML)
	removed := 0
	remove := func(_ context.Context, a Access, confirmed bool) error {
		if a.Context != "do-ams3-shop" || !confirmed {
			t.Errorf("remove with %+v confirmed=%v", a, confirmed)
		}
		removed++
		return nil
	}
	var log bytes.Buffer
	d := newDOKSTarget(t, api, Options{Log: &log})
	if _, _, err := d.do.EnsureCluster(t.Context()); err != nil {
		t.Fatal(err)
	}
	err := d.Down(t.Context(), project(nil), DownOptions{Cluster: true, RemoveApp: remove})
	if err == nil || removed != 0 || deletes(api) != 0 {
		t.Fatalf("unconfirmed: %v, removed %d", err, removed)
	}
	d.o.Yes = true
	if err := d.Down(t.Context(), project(nil), DownOptions{Cluster: true, RemoveApp: remove}); err != nil || removed != 1 || deletes(api) != 1 {
		t.Fatalf("confirmed: %v, removed %d", err, removed)
	}
	if !strings.Contains(log.String(), "destroys cluster shop (ams3) with its nodes, load balancers lb-1") || !strings.Contains(log.String(), "deleted cluster shop") {
		t.Errorf("log:\n%s", log.String())
	}
}

func deletes(api *testutil.DOAPI) int {
	n := 0
	for _, r := range api.Requests() {
		if r.Method == "DELETE" {
			n++
		}
	}
	return n
}

func TestServiceAddresses(t *testing.T) {
	t.Parallel()
	svc := &corev1.Service{Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer, ClusterIP: "10.0.0.1", Ports: []corev1.ServicePort{{Port: 80, NodePort: 30080}}}}
	if got, want := kube.ServiceAddresses(svc), []string{"10.0.0.1:80", "nodePort 30080", "loadBalancer pending"}; !cmp.Equal(got, want) {
		t.Errorf("pending: %q", got)
	}
	svc.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: "203.0.113.10"}}
	if got := kube.ServiceAddresses(svc); got[2] != "loadBalancer 203.0.113.10:80" {
		t.Errorf("assigned: %q", got)
	}
	if got := ingressURL("shop.example.org", ""); got != "http://shop.example.org/" {
		t.Errorf("ingress without address: %q", got)
	}
}
