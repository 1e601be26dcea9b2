package render_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/build"
	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/render"
	"github.com/berth-dev/berth/internal/testutil"
)

// GenerateConfig writes a berth.yaml with n services of every common shape
// (used by the benchmarks and by scripts/bench).
func generateConfig(t testing.TB, n int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("apiVersion: berth/v1\nname: big\nsecrets:\n  shared: {token: \"${TOKEN:-t}\"}\nservices:\n")
	for i := range n {
		fmt.Fprintf(&b, `  svc-%d:
    image: registry.example.com/team/svc-%d:1.%d.0
    replicas: %d
    ports: [{name: http, port: 80, targetPort: 8080}, {name: metrics, port: 9090}]
    env: {INDEX: %d, MODE: production, TOKEN: {secretRef: {name: shared, key: token}}}
    probes:
      liveness: {http: {path: /healthz, port: http}, initialDelay: 3s, period: 10s}
      readiness: {tcp: {port: http}}
    resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 256Mi}}
`, i, i, i, 1+i%3, i)
		if i%5 == 0 {
			b.WriteString("    autoscale: {min: 2, max: 6, cpu: 80}\n    ingress: {host: svc.example.org, path: /svc}\n")
		}
		if i%10 == 0 {
			b.WriteString("    stateful: true\n    volumes: [{name: data, mountPath: /data, size: 1Gi}]\n")
		}
	}
	file := filepath.Join(t.TempDir(), "berth.yaml")
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

func benchmarkFile(b *testing.B, file string) {
	b.ReportAllocs()
	for b.Loop() {
		p, _, err := config.Load(file, config.Options{LookupEnv: fixedEnv})
		if err != nil {
			b.Fatal(err)
		}
		images, err := build.Images(p, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := render.Render(p, render.Options{Images: images}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderKnote is load + render of examples/knote, what
// `berth render` does after start-up.
func BenchmarkRenderKnote(b *testing.B) {
	if _, err := os.Stat(filepath.Join(testutil.RepoRoot(b), "examples", "knote", "berth.yaml")); err != nil {
		b.Skip("examples/knote not present")
	}
	benchmarkFile(b, filepath.Join(testutil.RepoRoot(b), "examples", "knote", "berth.yaml"))
}

// BenchmarkRender500 is load + render of a 500-service config (target ≤ 1 s).
func BenchmarkRender500(b *testing.B) {
	benchmarkFile(b, generateConfig(b, 500))
}

func TestGenerated500Valid(t *testing.T) {
	t.Parallel()
	file := generateConfig(t, 500)
	p, _, err := config.Load(file, config.Options{LookupEnv: fixedEnv})
	if err != nil {
		t.Fatal(err)
	}
	r, err := render.Render(p, render.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := render.Strict(r.Objects); err != nil {
		t.Fatal(err)
	}
	if len(r.Objects) < 1000 {
		t.Errorf("rendered %d objects from 500 services", len(r.Objects))
	}
}
