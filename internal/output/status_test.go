package output_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-dev/berth/internal/charts"
	"github.com/berth-dev/berth/internal/output"
	"github.com/berth-dev/berth/internal/status"
)

// TestStatus checks berth status's table, byte for byte.
func TestStatus(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	updated := now.Add(-90 * time.Minute).In(time.FixedZone("CET", 3600))
	web := status.Service{Name: "web", Kind: "Deployment", Desired: 2, Ready: 2, Updated: 2,
		Images: []string{"reg.example/web:v1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}, Endpoints: []string{"10.0.0.1:80", "nodePort 30080"}, Healthy: true}
	for _, tc := range []struct {
		name string
		st   status.App
		want string
	}{{
		name: "healthy",
		st:   status.App{App: "shop", Namespace: "shop-prod", Revision: 2, Status: "deployed", Updated: &updated, Healthy: true, Services: []status.Service{web}},
		want: `app shop in namespace shop-prod, revision 2 (deployed 90m ago, 2026-03-01T10:30:00Z)
SERVICE  KIND        READY  UP-TO-DATE  IMAGES                                  ENDPOINTS
web      Deployment  2/2    2           reg.example/web:v1@sha256:0123456789ab  10.0.0.1:80, nodePort 30080
`,
	}, {
		name: "no revision time, no services",
		st:   status.App{App: "shop", Namespace: "shop", Revision: 1, Status: "failed", Services: []status.Service{}},
		want: `app shop in namespace shop, revision 1 (failed)
SERVICE  KIND  READY  UP-TO-DATE  IMAGES  ENDPOINTS
`,
	}, {
		name: "charts and problems",
		st: status.App{App: "shop", Namespace: "shop", Revision: 7, Status: "deployed", Updated: &updated, Services: []status.Service{
			{Name: "db", Kind: "StatefulSet", Desired: 1, Images: []string{}, Endpoints: []string{}, Problem: "not deployed"},
			{Name: "web", Kind: "Deployment", Desired: 3, Ready: 1, Updated: 1, Images: []string{"web:v1", "web:v2"}, Endpoints: []string{},
				Problem: "web-abc: CrashLoopBackOff\n  exit code 1"},
		}, Charts: []charts.Status{
			{Name: "cache", Namespace: "shop", Chart: "redis-20.1.0", Status: "deployed", Revision: 3},
			{Name: "queue", Namespace: "infrastructure", Chart: "rabbitmq-15.0.0", Status: "failed", Revision: 12},
		}},
		want: `app shop in namespace shop, revision 7 (deployed 90m ago, 2026-03-01T10:30:00Z)
SERVICE  KIND         READY  UP-TO-DATE  IMAGES         ENDPOINTS
db       StatefulSet  0/1    0                          
web      Deployment   1/3    1           web:v1,web:v2  

CHART  NAMESPACE       CHART-VERSION    STATUS    REVISION
cache  shop            redis-20.1.0     deployed  3
queue  infrastructure  rabbitmq-15.0.0  failed    12

db is not healthy:
  not deployed

web is not healthy:
  web-abc: CrashLoopBackOff
    exit code 1
`,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var b bytes.Buffer
			output.Status(&b, &tc.st, now)
			if diff := cmp.Diff(tc.want, b.String()); diff != "" {
				t.Errorf("table (-want +got):\n%s", diff)
			}
		})
	}
}
