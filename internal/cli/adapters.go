package cli

import (
	"context"
	"strings"

	"k8s.io/client-go/kubernetes"

	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/diagnose"
	"github.com/berth-dev/berth/internal/kube"
	"github.com/berth-dev/berth/internal/release"
)

// newRecords is the release store of a namespace.
func newRecords(c *kube.Client, ns string) *release.Store {
	return release.NewStore(c.Clientset, ns)
}

var _ deploy.Records = (*release.Store)(nil)

// newDiagnoser explains unhealthy workloads with the diagnose package.
func newDiagnoser(c *kube.Client) deploy.Diagnoser {
	return diagnoser{cs: c.Clientset}
}

type diagnoser struct{ cs kubernetes.Interface }

func (d diagnoser) Diagnose(ctx context.Context, p kube.Progress) (string, bool, error) {
	findings, err := diagnose.Workload(ctx, d.cs, diagnose.Target{Kind: p.Ref.Kind, Namespace: p.Ref.Namespace, Name: p.Ref.Name})
	if err != nil || len(findings) == 0 {
		return "", false, err
	}
	var b strings.Builder
	diagnose.Format(&b, findings)
	return b.String(), diagnose.Terminal(findings), nil
}
