package diagnose

import (
	"context"
	"strings"

	"k8s.io/client-go/kubernetes"

	"github.com/berth-dev/berth/internal/kube"
)

// Explainer explains why a workload a rollout waits for is not healthy:
// the deploy package's Diagnoser. Its report is the findings as Format
// writes them; it is terminal when a finding is.
type Explainer struct {
	// Client reads the workload, its pods, events and logs.
	Client kubernetes.Interface
	// OnFindings, when set, receives the findings of each diagnosis that
	// found something (berth reports them as diagnosis events).
	OnFindings func(ref kube.Ref, findings []Finding)
}

// Diagnose explains the object of p: its findings as text, and whether
// one is terminal. No findings is "", false and no error.
func (x Explainer) Diagnose(ctx context.Context, p kube.Progress) (string, bool, error) {
	findings, err := Workload(ctx, x.Client, Target{Kind: p.Ref.Kind, Namespace: p.Ref.Namespace, Name: p.Ref.Name})
	if err != nil || len(findings) == 0 {
		return "", false, err
	}
	if x.OnFindings != nil {
		x.OnFindings(p.Ref, findings)
	}
	var b strings.Builder
	Format(&b, findings)
	return b.String(), Terminal(findings), nil
}
