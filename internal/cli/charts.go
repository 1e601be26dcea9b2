package cli

import (
	"time"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/berth-dev/berth/internal/charts"
	"github.com/berth-dev/berth/internal/deploy"
)

// chartInstaller installs berth.yaml's third-party charts on the cluster
// the kube flags reach.
func chartInstaller(f *Factory, timeout time.Duration) *charts.Installer {
	return &charts.Installer{Getter: f.KubeFlags, Settings: charts.Settings(f.getenv), PlainHTTP: f.Registry.Insecure, Timeout: timeout}
}

// deployCharts installs or upgrades the charts before the app's services
// (deploy and up), one line each on stderr.
func deployCharts(f *Factory, streams genericiooptions.IOStreams, timeout time.Duration) *charts.Installer {
	in := chartInstaller(f, timeout)
	in.Out = streams.ErrOut
	return in
}

var _ deploy.Charts = (*charts.Installer)(nil)
