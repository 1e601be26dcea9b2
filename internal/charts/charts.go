// Package charts installs and upgrades the third-party Helm charts of
// berth.yaml (an ingress controller, a cache…), each as its own Helm
// release, with Helm's own SDK: charts come from a repository index
// (version ranges such as 4.x) or an OCI registry.
package charts

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"time"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/cli"
	"helm.sh/helm/v3/pkg/kube"
	"helm.sh/helm/v3/pkg/registry"
	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/releaseutil"
	"helm.sh/helm/v3/pkg/storage/driver"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"sigs.k8s.io/yaml"

	"github.com/berth-dev/berth/internal/config"
)

// Installer installs charts into the cluster the getter reaches.
type Installer struct {
	Getter genericclioptions.RESTClientGetter
	// Settings holds Helm's cache and repository paths (cli.New() when nil).
	Settings *cli.EnvSettings
	// PlainHTTP lists OCI registries reached over plain HTTP (localhost
	// and 127.0.0.1 always are).
	PlainHTTP []string
	// Timeout bounds each chart's install and wait (5 minutes when zero).
	Timeout time.Duration
	// Log gets Helm's debug lines (nil: discarded).
	Log io.Writer
	// Out gets Install's line per chart (nil: discarded).
	Out io.Writer
}

// Result is what happened to one chart.
type Result struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	Chart     string `json:"chart"`
	Version   string `json:"version"`
	// Action is installed, upgraded or unchanged.
	Action   string `json:"action"`
	Revision int    `json:"revision"`
}

// Ensure installs every chart, or upgrades it when its chart version or
// values changed, and waits until its resources are ready. Charts go in
// name order, before the app's services.
func (in *Installer) Ensure(ctx context.Context, charts map[string]*config.Chart, defaultNS string) ([]Result, error) {
	var out []Result
	for _, name := range slices.Sorted(maps.Keys(charts)) {
		r, err := in.ensure(ctx, name, charts[name], defaultNS)
		if err != nil {
			return out, fmt.Errorf("chart %s (%s): %w", name, charts[name].Chart, err)
		}
		out = append(out, *r)
	}
	return out, nil
}

// Install ensures every chart (Ensure) and writes one line per chart to
// Out: "chart NAME: installed CHART-VERSION in NAMESPACE (revision N)".
// The charts ensured before one that fails get their line too.
func (in *Installer) Install(ctx context.Context, charts map[string]*config.Chart, defaultNS string) error {
	results, err := in.Ensure(ctx, charts, defaultNS)
	if in.Out != nil {
		for _, r := range results {
			fmt.Fprintf(in.Out, "chart %s: %s %s-%s in %s (revision %d)\n", r.Name, r.Action, r.Chart, r.Version, r.Namespace, r.Revision)
		}
	}
	return err
}

func (in *Installer) settings() *cli.EnvSettings {
	if in.Settings != nil {
		return in.Settings
	}
	return cli.New()
}

// release is a chart's namespace and the Helm action configuration there.
func (in *Installer) release(c *config.Chart, defaultNS string) (string, *action.Configuration, error) {
	ns := c.Namespace
	if ns == "" {
		ns = defaultNS
	}
	cfg, err := in.configuration(ns)
	return ns, cfg, err
}

func (in *Installer) configuration(ns string) (*action.Configuration, error) {
	cfg := new(action.Configuration)
	logf := func(format string, v ...any) {
		if in.Log != nil {
			fmt.Fprintf(in.Log, format+"\n", v...)
		}
	}
	if err := cfg.Init(in.Getter, ns, "secret", logf); err != nil {
		return nil, err
	}
	// Objects whose manifests name no namespace go to the release's.
	if kc, ok := cfg.KubeClient.(*kube.Client); ok {
		kc.Namespace = ns
	}
	return cfg, nil
}

func (in *Installer) registryClient(ref string) (*registry.Client, error) {
	opts := []registry.ClientOption{registry.ClientOptCredentialsFile(in.settings().RegistryConfig), registry.ClientOptWriter(io.Discard)}
	host := strings.SplitN(strings.TrimPrefix(ref, "oci://"), "/", 2)[0]
	h, _, _ := strings.Cut(host, ":")
	if h == "localhost" || h == "127.0.0.1" || slices.Contains(in.PlainHTTP, host) || slices.Contains(in.PlainHTTP, h) {
		opts = append(opts, registry.ClientOptPlainHTTP())
	}
	return registry.NewClient(opts...)
}

func (in *Installer) ensure(ctx context.Context, name string, c *config.Chart, defaultNS string) (*Result, error) {
	ns, cfg, err := in.release(c, defaultNS)
	if err != nil {
		return nil, err
	}
	rc, err := in.registryClient(c.Chart)
	if err != nil {
		return nil, err
	}
	cfg.RegistryClient = rc
	// The install action's chart options carry the registry client that
	// oci:// charts need.
	install := action.NewInstall(cfg)
	install.SetRegistryClient(rc)
	install.RepoURL, install.Version = c.Repo, c.Version
	cpo := install.ChartPathOptions
	path, err := install.LocateChart(c.Chart, in.settings())
	if err != nil {
		return nil, fmt.Errorf("fetching the chart: %w", err)
	}
	ch, err := loader.Load(path)
	if err != nil {
		return nil, err
	}
	values := c.Values
	if values == nil {
		values = map[string]any{}
	}
	timeout := in.Timeout
	if timeout == 0 {
		timeout = 5 * time.Minute
	}
	res := &Result{Name: name, Namespace: ns, Chart: ch.Metadata.Name, Version: ch.Metadata.Version}

	current, err := action.NewGet(cfg).Run(name)
	switch {
	case errors.Is(err, driver.ErrReleaseNotFound):
		i := install
		i.ReleaseName, i.Namespace, i.CreateNamespace = name, ns, true
		i.Wait, i.Timeout = true, timeout
		rel, err := i.RunWithContext(ctx, ch, values)
		if err != nil {
			return nil, err
		}
		res.Action, res.Revision = "installed", rel.Version
		return res, nil
	case err != nil:
		return nil, err
	}
	if current.Info.Status == release.StatusDeployed && current.Chart.Metadata.Version == ch.Metadata.Version && sameValues(current.Config, values) {
		res.Action, res.Revision = "unchanged", current.Version
		return res, nil
	}
	u := action.NewUpgrade(cfg)
	u.Namespace, u.Wait, u.Timeout, u.ResetValues, u.ChartPathOptions = ns, true, timeout, true, cpo
	u.SetRegistryClient(rc)
	rel, err := u.RunWithContext(ctx, name, ch, values)
	if err != nil {
		return nil, err
	}
	res.Action, res.Revision = "upgraded", rel.Version
	return res, nil
}

func sameValues(a, b map[string]any) bool {
	if len(a) == 0 && len(b) == 0 {
		return true
	}
	return reflect.DeepEqual(a, b)
}

// Status is a chart's release as the cluster has it.
type Status struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	Chart     string `json:"chart"`
	Status    string `json:"status"`
	Revision  int    `json:"revision"`
}

// Statuses reads each chart's release; a missing one is "not installed".
func (in *Installer) Statuses(charts map[string]*config.Chart, defaultNS string) ([]Status, error) {
	var out []Status
	for _, name := range slices.Sorted(maps.Keys(charts)) {
		ns, cfg, err := in.release(charts[name], defaultNS)
		if err != nil {
			return nil, err
		}
		st := Status{Name: name, Namespace: ns, Chart: charts[name].Chart, Status: "not installed"}
		rel, err := action.NewGet(cfg).Run(name)
		switch {
		case err == nil:
			st.Chart = rel.Chart.Metadata.Name + "-" + rel.Chart.Metadata.Version
			st.Status, st.Revision = rel.Info.Status.String(), rel.Version
		case !errors.Is(err, driver.ErrReleaseNotFound):
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

// Uninstall removes each chart's release (berth down --charts).
func (in *Installer) Uninstall(ctx context.Context, charts map[string]*config.Chart, defaultNS string) ([]string, error) {
	var removed []string
	for _, name := range slices.Sorted(maps.Keys(charts)) {
		_, cfg, err := in.release(charts[name], defaultNS)
		if err != nil {
			return removed, err
		}
		u := action.NewUninstall(cfg)
		u.Wait, u.Timeout = true, 2*time.Minute
		if _, err := u.Run(name); err != nil {
			if errors.Is(err, driver.ErrReleaseNotFound) {
				continue
			}
			return removed, fmt.Errorf("uninstalling chart %s: %w", name, err)
		}
		removed = append(removed, name)
	}
	return removed, nil
}

// Claim is a PersistentVolumeClaim of a chart's release manifest.
type Claim struct {
	Chart, Namespace, Name string
}

// Claims lists the PersistentVolumeClaims the installed releases of charts
// hold in their manifests, which helm uninstall deletes with their data
// (those annotated helm.sh/resource-policy: keep are left out: Helm keeps
// them; claims a chart's StatefulSet created are not in a manifest, and
// Helm keeps them too).
func (in *Installer) Claims(charts map[string]*config.Chart, defaultNS string) ([]Claim, error) {
	var out []Claim
	for _, name := range slices.Sorted(maps.Keys(charts)) {
		ns, cfg, err := in.release(charts[name], defaultNS)
		if err != nil {
			return nil, err
		}
		rel, err := action.NewGet(cfg).Run(name)
		if errors.Is(err, driver.ErrReleaseNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading the release of chart %s: %w", name, err)
		}
		for _, doc := range releaseutil.SplitManifests(rel.Manifest) {
			var obj struct {
				Kind     string `json:"kind"`
				Metadata struct {
					Name        string            `json:"name"`
					Namespace   string            `json:"namespace"`
					Annotations map[string]string `json:"annotations"`
				} `json:"metadata"`
			}
			if err := yaml.Unmarshal([]byte(doc), &obj); err != nil || obj.Kind != "PersistentVolumeClaim" {
				continue
			}
			if obj.Metadata.Annotations[kube.ResourcePolicyAnno] == kube.KeepPolicy {
				continue
			}
			cns := obj.Metadata.Namespace
			if cns == "" {
				cns = ns
			}
			out = append(out, Claim{Chart: name, Namespace: cns, Name: obj.Metadata.Name})
		}
	}
	return out, nil
}

// Settings are Helm's paths (repository cache and config, registry
// credentials) as Helm's own CLI finds them, with HELM_CACHE_HOME,
// HELM_CONFIG_HOME, HELM_REPOSITORY_CACHE and HELM_REGISTRY_CONFIG read
// through getenv.
func Settings(getenv func(string) string) *cli.EnvSettings {
	s := cli.New()
	if v := getenv("HELM_CACHE_HOME"); v != "" {
		s.RepositoryCache = filepath.Join(v, "repository")
	}
	if v := getenv("HELM_CONFIG_HOME"); v != "" {
		s.RepositoryConfig = filepath.Join(v, "repositories.yaml")
		s.RegistryConfig = filepath.Join(v, "registry", "config.json")
	}
	if v := getenv("HELM_REPOSITORY_CACHE"); v != "" {
		s.RepositoryCache = v
	}
	if v := getenv("HELM_REGISTRY_CONFIG"); v != "" {
		s.RegistryConfig = v
	}
	return s
}
