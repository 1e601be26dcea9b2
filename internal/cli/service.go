package cli

import (
	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/kube"
)

// serviceWorkload names the Deployment (or, for a stateful service, the
// StatefulSet) berth renders for service in namespace ns. An unknown
// service is a usage error that lists the project's services.
func serviceWorkload(p *config.Project, ns, service string) (kube.Ref, error) {
	s, err := p.LookupService(service)
	if err != nil {
		return kube.Ref{}, &UsageError{Err: err}
	}
	kind := "Deployment"
	if s.Stateful {
		kind = "StatefulSet"
	}
	return kube.Ref{Group: "apps", Version: "v1", Kind: kind, Namespace: ns, Name: service}, nil
}
