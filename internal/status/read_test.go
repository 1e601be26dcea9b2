package status_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/berth-dev/berth/internal/charts"
	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/kube"
	"github.com/berth-dev/berth/internal/release"
	"github.com/berth-dev/berth/internal/status"
)

// TestRead reads apps' live state from a fake clientset and an in-memory
// release store, a table of what the cluster holds against what berth
// status reports. A workload without pods has no images: an empty list,
// as for one not on the cluster ("images": [] in -o json, never null).
func TestRead(t *testing.T) {
	t.Parallel()
	web := &config.Service{}
	for _, tc := range []struct {
		name      string
		services  map[string]*config.Service
		charts    fakeCharts
		outcomes  []string // release records, oldest first ("" deployed)
		objects   []runtime.Object
		diagnosis string
		want      *status.App
		asked     []kube.Ref // what the diagnoser was asked about
	}{{
		name:     "healthy deployment",
		services: map[string]*config.Service{"web": web},
		outcomes: []string{"", ""},
		objects: []runtime.Object{
			deployment("web", 3),
			pod("web", "a", "reg.example/web:v1", "reg.example/web@"+digest),
			pod("web", "b", "reg.example/web:v1", "docker-pullable://reg.example/web@"+digest),
			pod("other", "a", "reg.example/other:v9", "reg.example/other@"+digest),
			// containerd names an image pulled by digest by its config's ID.
			withStatusImage(pod("web", "c", "reg.example/web:v1@"+digest, "reg.example/web@"+digest), "sha256:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"),
			service("web", corev1.ServiceTypeClusterIP, "10.0.0.1", 0),
		},
		want: &status.App{Revision: 2, Status: "deployed", Healthy: true, Services: []status.Service{
			{Name: "web", Kind: "Deployment", Desired: 3, Ready: 3, Updated: 3, Images: []string{"reg.example/web:v1@sha256:0123456789ab", "reg.example/web:v1@" + digest}, Endpoints: []string{"10.0.0.1:80"}, Healthy: true},
		}},
	}, {
		name:     "statefulset with its headless service",
		services: map[string]*config.Service{"db": {Stateful: true}},
		outcomes: []string{""},
		objects: []runtime.Object{
			statefulSet("db"),
			pod("db", "0", "postgres@"+digest, "postgres@"+digest),
			service("db", corev1.ServiceTypeClusterIP, "10.0.0.2", 0),
			service("db-headless", corev1.ServiceTypeClusterIP, corev1.ClusterIPNone, 0),
		},
		want: &status.App{Revision: 1, Status: "deployed", Healthy: true, Services: []status.Service{
			{Name: "db", Kind: "StatefulSet", Desired: 1, Ready: 1, Updated: 1, Images: []string{"postgres@" + digest}, Endpoints: []string{"10.0.0.2:80", "headless db-headless.shop:80"}, Healthy: true},
		}},
	}, {
		name:      "service missing on the cluster",
		services:  map[string]*config.Service{"db": {Stateful: true}, "web": web},
		outcomes:  []string{""},
		diagnosis: "never asked",
		want: &status.App{Revision: 1, Status: "deployed", Services: []status.Service{
			{Name: "db", Kind: "StatefulSet", Images: []string{}, Endpoints: []string{}, Problem: "not deployed"},
			{Name: "web", Kind: "Deployment", Images: []string{}, Endpoints: []string{}, Problem: "not deployed"},
		}},
	}, {
		name:      "unhealthy service gets the diagnosis",
		services:  map[string]*config.Service{"web": web},
		outcomes:  []string{"", ""},
		objects:   []runtime.Object{deployment("web", 1), pod("web", "new", "reg.example/web:v2", "")},
		diagnosis: "  web-new: CrashLoopBackOff\n    exit code 1\n",
		want: &status.App{Revision: 2, Status: "deployed", Services: []status.Service{
			{Name: "web", Kind: "Deployment", Desired: 3, Ready: 1, Updated: 1, Images: []string{"reg.example/web:v2"}, Endpoints: []string{}, Problem: "web-new: CrashLoopBackOff\n    exit code 1"},
		}},
		asked: []kube.Ref{{Group: "apps", Version: "v1", Kind: "Deployment", Namespace: ns, Name: "web"}},
	}, {
		name:     "unhealthy service without a diagnosis",
		services: map[string]*config.Service{"web": web},
		outcomes: []string{""},
		objects:  []runtime.Object{deployment("web", 0)},
		want: &status.App{Revision: 1, Status: "deployed", Services: []status.Service{
			{Name: "web", Kind: "Deployment", Desired: 3, Images: []string{}, Endpoints: []string{}},
		}},
		asked: []kube.Ref{{Group: "apps", Version: "v1", Kind: "Deployment", Namespace: ns, Name: "web"}},
	}, {
		name:     "failed revision",
		services: map[string]*config.Service{"web": web},
		outcomes: []string{"", "crashed"},
		objects:  []runtime.Object{deployment("web", 3)},
		want: &status.App{Revision: 2, Status: "failed", Services: []status.Service{
			{Name: "web", Kind: "Deployment", Desired: 3, Ready: 3, Updated: 3, Images: []string{}, Endpoints: []string{}, Healthy: true},
		}},
	}, {
		name: "endpoints",
		services: map[string]*config.Service{
			"api": web, "lb": web, "pending": web,
			"web": {Ingress: &config.Ingress{Host: "shop.example.org"}},
		},
		outcomes: []string{""},
		objects: []runtime.Object{
			deployment("api", 3), service("api", corev1.ServiceTypeNodePort, "10.0.0.3", 30080),
			deployment("lb", 3), service("lb", corev1.ServiceTypeLoadBalancer, "10.0.0.4", 30081, corev1.LoadBalancerIngress{IP: "203.0.113.10"}, corev1.LoadBalancerIngress{Hostname: "lb.example.org"}),
			deployment("pending", 3), service("pending", corev1.ServiceTypeLoadBalancer, "10.0.0.5", 30082),
			deployment("web", 3), service("web", corev1.ServiceTypeClusterIP, "10.0.0.6", 0),
			ingress("web", []networkingv1.IngressLoadBalancerIngress{{IP: "198.51.100.7"}}, "shop.example.org", ""),
		},
		want: &status.App{Revision: 1, Status: "deployed", Healthy: true, Services: []status.Service{
			{Name: "api", Kind: "Deployment", Desired: 3, Ready: 3, Updated: 3, Images: []string{}, Endpoints: []string{"10.0.0.3:80", "nodePort 30080"}, Healthy: true},
			{Name: "lb", Kind: "Deployment", Desired: 3, Ready: 3, Updated: 3, Images: []string{}, Endpoints: []string{"10.0.0.4:80", "nodePort 30081", "loadBalancer 203.0.113.10:80", "loadBalancer lb.example.org:80"}, Healthy: true},
			{Name: "pending", Kind: "Deployment", Desired: 3, Ready: 3, Updated: 3, Images: []string{}, Endpoints: []string{"10.0.0.5:80", "nodePort 30082", "loadBalancer pending"}, Healthy: true},
			{Name: "web", Kind: "Deployment", Desired: 3, Ready: 3, Updated: 3, Images: []string{}, Endpoints: []string{"10.0.0.6:80", "ingress shop.example.org/ → 198.51.100.7", "ingress */ → 198.51.100.7"}, Healthy: true},
		}},
	}, {
		name:     "pod images",
		services: map[string]*config.Service{"web": web},
		outcomes: []string{""},
		objects: []runtime.Object{
			deployment("web", 3),
			pod("web", "a", "reg.example/web:v2", "reg.example/web@sha256:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"),
			pod("web", "b", "reg.example/web:v1", "reg.example/web@"+digest),
			pod("web", "c", "reg.example/web:v1", "reg.example/web@"+digest),
			pod("web", "d", "reg.example/web:v3", ""),
			pod("web", "e", "reg.example/web:v4", "containerd-without-digest"),
			imageByID(pod("web", "f", "reg.example/web:v5@"+digest, "reg.example/web@"+digest)),
		},
		want: &status.App{Revision: 1, Status: "deployed", Healthy: true, Services: []status.Service{
			{Name: "web", Kind: "Deployment", Desired: 3, Ready: 3, Updated: 3, Images: []string{
				"reg.example/web:v1@sha256:0123456789ab",
				"reg.example/web:v2@sha256:fedcba987654",
				"reg.example/web:v3",
				"reg.example/web:v4",
				"reg.example/web:v5@" + digest,
			}, Endpoints: []string{}, Healthy: true},
		}},
	}, {
		name:     "charts",
		services: map[string]*config.Service{},
		charts:   fakeCharts{{Name: "cache", Namespace: ns, Chart: "redis-20.1.0", Status: "deployed", Revision: 3}, {Name: "queue", Namespace: "infra", Chart: "rabbitmq-15.0.0", Status: "failed", Revision: 1}},
		outcomes: []string{""},
		want: &status.App{Revision: 1, Status: "deployed", Services: []status.Service{}, Charts: []charts.Status{
			{Name: "cache", Namespace: ns, Chart: "redis-20.1.0", Status: "deployed", Revision: 3},
			{Name: "queue", Namespace: "infra", Chart: "rabbitmq-15.0.0", Status: "failed", Revision: 1},
		}},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := &config.Project{Name: "shop", Services: tc.services}
			if tc.charts != nil {
				p.Charts = map[string]*config.Chart{}
				for _, c := range tc.charts {
					p.Charts[c.Name] = &config.Chart{}
				}
			}
			diag := &fakeDiagnoser{report: tc.diagnosis}
			r := &status.Reader{Client: fake.NewClientset(tc.objects...), Records: records(t, tc.outcomes...), Diagnoser: diag, Charts: tc.charts}
			got, err := r.Read(t.Context(), p, ns)
			if err != nil {
				t.Fatal(err)
			}
			if got.Updated == nil || got.Updated.IsZero() {
				t.Errorf("updated = %v, want the newest revision's time", got.Updated)
			}
			tc.want.Kind, tc.want.App, tc.want.Namespace = status.Kind, "shop", ns
			if diff := cmp.Diff(tc.want, got, cmpopts.IgnoreFields(status.App{}, "Updated")); diff != "" {
				t.Errorf("status (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.asked, diag.asked); diff != "" {
				t.Errorf("diagnosed (-want +got):\n%s", diff)
			}
		})
	}
}

// TestReadNotDeployed: an app without a release record is not deployed,
// whatever runs on the cluster, and says so with berth history's error.
func TestReadNotDeployed(t *testing.T) {
	t.Parallel()
	p := &config.Project{Name: "shop", Services: map[string]*config.Service{"web": {}}}
	r := &status.Reader{Client: fake.NewClientset(deployment("web", 3)), Records: records(t)}
	st, err := r.Read(t.Context(), p, ns)
	var notDeployed *deploy.NotDeployedError
	if !errors.As(err, &notDeployed) || notDeployed.App != "shop" || notDeployed.Namespace != ns {
		t.Fatalf("Read = %v, %v; want a NotDeployedError of shop in %s", st, err, ns)
	}
	if !strings.Contains(err.Error(), `no app "shop" in namespace "shop"; berth manages no apps there`) {
		t.Errorf("error: %v", err)
	}
}

// TestReadNoDiagnoserNoCharts: both are optional.
func TestReadNoDiagnoserNoCharts(t *testing.T) {
	t.Parallel()
	p := &config.Project{Name: "shop", Services: map[string]*config.Service{"web": {}}, Charts: map[string]*config.Chart{"cache": {}}}
	r := &status.Reader{Client: fake.NewClientset(deployment("web", 0)), Records: records(t, "")}
	st, err := r.Read(t.Context(), p, ns)
	if err != nil {
		t.Fatal(err)
	}
	if st.Healthy || st.Services[0].Problem != "" || st.Charts != nil {
		t.Errorf("status: %+v", st)
	}
}

// failingRecords cannot read the release records.
type failingRecords struct{ err error }

func (r failingRecords) History(context.Context, string) ([]release.Revision, error) {
	return nil, r.err
}

// TestReadRecordsError: when the records cannot be read, Read says so and
// reads nothing else.
func TestReadRecordsError(t *testing.T) {
	t.Parallel()
	forbidden := errors.New("secrets is forbidden")
	r := &status.Reader{Client: fake.NewClientset(), Records: failingRecords{forbidden}}
	if st, err := r.Read(t.Context(), &config.Project{Name: "shop"}, ns); !errors.Is(err, forbidden) || st != nil {
		t.Errorf("Read = %v, %v; want %v", st, err, forbidden)
	}
}
