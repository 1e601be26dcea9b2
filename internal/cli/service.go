package cli

import (
	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/kube"
)

// serviceWorkload names the Deployment (or StatefulSet) berth renders for
// service in namespace ns (deploy.ServiceWorkload); an unknown service is
// a usage error.
func serviceWorkload(p *config.Project, ns, service string) (kube.Ref, error) {
	ref, err := deploy.ServiceWorkload(p, ns, service)
	return ref, usage(err)
}

// usage makes a library's error a usage error: a mistake in how berth was
// called, exit code 2 (nil stays nil).
func usage(err error) error {
	if err == nil {
		return nil
	}
	return &UsageError{Err: err}
}
