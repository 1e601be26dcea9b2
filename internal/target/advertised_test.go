package target

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/crane"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/berth-dev/berth/internal/build"
	"github.com/berth-dev/berth/internal/registry"
	"github.com/berth-dev/berth/internal/testutil"
)

// TestUseAdvertised: with no registry in berth.yaml, berth up on a
// cluster that advertises one (a client-go fake: the ConfigMap is the
// seam) pushes to its host, an in-process registry, and names the images
// on hostFromContainerRuntime; a registry berth.yaml names wins.
func TestUseAdvertised(t *testing.T) {
	t.Parallel()
	host := testutil.Registry(t)
	hosting := "host: " + host + "\nhostFromContainerRuntime: registry.local:5000\nhelp: https://example.org/registry\n"
	cs := fake.NewClientset(&corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: registry.HostingNamespace, Name: registry.HostingName},
		Data:       map[string]string{registry.HostingKey: hosting},
	})
	for _, explicit := range []bool{false, true} {
		p := shipProject(t)
		if !explicit {
			p.Registry = ""
		}
		k, err := New(p, Options{})
		if err != nil {
			t.Fatal(err)
		}
		prepared, err := k.Prepare(t.Context(), p)
		if err != nil {
			t.Fatal(err)
		}
		var log bytes.Buffer
		prepared.UseAdvertised(registry.Discovery{ConfigMaps: cs.CoreV1()}.Lookup(t.Context(), prepared.Project.Registry, &log, nil))
		s := &Shipper{Publisher: prepared.Publisher, Builder: func() (build.Builder, error) { return localBuilder(), nil }}
		q, images, err := s.Ship(t.Context(), prepared.Project)
		if err != nil {
			t.Fatal(err)
		}
		if explicit {
			if log.Len() != 0 || !strings.HasPrefix(images["web"], p.Registry+"/shop-web:") || q.Registry != p.Registry {
				t.Errorf("explicit registry: log %q, images %v", log.String(), images)
			}
			continue
		}
		want := "registry: using " + host + ", advertised by the cluster (kube-public/local-registry-hosting); the nodes pull from registry.local:5000\n"
		if d := cmp.Diff(want, log.String()); d != "" {
			t.Errorf("log (-want +got)\n%s", d)
		}
		if q.Registry != host || p.Registry != "" {
			t.Errorf("deployed project's registry %q, berth.yaml's now %q", q.Registry, p.Registry)
		}
		for _, svc := range []string{"web", "worker"} {
			ref, ok := strings.CutPrefix(images[svc], "registry.local:5000/shop-"+svc+":")
			if !ok || !strings.Contains(ref, "@sha256:") {
				t.Fatalf("%s image %s", svc, images[svc])
			}
			if _, err := crane.Digest(host + "/shop-" + svc + ":" + ref); err != nil {
				t.Errorf("%s is not in the advertised registry: %v", svc, err)
			}
		}
	}
}

// TestUseAdvertisedMinikube: a minikube profile whose cluster advertises a
// registry pushes there instead of loading the images; with
// --registry-addon (berth.yaml's registry set by the target) or a
// registry in berth.yaml nothing changes.
func TestUseAdvertisedMinikube(t *testing.T) {
	t.Parallel()
	a := &registry.Advertisement{Hosting: registry.Hosting{Host: "127.0.0.1:5000", HostFromContainerRuntime: "localhost:5000"}, Source: "kube-public/local-registry-hosting"}
	for _, reg := range []string{"", "192.168.49.2:5000"} {
		p := shipProject(t)
		p.Registry = reg
		loader := &imageLoader{}
		prepared := &Prepared{Project: p, Publisher: loader}
		prepared.UseAdvertised(a)
		pub, pushes := prepared.Publisher.(*registryPublisher)
		if pushes != (reg == "") || (reg != "" && prepared.Publisher != loader) {
			t.Errorf("registry %q: publisher %T", reg, prepared.Publisher)
		}
		if reg == "" && (pub.pushedAs != "127.0.0.1:5000" || pub.pulledAs != "localhost:5000" || prepared.Project.Registry != "127.0.0.1:5000" || p.Registry != "") {
			t.Errorf("publisher %+v, project registry %q", pub, prepared.Project.Registry)
		}
	}
	prepared := &Prepared{Project: shipProject(t), Publisher: &imageLoader{}}
	prepared.UseAdvertised(nil)
	if _, ok := prepared.Publisher.(*imageLoader); !ok {
		t.Errorf("no advertisement changed the publisher to %T", prepared.Publisher)
	}
}
