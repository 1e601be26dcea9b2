package output_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-dev/berth/internal/build"
	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/kube"
	"github.com/berth-dev/berth/internal/output"
	"github.com/berth-dev/berth/internal/preflight"
	"github.com/berth-dev/berth/internal/render"
	"github.com/berth-dev/berth/internal/target"
	"github.com/berth-dev/berth/internal/version"
)

func TestPreflight(t *testing.T) {
	t.Parallel()
	rs := []preflight.Result{
		{Check: "cluster", Level: preflight.OK, Message: "reachable, Kubernetes v1.33.1"},
		{Check: "storage", Level: preflight.Warning, Message: "no default StorageClass", Fix: "name a class in volumes.*.storageClass"},
		{Check: "images", Level: preflight.Error, Message: "web: registry.example/web:v2 is arm64 only; the nodes are amd64", Fix: "build for linux/amd64"},
		{Check: "namespace", Level: preflight.OK, Message: "shop exists", Fix: "not shown for ok"},
	}
	for _, tc := range []struct {
		name  string
		color bool
		all   bool
	}{
		{"preflight-all", false, true},
		{"preflight-problems", false, false},
		{"preflight-color", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var b strings.Builder
			if err := output.Preflight(&b, output.Painter{Color: tc.color}, rs, tc.all); err != nil {
				t.Fatal(err)
			}
			golden(t, tc.name, b.String())
		})
	}
	r := output.NewPreflightReport("shop", "shop", nil)
	if !r.Passed || r.Checks == nil || r.Kind != "PreflightReport" || r.APIVersion != output.APIVersion {
		t.Errorf("report of no checks: %+v", r)
	}
	if output.NewPreflightReport("shop", "shop", rs).Passed {
		t.Error("a report with an error passed")
	}
}

func TestPlan(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		p    *target.Plan
	}{
		{"plan-create", &target.Plan{Cluster: "shop", Region: "fra1", Version: "1.33", Size: "s-2vcpu-4gb", Nodes: 2, NodeMonthly: 24,
			Registry: "shop", MonthlyUSD: 48}},
		{"plan-reuse-autoscale", &target.Plan{Cluster: "shop", Region: "fra1", Version: "1.33", Exists: true, Size: "s-2vcpu-4gb", Nodes: 1, MaxNodes: 3, NodeMonthly: 24,
			Registry: "shop", RegistryExists: true}},
		{"plan-no-registry", &target.Plan{Cluster: "c", Region: "nyc3", Version: "1.32", Size: "s-1vcpu-2gb", Nodes: 1, NodeMonthly: 12, MonthlyUSD: 12}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var b strings.Builder
			if err := output.Plan(&b, tc.p); err != nil {
				t.Fatal(err)
			}
			golden(t, tc.name, b.String())
		})
	}
}

func TestBuilds(t *testing.T) {
	t.Parallel()
	results := []build.Result{
		{Service: "web", Image: "registry.example/web:1a2b@sha256:00", Pushed: true},
		{Service: "api", Image: "registry.example/api:3c4d@sha256:11", UpToDate: true, Pushed: true},
		{Service: "worker", Image: "registry.example/worker:5e6f@sha256:22"},
	}
	var b strings.Builder
	output.Builds(&b, results)
	want := "web\tregistry.example/web:1a2b@sha256:00\tpushed\n" +
		"api\tregistry.example/api:3c4d@sha256:11\tup to date\n" +
		"worker\tregistry.example/worker:5e6f@sha256:22\tbuilt\n"
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("build lines (-want +got):\n%s", diff)
	}
	res := output.NewBuildResult(results)
	if res.Kind != "BuildResult" || len(res.Images) != 3 || res.Images["api"].Image != results[1].Image {
		t.Errorf("BuildResult: %+v", res)
	}
	if got := output.NewBuildResult(nil).Images; got == nil {
		t.Error("BuildResult of no builds: images is null")
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		info version.Info
		want string
	}{
		{version.Info{Version: "v1.2.3", Commit: "0123456789abcdef0123", Date: "2026-11-23T10:00:00Z", GoVersion: "go1.25.0", Platform: "linux/amd64"},
			"berth v1.2.3 (commit 0123456789ab, built 2026-11-23T10:00:00Z) go1.25.0 linux/amd64\n"},
		{version.Info{Version: "v1.2.3", Commit: "0123456789ab", GoVersion: "go1.25.0", Platform: "darwin/arm64"},
			"berth v1.2.3 (commit 0123456789ab) go1.25.0 darwin/arm64\n"},
		{version.Info{Version: "dev", Date: "ignored without a commit", GoVersion: "go1.25.0", Platform: "linux/arm64"},
			"berth dev go1.25.0 linux/arm64\n"},
	} {
		var b strings.Builder
		output.Version(&b, tc.info)
		if b.String() != tc.want {
			t.Errorf("Version(%+v) = %q, want %q", tc.info, b.String(), tc.want)
		}
	}
}

func TestDiffResult(t *testing.T) {
	t.Parallel()
	data, err := json.Marshal(output.NewDiffResult("shop", "prod", nil))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"apiVersion":"berth/v1","kind":"Diff","app":"shop","namespace":"prod","differs":false,"objects":[]}`
	if string(data) != want {
		t.Errorf("DiffResult of no changes: %s, want %s", data, want)
	}
	if !output.NewDiffResult("shop", "prod", []kube.Diff{{Change: "update"}}).Differs {
		t.Error("a change does not differ")
	}
}

func TestValidationReport(t *testing.T) {
	t.Parallel()
	warning := &config.Warning{File: "berth.yaml", Pos: config.Pos{Line: 4, Col: 5}, Path: "services.db", Msg: "a stateful service without volumes", Hint: "add volumes:"}
	checks := []render.Check{
		{Env: "", Rendered: true, Services: 2, Objects: 5, Warnings: []*config.Warning{warning}},
		{Env: "production", Err: config.Errors{
			{File: "berth.yaml", Pos: config.Pos{Line: 20, Col: 7}, Path: "environments.production.services.web.replicas", Msg: "must be at least 0", Hint: "use 0 or more"},
			{File: "berth.yaml", Pos: config.Pos{Line: 21, Col: 7}, Msg: "second"},
		}},
		{Env: "staging", Rendered: true, Services: 2, Objects: 5, Err: render.ErrMissingImage},
	}
	var b strings.Builder
	if err := output.Data(&b, "json", output.NewValidationReport("berth.yaml", checks)); err != nil {
		t.Fatal(err)
	}
	golden(t, "validation-report", b.String())

	b.Reset()
	output.Validated(&b, output.Painter{}, "berth.yaml", []output.CheckedConfig{{Services: 1, Objects: 3}, {Environment: "production", Services: 2, Objects: 1}})
	want := "ok berth.yaml: base config is valid (1 service, 3 objects)\n" +
		"ok berth.yaml: environment production is valid (2 services, 1 object)\n"
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("valid lines (-want +got):\n%s", diff)
	}
	empty, _ := json.Marshal(output.NewValidationReport("berth.yaml", nil))
	if string(empty) != `{"apiVersion":"berth/v1","kind":"ValidationReport","file":"berth.yaml","valid":true,"checked":[],"problems":[]}` {
		t.Errorf("report of nothing: %s", empty)
	}
}
