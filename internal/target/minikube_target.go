package target

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"k8s.io/client-go/kubernetes"

	"github.com/berth-dev/berth/internal/build"
	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/registry"
)

// minikubeProfile is a minikube profile's cluster: checked (started only
// with Options.Start), reached through the profile's kube context. Built
// images are loaded into the cluster's runtime without a registry, or
// with Options.RegistryAddon pushed to minikube's registry addon. The
// ingress addon is enabled (after asking) when a service has ingress:.
type minikubeProfile struct {
	mk *Minikube
	o  Options
}

var _ Target = (*minikubeProfile)(nil)

func newMinikube(spec *config.MinikubeTarget, o Options) (*minikubeProfile, error) {
	profile := ""
	if spec != nil {
		profile = spec.Profile
	}
	mk, err := FindMinikube(profile, o.LookPath, o.Log)
	if err != nil {
		return nil, err
	}
	return &minikubeProfile{mk: mk, o: o}, nil
}

// Prepare checks (or starts) the profile, sets up the registry addon when
// asked for, and enables the ingress addon a service with ingress: needs.
func (m *minikubeProfile) Prepare(ctx context.Context, p *config.Project) (*Prepared, error) {
	m.o.Step("minikube profile %s", m.mk.Profile)
	if err := m.mk.Ensure(ctx, m.o.Start); err != nil {
		return nil, err
	}
	out := &Prepared{
		Project:   p.Clone(),
		Access:    Access{Context: m.mk.Context()},
		Registry:  m.o.Registry,
		Publisher: &imageLoader{mk: m.mk, access: m.o.Registry, log: m.o.Log},
	}
	if m.o.RegistryAddon {
		if err := m.registryAddon(ctx, out); err != nil {
			return nil, err
		}
	}
	if err := m.ingressAddon(ctx, p); err != nil {
		return nil, err
	}
	return out, nil
}

// registryAddon enables minikube's registry addon (after asking) and
// pushes there: the registry answers on the node's port 5000, and every
// node reaches it as localhost:5000.
func (m *minikubeProfile) registryAddon(ctx context.Context, out *Prepared) error {
	addons, err := m.mk.Addons(ctx)
	if err != nil {
		return err
	}
	if !addons["registry"] {
		ok, err := m.o.confirm(fmt.Sprintf("Enable minikube's registry addon (minikube addons enable registry -p %s)?", m.mk.Profile))
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("--registry-addon needs the registry addon")
		}
		m.o.Step("enable the minikube registry addon")
		if err := m.mk.EnableAddon(ctx, "registry"); err != nil {
			return err
		}
	}
	ip, err := m.mk.IP(ctx)
	if err != nil {
		return err
	}
	host := ip + ":5000"
	// Keep berth.yaml's repository path, on the addon's host.
	path := ""
	if _, rest, ok := strings.Cut(out.Project.Registry, "/"); ok {
		path = "/" + rest
	}
	out.Project.Registry = host + path
	out.Registry.Insecure = append(slices.Clone(out.Registry.Insecure), host)
	out.Publisher = &registryPublisher{access: out.Registry, pushedAs: host, pulledAs: "localhost:5000"}
	return nil
}

// ingressAddon enables minikube's ingress addon when a service has an
// ingress, after asking.
func (m *minikubeProfile) ingressAddon(ctx context.Context, p *config.Project) error {
	needed := false
	for _, s := range p.Services {
		needed = needed || s.Ingress != nil
	}
	if !needed {
		return nil
	}
	addons, err := m.mk.Addons(ctx)
	if err != nil {
		return err
	}
	if addons["ingress"] {
		return nil
	}
	ok, err := m.o.confirm(fmt.Sprintf("A service has ingress:, and minikube's ingress addon is off. Enable it (minikube addons enable ingress -p %s)?", m.mk.Profile))
	if err != nil {
		return err
	}
	if !ok {
		fmt.Fprintf(m.o.Log, "note: the ingress addon stays off; the Ingress will have no controller\n")
		return nil
	}
	m.o.Step("enable the minikube ingress addon")
	return m.mk.EnableAddon(ctx, "ingress")
}

// Endpoints are minikube's URLs of NodePort and LoadBalancer services and
// the ingress hosts, at the node's address.
func (m *minikubeProfile) Endpoints(ctx context.Context, p *config.Project, _ kubernetes.Interface, ns string) ([]Endpoint, error) {
	var out []Endpoint
	var ip string
	for _, name := range slices.Sorted(maps.Keys(p.Services)) {
		s := p.Services[name]
		var where []string
		if s.Expose == config.ExposeNodePort || s.Expose == config.ExposeLoadBalancer {
			uctx, cancel := context.WithTimeout(ctx, 15*time.Second)
			urls, err := m.mk.ServiceURLs(uctx, ns, name)
			cancel()
			if err != nil {
				fmt.Fprintf(m.o.Log, "warning: minikube service %s --url: %v\n", name, err)
			}
			where = append(where, urls...)
			if s.Expose == config.ExposeLoadBalancer {
				fmt.Fprintf(m.o.Log, "note: %s is a LoadBalancer: run minikube tunnel -p %s for its external IP\n", name, m.mk.Profile)
			}
		}
		if s.Ingress != nil && s.Ingress.Host != "" {
			if ip == "" {
				ip, _ = m.mk.IP(ctx)
			}
			where = append(where, ingressURL(s.Ingress.Host, ip))
		}
		if len(where) > 0 {
			out = append(out, Endpoint{Service: name, Where: where})
		}
	}
	return out, nil
}

// Down removes the app from the profile's cluster, which keeps running
// (minikube stop or delete does that).
func (m *minikubeProfile) Down(ctx context.Context, _ *config.Project, o DownOptions) error {
	if o.Cluster {
		return ErrKeepsCluster
	}
	if err := m.mk.Ensure(ctx, false); err != nil {
		return err
	}
	return o.RemoveApp(ctx, Access{Context: m.mk.Context()}, false)
}

// imageLoader builds images without pushing them (or inside the cluster,
// when nothing here can build a Dockerfile) and loads them into the
// cluster's runtime: they are deployed by content tag with
// imagePullPolicy IfNotPresent, as an image loaded into a node has no
// registry digest to pin.
type imageLoader struct {
	mk     *Minikube
	access registry.Access
	log    io.Writer
}

var _ Publisher = (*imageLoader)(nil)

func (l *imageLoader) Builder(b build.Builder) (*build.Builder, bool) {
	access := l.access
	b.Remote = &access // base images
	b.InCluster = func(ctx context.Context, in *build.Inputs, ref string) error {
		dockerfile, err := filepath.Rel(in.Context.Dir, in.Dockerfile)
		if err != nil {
			return err
		}
		return l.mk.BuildImage(ctx, ref, dockerfile, in.Context.Dir, in.Build.Args, in.Build.Target)
	}
	return &b, false
}

func (l *imageLoader) Summary(services []string) string {
	return "build " + strings.Join(services, ", ") + " and load into minikube"
}

// Publish loads each built image into minikube, unless its runtime has it.
func (l *imageLoader) Publish(ctx context.Context, p *config.Project, results []build.Result) (*config.Project, map[string]string, error) {
	have, err := l.mk.Images(ctx)
	if err != nil {
		return nil, nil, err
	}
	q := p.Clone()
	state := build.StateDirOf(q)
	images := map[string]string{}
	for _, r := range results {
		tagged := build.Repository(q, r.Service) + ":" + r.Tag
		images[r.Service] = tagged
		if s := q.Services[r.Service]; s.ImagePullPolicy == "" {
			s.ImagePullPolicy = "IfNotPresent"
		}
		if have[tagged] || r.Builder == build.BuilderMinikube {
			fmt.Fprintf(l.log, "[%s] minikube has %s\n", r.Service, tagged)
			continue
		}
		archive, err := exportArchive(state, tagged, r.Digest)
		if err != nil {
			return nil, nil, err
		}
		err = l.mk.LoadImage(ctx, archive)
		os.Remove(archive)
		if err != nil {
			return nil, nil, err
		}
		fmt.Fprintf(l.log, "[%s] loaded %s into minikube\n", r.Service, tagged)
	}
	return q, images, nil
}

// exportArchive writes the image of digest from .berth/oci as a docker
// save archive tagged ref.
func exportArchive(stateDir, ref, digest string) (string, error) {
	lp, err := layout.FromPath(filepath.Join(stateDir, "oci"))
	if err != nil {
		return "", err
	}
	h, err := v1.NewHash(digest)
	if err != nil {
		return "", err
	}
	img, err := lp.Image(h)
	if err != nil {
		return "", fmt.Errorf("the build of %s is not in .berth/oci (%w); build it again with --no-cache", ref, err)
	}
	tag, err := name.NewTag(ref)
	if err != nil {
		return "", err
	}
	f, err := os.CreateTemp(stateDir, "load-*.tar")
	if err != nil {
		return "", err
	}
	f.Close()
	if err := tarball.WriteToFile(f.Name(), tag, img); err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}
