package cli

import (
	"fmt"
	"sort"
	"strings"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/kube"
)

// serviceWorkload names the Deployment (or, for a stateful service, the
// StatefulSet) berth renders for service in namespace ns. An unknown
// service is a usage error that lists the project's services.
func serviceWorkload(p *config.Project, ns, service string) (kube.Ref, error) {
	s, ok := p.Services[service]
	if !ok {
		return kube.Ref{}, unknownService(p, service)
	}
	kind := "Deployment"
	if s.Stateful {
		kind = "StatefulSet"
	}
	return kube.Ref{Group: "apps", Version: "v1", Kind: kind, Namespace: ns, Name: service}, nil
}

// unknownService says that berth.yaml has no such service, with the
// closest name and the list of services.
func unknownService(p *config.Project, service string) error {
	names := make([]string, 0, len(p.Services))
	for n := range p.Services {
		names = append(names, n)
	}
	sort.Strings(names)
	msg := fmt.Sprintf("%s has no service %q", p.File, service)
	if s := config.Suggest(service, names); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	}
	return &UsageError{Err: fmt.Errorf("%s; its services: %s", msg, strings.Join(names, ", "))}
}
