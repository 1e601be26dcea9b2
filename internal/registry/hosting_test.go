package registry_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/berth-dev/berth/internal/registry"
)

// TestParseHosting reads the KEP-1755 examples and what kind and k3d
// write, and refuses values that are not the format.
func TestParseHosting(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, data string
		want       registry.Hosting
		err        string
	}{
		{name: "kep example", data: `host: "localhost:5000"
hostFromContainerRuntime: "registry:5000"
hostFromClusterNetwork: "registry.kube-system.svc.cluster.local:5000"
help: "https://kind.sigs.k8s.io/docs/user/local-registry/"
`, want: registry.Hosting{Host: "localhost:5000", HostFromContainerRuntime: "registry:5000",
			HostFromClusterNetwork: "registry.kube-system.svc.cluster.local:5000", Help: "https://kind.sigs.k8s.io/docs/user/local-registry/"}},
		{name: "kind", data: "host: \"localhost:5001\"\nhelp: \"https://kind.sigs.k8s.io/docs/user/local-registry/\"\n",
			want: registry.Hosting{Host: "localhost:5001", Help: "https://kind.sigs.k8s.io/docs/user/local-registry/"}},
		{name: "k3d", data: "host: localhost:41234\nhostFromContainerRuntime: k3d-reg:5000\nhostFromClusterNetwork: k3d-reg:5000\nhelp: https://k3d.io/stable/usage/registries/#using-a-local-registry\n",
			want: registry.Hosting{Host: "localhost:41234", HostFromContainerRuntime: "k3d-reg:5000", HostFromClusterNetwork: "k3d-reg:5000", Help: "https://k3d.io/stable/usage/registries/#using-a-local-registry"}},
		{name: "issue", data: `{host: "127.0.0.1:5000"}`, want: registry.Hosting{Host: "127.0.0.1:5000"}},
		{name: "unknown fields ignored", data: "host: 127.0.0.1:5000\nhostFromFuture: x\n", want: registry.Hosting{Host: "127.0.0.1:5000"}},
		{name: "help only: no registry yet", data: "help: https://example.org/registry\n", want: registry.Hosting{Help: "https://example.org/registry"}},
		{name: "empty", data: " \n", err: "the value is empty"},
		{name: "nothing set", data: "{}", err: "neither host nor help is set"},
		{name: "list", data: "- host: localhost:5000\n", err: "not the KEP-1755 format"},
		{name: "not yaml", data: "host: \"localhost:5000\n", err: "not the KEP-1755 format"},
		{name: "host not a string", data: "host: [localhost:5000]\n", err: "not the KEP-1755 format"},
		{name: "scheme", data: "host: http://localhost:5000\n", err: `host "http://localhost:5000" is not a registry HOST[:PORT]`},
		{name: "path", data: "host: localhost:5000/team\n", err: `host "localhost:5000/team" is not a registry HOST[:PORT]`},
		{name: "bad runtime host", data: "host: localhost:5000\nhostFromContainerRuntime: 'reg istry:5000'\n", err: "hostFromContainerRuntime"},
		{name: "runtime host without host", data: "hostFromContainerRuntime: registry:5000\nhelp: https://example.org\n", err: "host is not"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := registry.ParseHosting(tc.data)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("(-want +got)\n%s", d)
			}
		})
	}
}

func TestHostingPullRef(t *testing.T) {
	t.Parallel()
	h := registry.Hosting{Host: "localhost:5000", HostFromContainerRuntime: "registry:5000"}
	for ref, want := range map[string]string{
		"localhost:5000/shop-web:abc@sha256:00": "registry:5000/shop-web:abc@sha256:00",
		"localhost:50001/shop-web:abc":          "localhost:50001/shop-web:abc",
		"redis:7":                               "redis:7",
	} {
		if got := h.PullRef(ref); got != want {
			t.Errorf("PullRef(%q) = %q, want %q", ref, got, want)
		}
	}
	if got := (registry.Hosting{Host: "localhost:5000"}).PullRef("localhost:5000/a:1"); got != "localhost:5000/a:1" {
		t.Errorf("without hostFromContainerRuntime: %q", got)
	}
}

func configMap(ns, name string, data map[string]string) *corev1.ConfigMap {
	return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Data: data}
}

// TestDiscoveryRead reads the ConfigMap through a clientset: found, not
// there, forbidden, unusable, and elsewhere than kube-public.
func TestDiscoveryRead(t *testing.T) {
	t.Parallel()
	good := map[string]string{registry.HostingKey: "host: 127.0.0.1:5000\nhostFromContainerRuntime: localhost:5000\n"}
	for _, tc := range []struct {
		name       string
		objects    []runtime.Object
		forbid     bool
		ns, cmName string
		want       *registry.Advertisement
		notAdv     bool
		err        string
	}{
		{name: "advertised", objects: []runtime.Object{configMap("kube-public", "local-registry-hosting", good)},
			want: &registry.Advertisement{Hosting: registry.Hosting{Host: "127.0.0.1:5000", HostFromContainerRuntime: "localhost:5000"}, Source: "kube-public/local-registry-hosting"}},
		{name: "none", notAdv: true, err: "no ConfigMap kube-public/local-registry-hosting"},
		{name: "forbidden", forbid: true, notAdv: true, err: "cannot read ConfigMap kube-public/local-registry-hosting"},
		{name: "key missing", objects: []runtime.Object{configMap("kube-public", "local-registry-hosting", map[string]string{"localRegistryHosting.v2": "x"})},
			err: "ConfigMap kube-public/local-registry-hosting, key localRegistryHosting.v1: the key is missing"},
		{name: "malformed", objects: []runtime.Object{configMap("kube-public", "local-registry-hosting", map[string]string{registry.HostingKey: "host: http://x:1"})},
			err: `ConfigMap kube-public/local-registry-hosting, key localRegistryHosting.v1: host "http://x:1" is not a registry HOST[:PORT]`},
		{name: "elsewhere", ns: "test-ns", cmName: "hosting", objects: []runtime.Object{configMap("test-ns", "hosting", good)},
			want: &registry.Advertisement{Hosting: registry.Hosting{Host: "127.0.0.1:5000", HostFromContainerRuntime: "localhost:5000"}, Source: "test-ns/hosting"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cs := fake.NewClientset(tc.objects...)
			if tc.forbid {
				cs.PrependReactor("get", "configmaps", func(k8stesting.Action) (bool, runtime.Object, error) {
					return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: "configmaps"}, "local-registry-hosting", errors.New("RBAC"))
				})
			}
			got, err := registry.Discovery{ConfigMaps: cs.CoreV1(), Namespace: tc.ns, Name: tc.cmName}.Read(t.Context())
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || errors.Is(err, registry.ErrNotAdvertised) != tc.notAdv {
					t.Fatalf("err = %v, want %q (not advertised: %v)", err, tc.err, tc.notAdv)
				}
				var he *registry.HostingError
				if !tc.notAdv && !errors.As(err, &he) {
					t.Errorf("err %T is not a *HostingError", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("(-want +got)\n%s", d)
			}
		})
	}
}

// TestDiscoveryLookup: what berth says, and returns, for each kind of
// advertisement; an explicit registry never asks the cluster.
func TestDiscoveryLookup(t *testing.T) {
	t.Parallel()
	src := []string{"kube-public", "local-registry-hosting"}
	for _, tc := range []struct {
		name, configured string
		data             map[string]string // nil: no ConfigMap
		forbid, away     bool
		wantHost         string
		log, debug       string
	}{
		{name: "advertised", data: map[string]string{registry.HostingKey: "host: 127.0.0.1:5000"}, wantHost: "127.0.0.1:5000",
			log: "registry: using 127.0.0.1:5000, advertised by the cluster (kube-public/local-registry-hosting)\n"},
		{name: "pulled elsewhere", data: map[string]string{registry.HostingKey: "host: localhost:5001\nhostFromContainerRuntime: kind-registry:5000"}, wantHost: "localhost:5001",
			log: "registry: using localhost:5001, advertised by the cluster (kube-public/local-registry-hosting); the nodes pull from kind-registry:5000\n"},
		{name: "explicit wins", configured: "ghcr.io/me", data: map[string]string{registry.HostingKey: "host: 127.0.0.1:5000"}},
		{name: "none", debug: "registry: the cluster advertises no local registry: no ConfigMap kube-public/local-registry-hosting\n"},
		{name: "forbidden", forbid: true, debug: "registry: the cluster advertises no local registry: cannot read ConfigMap kube-public/local-registry-hosting: configmaps \"local-registry-hosting\" is forbidden: RBAC\n"},
		{name: "cluster away", away: true, debug: "registry: reading ConfigMap kube-public/local-registry-hosting: dial tcp 127.0.0.1:1: connection refused\n"},
		{name: "malformed", data: map[string]string{registry.HostingKey: "host: [1]"},
			log: "warning: ignoring the cluster's registry advertisement: ConfigMap kube-public/local-registry-hosting, key localRegistryHosting.v1: not the KEP-1755 format"},
		{name: "help only", data: map[string]string{registry.HostingKey: "help: https://example.org/reg"},
			log: "registry: the cluster advertises no registry host yet (kube-public/local-registry-hosting); to set one up see https://example.org/reg\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cs := fake.NewClientset()
			if tc.data != nil {
				cs = fake.NewClientset(configMap(src[0], src[1], tc.data))
			}
			if tc.forbid {
				cs.PrependReactor("get", "configmaps", func(k8stesting.Action) (bool, runtime.Object, error) {
					return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: "configmaps"}, "local-registry-hosting", errors.New("RBAC"))
				})
			}
			if tc.away {
				cs.PrependReactor("get", "configmaps", func(k8stesting.Action) (bool, runtime.Object, error) {
					return true, nil, errors.New("dial tcp 127.0.0.1:1: connection refused")
				})
			}
			var log, debug bytes.Buffer
			a := registry.Discovery{ConfigMaps: cs.CoreV1()}.Lookup(t.Context(), tc.configured, &log, &debug)
			host := ""
			if a != nil {
				host = a.Host
			}
			if host != tc.wantHost || !strings.HasPrefix(log.String(), tc.log) || (tc.log == "") != (log.Len() == 0) || debug.String() != tc.debug {
				t.Errorf("host %q, log %q, debug %q", host, log.String(), debug.String())
			}
			if tc.configured != "" && len(cs.Actions()) > 0 {
				t.Errorf("an explicit registry asked the cluster: %v", cs.Actions())
			}
		})
	}
}

func TestAdvertisementPullRefs(t *testing.T) {
	t.Parallel()
	images := map[string]string{"web": "127.0.0.1:5000/shop-web:1@sha256:00", "db": "redis:7"}
	var none *registry.Advertisement
	if d := cmp.Diff(images, none.PullRefs(images)); d != "" {
		t.Errorf("nil advertisement changed images (-want +got)\n%s", d)
	}
	a := &registry.Advertisement{Hosting: registry.Hosting{Host: "127.0.0.1:5000", HostFromContainerRuntime: "localhost:5000"}}
	want := map[string]string{"web": "localhost:5000/shop-web:1@sha256:00", "db": "redis:7"}
	if d := cmp.Diff(want, a.PullRefs(images)); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
}
