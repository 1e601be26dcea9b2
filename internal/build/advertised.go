package build

import (
	"context"
	"fmt"
	"io"

	corev1 "k8s.io/client-go/kubernetes/typed/core/v1"

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

// UseAdvertised is Advertised over the advertisement of p's cluster,
// looked up (registry.Discovery.Lookup, which says on log what it found)
// only when p needs a registry (NeedsRegistry). connect reaches the
// cluster's ConfigMaps; without a cluster there is nothing to ask, and
// debug says why.
func UseAdvertised(ctx context.Context, p *config.Project, d registry.Discovery, connect func() (corev1.ConfigMapsGetter, error), log, debug io.Writer) (*config.Project, *registry.Advertisement) {
	if !NeedsRegistry(p) {
		return p, nil
	}
	cms, err := connect()
	if err != nil {
		if debug != nil {
			fmt.Fprintf(debug, "registry: no cluster to ask for an advertised registry: %v\n", err)
		}
		return p, nil
	}
	d.ConfigMaps = cms
	a := d.Lookup(ctx, p.Registry, log, debug)
	return Advertised(p, a), a
}
