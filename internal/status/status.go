package status

import (
	"context"
	"maps"
	"slices"
	"strings"
	"time"

	"k8s.io/client-go/kubernetes"

	"github.com/berth-dev/berth/internal/charts"
	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/kube"
	"github.com/berth-dev/berth/internal/release"
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

// Read reads project p's live state in namespace ns. An app without any
// revision is a *deploy.NotDeployedError, as berth history says too.
func (r *Reader) Read(ctx context.Context, p *config.Project, ns string) (*App, error) {
	st := &App{Kind: Kind, App: p.Name, Namespace: ns, Healthy: true, Services: []Service{}}
	// The newest revision, deployed or not: a failed deploy is the news.
	hist, err := r.Records.History(ctx, p.Name)
	if err != nil {
		return nil, err
	}
	if len(hist) == 0 {
		return nil, &deploy.NotDeployedError{App: p.Name, Namespace: ns}
	}
	rel := hist[len(hist)-1].Release
	st.Revision, st.Status = rel.Version, rel.Info.Status.String()
	t := rel.Info.LastDeployed.Time
	st.Updated = &t
	st.Healthy = rel.Info.Status.String() == "deployed"
	for _, name := range slices.Sorted(maps.Keys(p.Services)) {
		ss, err := r.service(ctx, ns, name, p.Services[name])
		if err != nil {
			return nil, err
		}
		if !ss.Healthy && ss.Problem == "" && r.Diagnoser != nil {
			ref := kube.Ref{Group: "apps", Version: "v1", Kind: ss.Kind, Namespace: ns, Name: name}
			if report, _, err := r.Diagnoser.Diagnose(ctx, kube.Progress{Ref: ref}); err == nil && report != "" {
				ss.Problem = strings.TrimSpace(report)
			}
		}
		st.Healthy = st.Healthy && ss.Healthy
		st.Services = append(st.Services, ss)
	}
	if len(p.Charts) > 0 && r.Charts != nil {
		if st.Charts, err = r.Charts.Statuses(p.Charts, ns); err != nil {
			return nil, err
		}
		for _, ch := range st.Charts {
			st.Healthy = st.Healthy && ch.Status == "deployed"
		}
	}
	return st, nil
}
