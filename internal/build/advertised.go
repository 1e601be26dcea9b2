package build

import (
	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/registry"
)

// NoRegistryError is a push with nowhere to go: berth.yaml (with the
// environment's overrides) names no registry and the cluster advertises
// none. Msg is the error as berth always said it; Hint adds the ways out.
type NoRegistryError struct {
	Msg string
}

func (e *NoRegistryError) Error() string { return e.Msg }

// Hint says how to give berth a registry.
func (e *NoRegistryError) Hint() string {
	return "set registry: HOST/PATH in berth.yaml (or in the -e environment's overrides); or deploy to a cluster that advertises " +
		"a local registry (KEP-1755: ConfigMap " + registry.HostingNamespace + "/" + registry.HostingName + ", key " + registry.HostingKey +
		", as kind's and k3d's local registry setups create): berth pushes there when berth.yaml names none"
}

// NeedsRegistry reports whether p builds images and names no registry to
// push them to: only then does berth look for one the cluster advertises.
func NeedsRegistry(p *config.Project) bool {
	if p.Registry != "" {
		return false
	}
	for _, s := range p.Services {
		if s.Build != nil {
			return true
		}
	}
	return false
}

// Advertised is p pushing to the registry a advertises: a copy of p with
// registry: set to a's host when p names no registry and a has a host,
// else p itself. Images pushed there are named for the nodes with
// a.PullRefs.
func Advertised(p *config.Project, a *registry.Advertisement) *config.Project {
	if a == nil || a.Host == "" || p.Registry != "" {
		return p
	}
	q := p.Clone()
	q.Registry = a.Host
	return q
}
