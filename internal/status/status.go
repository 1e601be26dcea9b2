package status

import (
	"context"
	"maps"
	"slices"
	"strings"
	"time"

	hrelease "helm.sh/helm/v3/pkg/release"
	"k8s.io/client-go/kubernetes"

	"github.com/berth-dev/berth/internal/charts"
	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/kube"
	"github.com/berth-dev/berth/internal/release"
	"github.com/berth-dev/berth/internal/render"
)

// Kind is the kind of App in its -o json|yaml shape.
const Kind = "AppStatus"

// App is an app's live state, the -o json shape of berth status
// (version 1). Read leaves APIVersion for whoever prints it to fill in
// (output.APIVersion).
type App struct {
	APIVersion string     `json:"apiVersion"`
	Kind       string     `json:"kind"`
	App        string     `json:"app"`
	Namespace  string     `json:"namespace"`
	Revision   int        `json:"revision,omitempty"`
	Status     string     `json:"status,omitempty"`
	Updated    *time.Time `json:"updated,omitempty"`
	Healthy    bool       `json:"healthy"`
	Services   []Service  `json:"services"`
	// Charts are berth.yaml's third-party charts.
	Charts []charts.Status `json:"charts,omitempty"`
}

// Service is one service in App.
type Service struct {
	Name      string   `json:"name"`
	Kind      string   `json:"kind"`
	Desired   int32    `json:"desired"`
	Ready     int32    `json:"ready"`
	Updated   int32    `json:"updated"`
	Images    []string `json:"images"`
	Endpoints []string `json:"endpoints"`
	Healthy   bool     `json:"healthy"`
	Problem   string   `json:"problem,omitempty"`
}

// Records are an app's release records (release.Store).
type Records interface {
	History(ctx context.Context, app string) ([]release.Revision, error)
}

// Charts read the releases of berth.yaml's charts (charts.Installer).
type Charts interface {
	Statuses(charts map[string]*config.Chart, defaultNS string) ([]charts.Status, error)
}

var (
	_ Records = (*release.Store)(nil)
	_ Charts  = (*charts.Installer)(nil)
)

// Reader reads an app's live state from the cluster.
type Reader struct {
	// Client reads workloads, pods, Services and Ingresses.
	Client kubernetes.Interface
	// Records hold the app's revisions.
	Records Records
	// Diagnoser, when set, says why an unhealthy service is not healthy.
	Diagnoser deploy.Diagnoser
	// Charts, when set, read the statuses of the project's charts.
	Charts Charts
}

// Read reads project p's live state in namespace ns: the services
// berth.yaml defines now and its charts. An app without any revision is a
// *deploy.NotDeployedError, as berth history says too.
func (r *Reader) Read(ctx context.Context, p *config.Project, ns string) (*App, error) {
	return r.read(ctx, p.Name, ns, func(*hrelease.Release) []workload { return projectWorkloads(p) }, p.Charts)
}

// ReadApp reads app's live state in namespace ns without berth.yaml: the
// services are the workloads of its newest revision's manifest. Charts
// are not read (the record does not hold them).
func (r *Reader) ReadApp(ctx context.Context, app, ns string) (*App, error) {
	return r.read(ctx, app, ns, recordWorkloads, nil)
}

// workload is what Read needs of a service: its name, workload kind and
// whether it has an Ingress.
type workload struct {
	name, kind string
	ingress    bool
}

// projectWorkloads are the services of berth.yaml, sorted.
func projectWorkloads(p *config.Project) []workload {
	var out []workload
	for _, name := range slices.Sorted(maps.Keys(p.Services)) {
		w := workload{name: name, kind: "Deployment", ingress: p.Services[name].Ingress != nil}
		if p.Services[name].Stateful {
			w.kind = "StatefulSet"
		}
		out = append(out, w)
	}
	return out
}

// recordWorkloads are the Deployments and StatefulSets of a revision's
// manifest, sorted by name, with whether an Ingress of the same name is
// there too.
func recordWorkloads(rel *hrelease.Release) []workload {
	m := render.ParseManifest(rel.Manifest)
	ingresses := map[string]bool{}
	for _, o := range m.Objects() {
		if o.Kind == "Ingress" {
			ingresses[o.Name] = true
		}
	}
	var out []workload
	for _, w := range deploy.Workloads(m) {
		out = append(out, workload{name: w.Name, kind: w.Kind, ingress: ingresses[w.Name]})
	}
	slices.SortFunc(out, func(a, b workload) int { return strings.Compare(a.name, b.name) })
	return out
}

// read reads app's newest revision, the live state of the workloads it
// names and the statuses of charts.
func (r *Reader) read(ctx context.Context, app, ns string, workloads func(*hrelease.Release) []workload, charts map[string]*config.Chart) (*App, error) {
	st := &App{Kind: Kind, App: app, Namespace: ns, Healthy: true, Services: []Service{}}
	// The newest revision, deployed or not: a failed deploy is the news.
	hist, err := r.Records.History(ctx, app)
	if err != nil {
		return nil, err
	}
	if len(hist) == 0 {
		return nil, deploy.NotDeployed(ctx, r.Records, app, ns)
	}
	rel := hist[len(hist)-1].Release
	st.Revision, st.Status = rel.Version, rel.Info.Status.String()
	t := rel.Info.LastDeployed.Time
	st.Updated = &t
	st.Healthy = rel.Info.Status.String() == "deployed"
	for _, w := range workloads(rel) {
		ss, err := r.service(ctx, ns, w)
		if err != nil {
			return nil, err
		}
		if !ss.Healthy && ss.Problem == "" && r.Diagnoser != nil {
			ref := kube.Ref{Group: "apps", Version: "v1", Kind: ss.Kind, Namespace: ns, Name: w.name}
			if report, _, err := r.Diagnoser.Diagnose(ctx, kube.Progress{Ref: ref}); err == nil && report != "" {
				ss.Problem = strings.TrimSpace(report)
			}
		}
		st.Healthy = st.Healthy && ss.Healthy
		st.Services = append(st.Services, ss)
	}
	if len(charts) > 0 && r.Charts != nil {
		if st.Charts, err = r.Charts.Statuses(charts, ns); err != nil {
			return nil, err
		}
		for _, ch := range st.Charts {
			st.Healthy = st.Healthy && ch.Status == "deployed"
		}
	}
	return st, nil
}
