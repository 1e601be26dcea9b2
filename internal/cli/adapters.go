package cli

import (
	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/kube"
	"github.com/berth-dev/berth/internal/release"
)

// newRecords is the release store of a namespace.
func newRecords(c *kube.Client, ns string) *release.Store {
	return release.NewStore(c.Clientset, ns)
}

var _ deploy.Records = (*release.Store)(nil)

// newDiagnoser explains unhealthy workloads.
func newDiagnoser(c *kube.Client) deploy.Diagnoser {
	return nil
}
