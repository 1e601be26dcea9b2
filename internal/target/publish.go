package target

import (
	"context"
	"strings"

	"github.com/berth-dev/berth/internal/build"
	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/registry"
)

// registryPublisher pushes the builds to a registry the cluster pulls
// from. When the cluster reaches the registry under another name (the
// minikube registry addon: pushed to NODE-IP:5000, pulled as
// localhost:5000), image references are rewritten from pushedAs to
// pulledAs.
type registryPublisher struct {
	access             registry.Access
	pushedAs, pulledAs string
}

var _ Publisher = (*registryPublisher)(nil)

func (r *registryPublisher) Builder(b build.Builder) (*build.Builder, bool) {
	access := r.access
	b.Remote = &access
	return &b, true
}

func (r *registryPublisher) Summary(services []string) string {
	return "build and push " + strings.Join(services, ", ")
}

// Publish names the pushed images; the project is deployed as it is.
func (r *registryPublisher) Publish(_ context.Context, p *config.Project, results []build.Result) (*config.Project, map[string]string, error) {
	images := map[string]string{}
	for _, res := range results {
		images[res.Service] = res.Image
		if r.pushedAs != "" {
			images[res.Service] = r.pulledAs + strings.TrimPrefix(res.Image, r.pushedAs)
		}
	}
	return p, images, nil
}

// UseAdvertised has p push the images to the registry the cluster
// advertises (registry.Discovery.Lookup; nil: none) when the target's
// project names no registry: berth.yaml's registry:, the environment's
// and a target's own registry (minikube's --registry-addon, DigitalOcean's)
// always win. The images are pushed to a.Host and the manifests name
// them on a.PullHost, where the nodes pull from; a minikube profile
// pushes there too instead of loading the images.
func (p *Prepared) UseAdvertised(a *registry.Advertisement) {
	q := build.Advertised(p.Project, a)
	if q == p.Project {
		return
	}
	p.Project = q
	p.Publisher = &registryPublisher{access: p.Registry, pushedAs: a.Host, pulledAs: a.PullHost()}
}
