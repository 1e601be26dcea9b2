package build

import (
	"errors"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/registry"
	"github.com/berth-dev/berth/internal/testutil"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
)

func TestAdvertised(t *testing.T) {
	t.Parallel()
	a := &registry.Advertisement{Hosting: registry.Hosting{Host: "127.0.0.1:5000", HostFromContainerRuntime: "localhost:5000"}, Source: "kube-public/local-registry-hosting"}
	for _, tc := range []struct {
		name     string
		registry string
		a        *registry.Advertisement
		want     string
	}{
		{"advertised", "", a, "127.0.0.1:5000"},
		{"explicit wins", "ghcr.io/me", a, "ghcr.io/me"},
		{"none", "", nil, ""},
		{"help only", "", &registry.Advertisement{Hosting: registry.Hosting{Help: "https://example.org"}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := project(t, map[string]string{"Dockerfile": "FROM scratch\n"})
			p.Registry = tc.registry
			if NeedsRegistry(p) != (tc.registry == "") {
				t.Errorf("NeedsRegistry = %v with registry %q", NeedsRegistry(p), tc.registry)
			}
			got := Advertised(p, tc.a)
			if got.Registry != tc.want || p.Registry != tc.registry {
				t.Errorf("registry %q (given project's now %q), want %q", got.Registry, p.Registry, tc.want)
			}
			if tc.want == "127.0.0.1:5000" {
				if repo := Repository(got, "web"); repo != "127.0.0.1:5000/app-web" {
					t.Errorf("repository %s", repo)
				}
			}
		})
	}
	img := &config.Project{Name: "x", Services: map[string]*config.Service{"db": {Image: "redis:7"}}}
	if NeedsRegistry(img) {
		t.Error("a project that builds nothing needs no registry")
	}
}

// TestBuildWithoutRegistry: building to push with no registry anywhere is
// the error berth always gave, with a hint naming the advertisement.
func TestBuildWithoutRegistry(t *testing.T) {
	t.Parallel()
	p := project(t, map[string]string{"Dockerfile": "FROM scratch\n"})
	p.Registry = ""
	_, err := (&Builder{}).Build(t.Context(), p, Options{Push: true})
	var nr *NoRegistryError
	if !errors.As(err, &nr) || !strings.Contains(err.Error(), "berth.yaml has no registry: to push to; set `registry: HOST/PATH` or build with --push=false") ||
		!strings.Contains(nr.Hint(), "kube-public/local-registry-hosting") {
		t.Fatalf("err = %v", err)
	}
	_, err = (&Builder{}).Push(t.Context(), p, nil)
	if !errors.As(err, &nr) {
		t.Fatalf("push: err = %v", err)
	}
}

// TestBuildAnotherRegistry: a build recorded in one registry is not "up
// to date" once the project pushes to another (an environment's registry,
// or a cluster advertising a new one): berth pushes it there.
func TestBuildAnotherRegistry(t *testing.T) {
	t.Parallel()
	dir := writeTree(t, map[string]string{"Dockerfile": "FROM scratch\nCOPY hello /\n", "hello": "hi"})
	p := &config.Project{Name: "hi", Dir: dir, Services: map[string]*config.Service{"hi": {Build: &config.Build{}}}}
	b, _ := newBuilder()
	var images []string
	for _, host := range []string{testutil.Registry(t), testutil.Registry(t)} {
		p.Registry = host
		res, err := b.Build(t.Context(), p, Options{Push: true})
		if err != nil {
			t.Fatal(err)
		}
		if res[0].UpToDate || !strings.HasPrefix(res[0].Image, host+"/hi:") {
			t.Errorf("build for %s: %+v", host, res[0])
		}
		images = append(images, res[0].Image)
	}
	again, err := b.Build(t.Context(), p, Options{Push: true})
	if err != nil || !again[0].UpToDate || again[0].Image != images[1] {
		t.Errorf("the same registry again: %+v %v", again, err)
	}
}

// TestUseAdvertised looks the advertisement up only for a project that
// needs a registry, and treats no cluster as no advertisement.
func TestUseAdvertised(t *testing.T) {
	t.Parallel()
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: registry.HostingNamespace, Name: registry.HostingName},
		Data:       map[string]string{registry.HostingKey: "host: \"127.0.0.1:5000\"\n"},
	}
	cluster := func() (typedcorev1.ConfigMapsGetter, error) { return fake.NewClientset(cm).CoreV1(), nil }
	noCluster := func() (typedcorev1.ConfigMapsGetter, error) { return nil, errors.New("no kubeconfig") }

	p := project(t, map[string]string{"Dockerfile": "FROM scratch\n"})
	p.Registry = ""
	var log strings.Builder
	got, a := UseAdvertised(t.Context(), p, registry.Discovery{}, cluster, &log, nil)
	if a == nil || got.Registry != "127.0.0.1:5000" || !strings.Contains(log.String(), "registry: using 127.0.0.1:5000") {
		t.Errorf("advertised: registry %q, %+v, log %q", got.Registry, a, log.String())
	}

	var debug strings.Builder
	got, a = UseAdvertised(t.Context(), p, registry.Discovery{}, noCluster, nil, &debug)
	if a != nil || got != p || !strings.Contains(debug.String(), "no cluster to ask for an advertised registry: no kubeconfig") {
		t.Errorf("no cluster: %v, %+v, debug %q", got.Registry, a, debug.String())
	}

	p.Registry = "ghcr.io/me"
	asked := false
	if got, a = UseAdvertised(t.Context(), p, registry.Discovery{}, func() (typedcorev1.ConfigMapsGetter, error) { asked = true; return cluster() }, nil, nil); asked || a != nil || got != p {
		t.Errorf("a project with a registry asked the cluster (%v) or changed", asked)
	}
}
