package cli

import (
	"io"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/diagnose"
	"github.com/berth-dev/berth/internal/kube"
	"github.com/berth-dev/berth/internal/progress"
	"github.com/berth-dev/berth/internal/release"
)

// newRecords is the release store of a namespace.
func newRecords(c *kube.Client, ns string) *release.Store {
	return release.NewStore(c.Clientset, ns)
}

var (
	_ deploy.Records   = (*release.Store)(nil)
	_ deploy.Cluster   = (*kube.Client)(nil)
	_ deploy.Reporter  = (*progress.Reporter)(nil)
	_ deploy.Diagnoser = diagnose.Explainer{}
)

// newDeployer is the deploy package's Deployer for a command: object lines
// to stdout (none with -o json, which prints a result instead), notes and
// the live progress of the health wait (when wait) to stderr.
func newDeployer(f *Factory, c *kube.Client, ns string, streams genericiooptions.IOStreams, jsonOut, wait bool) *deploy.Deployer {
	out := streams.Out
	if jsonOut {
		out = io.Discard
	}
	d := &deploy.Deployer{Cluster: c, Locker: deploy.Leases{Client: c.Clientset}, Records: newRecords(c, ns), Diagnoser: diagnose.Explainer{Client: c.Clientset, OnFindings: f.report().Diagnosed}, Out: out, Log: streams.ErrOut, Reporter: f.report()}
	if wait {
		d.Progress = f.waitPrinter(streams.ErrOut)
	}
	return d
}
