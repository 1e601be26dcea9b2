package target

import (
	"context"

	"k8s.io/client-go/kubernetes"

	"github.com/berth-dev/berth/internal/config"
)

// kubeContext is the current kube context: images are built and pushed to
// berth.yaml's registry, and the cluster is the kube flags' as they are.
type kubeContext struct {
	o Options
}

var _ Target = (*kubeContext)(nil)

func newKube(o Options) *kubeContext { return &kubeContext{o: o} }

// Prepare changes nothing: the cluster is there, the registry is
// berth.yaml's.
func (k *kubeContext) Prepare(_ context.Context, p *config.Project) (*Prepared, error) {
	return &Prepared{
		Project:   p.Clone(),
		Registry:  k.o.Registry,
		Publisher: &registryPublisher{access: k.o.Registry},
	}, nil
}

// Endpoints waits for load balancer addresses and reads them, node ports
// and ingress addresses from the cluster.
func (k *kubeContext) Endpoints(ctx context.Context, p *config.Project, cs kubernetes.Interface, ns string) ([]Endpoint, error) {
	return clusterEndpoints(ctx, p, cs, ns, k.o.LBTimeout, k.o.Log), nil
}

// Down removes the app from the current kube context; the cluster is not
// berth's to delete.
func (k *kubeContext) Down(ctx context.Context, _ *config.Project, o DownOptions) error {
	if o.Cluster {
		return ErrKeepsCluster
	}
	return o.RemoveApp(ctx, Access{}, false)
}
