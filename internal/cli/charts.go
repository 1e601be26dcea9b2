package cli

import (
	"path/filepath"
	"time"

	"helm.sh/helm/v3/pkg/cli"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/berth-dev/berth/internal/charts"
	"github.com/berth-dev/berth/internal/deploy"
)

// chartInstaller installs berth.yaml's third-party charts on the cluster
// the kube flags reach.
func chartInstaller(f *Factory, timeout time.Duration) *charts.Installer {
	return &charts.Installer{Getter: f.KubeFlags, Settings: helmSettings(f), PlainHTTP: f.Registry.Insecure, Timeout: timeout}
}

// helmSettings are Helm's paths (repository cache and config, registry
// credentials), honouring HELM_CACHE_HOME, HELM_CONFIG_HOME,
// HELM_REPOSITORY_CACHE and HELM_REGISTRY_CONFIG as read by berth.
func helmSettings(f *Factory) *cli.EnvSettings {
	s := cli.New()
	if v := f.getenv("HELM_CACHE_HOME"); v != "" {
		s.RepositoryCache = filepath.Join(v, "repository")
	}
	if v := f.getenv("HELM_CONFIG_HOME"); v != "" {
		s.RepositoryConfig = filepath.Join(v, "repositories.yaml")
		s.RegistryConfig = filepath.Join(v, "registry", "config.json")
	}
	if v := f.getenv("HELM_REPOSITORY_CACHE"); v != "" {
		s.RepositoryCache = v
	}
	if v := f.getenv("HELM_REGISTRY_CONFIG"); v != "" {
		s.RegistryConfig = v
	}
	return s
}

// deployCharts installs or upgrades the charts before the app's services
// (deploy and up), one line each on stderr.
func deployCharts(f *Factory, streams genericiooptions.IOStreams, timeout time.Duration) *charts.Installer {
	in := chartInstaller(f, timeout)
	in.Out = streams.ErrOut
	return in
}

var _ deploy.Charts = (*charts.Installer)(nil)
