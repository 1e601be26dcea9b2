package cli

import (
	"context"
	"io"
	"strings"

	"k8s.io/cli-runtime/pkg/genericiooptions"
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

var (
	_ deploy.Records  = (*release.Store)(nil)
	_ deploy.Cluster  = (*kube.Client)(nil)
	_ deploy.Reporter = (*reporter)(nil)
)

// newDeployer is the deploy package's Deployer for a command: object lines
// to stdout (none with -o json, which prints a result instead), notes and
// the live progress of the health wait (when wait) to stderr.
func newDeployer(f *Factory, c *kube.Client, ns string, streams genericiooptions.IOStreams, jsonOut, wait bool) *deploy.Deployer {
	out := streams.Out
	if jsonOut {
		out = io.Discard
	}
	d := &deploy.Deployer{Cluster: c, Locker: deploy.Leases{Client: c.Clientset}, Records: newRecords(c, ns), Diagnoser: diagnoser{cs: c.Clientset, rep: f.report()}, Out: out, Log: streams.ErrOut, Reporter: f.report()}
	if wait {
		d.Progress = f.waitPrinter(streams.ErrOut)
	}
	return d
}

// newDiagnoser explains unhealthy workloads with the diagnose package.
func newDiagnoser(c *kube.Client) deploy.Diagnoser {
	return diagnoser{cs: c.Clientset}
}

// diagnoser is the deploy package's Diagnoser; with a reporter, findings
// are diagnosis events too.
type diagnoser struct {
	cs  kubernetes.Interface
	rep *reporter
}

func (d diagnoser) Diagnose(ctx context.Context, p kube.Progress) (string, bool, error) {
	findings, err := diagnose.Workload(ctx, d.cs, diagnose.Target{Kind: p.Ref.Kind, Namespace: p.Ref.Namespace, Name: p.Ref.Name})
	if err != nil || len(findings) == 0 {
		return "", false, err
	}
	if d.rep != nil {
		fs := make([]finding, len(findings))
		for i, x := range findings {
			fs[i] = finding{Object: x.Object, Reason: x.Reason, Message: x.Message, Hint: x.Hint, Terminal: x.Terminal, Logs: x.Logs}
		}
		d.rep.diagnosis(p.Ref, fs)
	}
	var b strings.Builder
	diagnose.Format(&b, findings)
	return b.String(), diagnose.Terminal(findings), nil
}
