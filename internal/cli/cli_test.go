package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/testutil"
)

var update = flag.Bool("update", false, "rewrite golden files")

// eventTime matches the time of --progress=json events, for golden files.
var eventTime = regexp.MustCompile(`"time":"[^"]+"`)

// run executes berth in process with test streams and a fixed environment.
func run(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return runStreams(t, env, false, args...)
}

// runStreams is run with stdout and stderr taken for terminals when tty.
func runStreams(t *testing.T, env map[string]string, tty bool, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	streams, _, out, errOut := genericiooptions.NewTestIOStreams()
	f := NewFactory(streams)
	f.stdoutTTY, f.stderrTTY = tty, tty
	f.LookupEnv = func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	f.Environ = func() []string {
		var list []string
		for k, v := range env {
			list = append(list, k+"="+v)
		}
		return list
	}
	cmd := NewRootCmd(f)
	cmd.SetArgs(args)
	err := Execute(t.Context(), cmd)
	f.Finish(err)
	return out.String(), errOut.String(), ExitCode(err)
}

// TestCommandsGolden runs whole command lines and compares stdout, stderr
// and the exit code with testdata/cli/NAME.golden.
func TestCommandsGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
	}{
		{"help", []string{"--help"}, nil},
		{"render", []string{"render", "-f", "testdata/app/berth.yaml"}, nil},
		{"render-production", []string{"render", "-f", "testdata/app/berth.yaml", "-e", "production", "--set-image", "api=registry.example.com/api:v2"}, nil},
		{"render-json", []string{"render", "-f", "testdata/app/berth.yaml", "-o", "json", "--set-image", "api=api:1"}, nil},
		{"render-show-secrets", []string{"render", "-f", "testdata/app/berth.yaml", "--show-secrets", "--set-image", "api=api:1"}, map[string]string{"DB_PASSWORD": "from-env"}},
		{"render-broken", []string{"render", "-f", "testdata/broken/berth.yaml"}, nil},
		{"render-missing-file", []string{"render", "-f", "testdata/nope/berth.yaml"}, nil},
		{"render-unknown-env", []string{"render", "-f", "testdata/app/berth.yaml", "-e", "prod"}, nil},
		{"render-bad-set-image", []string{"render", "-f", "testdata/app/berth.yaml", "--set-image", "api"}, nil},
		{"render-unknown-service-image", []string{"render", "-f", "testdata/app/berth.yaml", "--set-image", "db=mongo"}, nil},
		{"render-bad-output", []string{"render", "-f", "testdata/app/berth.yaml", "-o", "xml"}, nil},
		{"render-args", []string{"render", "extra"}, nil},
		{"unknown-flag", []string{"render", "--bogus"}, nil},
		{"unknown-command", []string{"deploi"}, nil},
		{"validate", []string{"validate", "-f", "testdata/app/berth.yaml"}, nil},
		{"validate-broken", []string{"validate", "-f", "testdata/broken/berth.yaml"}, nil},
		{"validate-json", []string{"validate", "-f", "testdata/app/berth.yaml", "-o", "json"}, nil},
		{"validate-yaml", []string{"validate", "-f", "testdata/app/berth.yaml", "-o", "yaml"}, nil},
		{"validate-broken-json", []string{"validate", "-f", "testdata/broken/berth.yaml", "-o", "json"}, nil},
		{"export-chart-no-dir", []string{"export-chart"}, nil},
		{"import-compose", []string{"import", "compose", "-f", "testdata/compose/docker-compose.yml", "--file", "-", "--offline"}, nil},
		{"import-compose-bad-size", []string{"import", "compose", "--volume-size", "lots"}, nil},
		{"import-compose-stdin", []string{"import", "compose", "-f", "-"}, nil},
		{"import-compose-help", []string{"import", "compose", "--help"}, nil},
		{"render-broken-github", []string{"render", "-f", "testdata/broken/berth.yaml"}, map[string]string{"GITHUB_ACTIONS": "true", "CI": "true"}},
		{"validate-broken-github", []string{"validate", "-f", "testdata/broken/berth.yaml", "-o", "json"}, map[string]string{"GITHUB_ACTIONS": "true"}},
		{"render-progress-json", []string{"render", "-f", "testdata/app/berth.yaml", "--set-image", "api=api:1", "--progress=json"}, nil},
		{"render-broken-progress-json", []string{"render", "-f", "testdata/broken/berth.yaml", "--progress=json"}, map[string]string{"GITHUB_ACTIONS": "true"}},
		{"validate-progress-json", []string{"validate", "-f", "testdata/app/berth.yaml", "--progress", "json"}, nil},
		{"validate-warning-github", []string{"validate", "-f", "testdata/warn/berth.yaml"}, map[string]string{"GITHUB_ACTIONS": "true"}},
		{"validate-warning-progress-json", []string{"validate", "-f", "testdata/warn/berth.yaml", "--progress=json"}, nil},
		{"unknown-flag-progress-json", []string{"render", "--progress=json", "--bogus"}, nil},
		{"bad-progress", []string{"render", "-f", "testdata/app/berth.yaml", "--progress", "fancy"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			stdout, stderr, code := run(t, tc.env, tc.args...)
			stderr = eventTime.ReplaceAllString(stderr, `"time":"TIME"`)
			got := fmt.Sprintf("$ berth %s\n--- exit %d\n--- stdout\n%s--- stderr\n%s", strings.Join(tc.args, " "), code, stdout, stderr)
			testutil.Golden(t, filepath.Join("testdata", "cli", tc.name+".golden"), []byte(got), *update)
		})
	}
}

func TestExitCodes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want int
	}{
		{[]string{"version"}, ExitOK},
		{[]string{"render", "-f", "testdata/app/berth.yaml"}, ExitOK},
		{[]string{"render", "-f", "testdata/broken/berth.yaml"}, ExitUsage},
		{[]string{"validate", "-f", "testdata/broken/berth.yaml"}, ExitUsage},
		{[]string{"validate", "-f", "testdata/broken/berth.yaml", "-o", "json"}, ExitUsage},
		{[]string{"render", "-f", "testdata/nope/berth.yaml"}, ExitUsage},
		{[]string{"render", "-f", "testdata/app/berth.yaml", "-e", "prod"}, ExitUsage},
		{[]string{"render", "--nope"}, ExitUsage},
		{[]string{"nope"}, ExitUsage},
		{[]string{"export-chart", "a", "b"}, ExitUsage},
	} {
		if _, _, code := run(t, nil, tc.args...); code != tc.want {
			t.Errorf("berth %s: exit %d, want %d", strings.Join(tc.args, " "), code, tc.want)
		}
	}
}

// TestRenderFlags checks flag parsing without running anything.
func TestRenderFlags(t *testing.T) {
	t.Parallel()
	streams, _, _, _ := genericiooptions.NewTestIOStreams()
	f := NewFactory(streams)
	var got *RenderOptions
	root := NewRootCmd(f)
	root.RemoveCommand(root.Commands()[0])
	for _, c := range root.Commands() {
		if c.Name() == "render" {
			root.RemoveCommand(c)
		}
	}
	root.AddCommand(NewCmdRender(f, func(_ context.Context, o *RenderOptions) error { got = o; return nil }))
	addFileFlag(f, root)
	root.SetArgs([]string{"render", "-f", "x.yaml", "-e", "prod", "--set-image", "a=b:1", "--set-image", "c=d@sha256:00", "--show-secrets", "--validate", "-n", "ns1"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"a": "b:1", "c": "d@sha256:00"}, got.images); diff != "" {
		t.Errorf("images (-want +got):\n%s", diff)
	}
	if !got.ShowSecrets || !got.Strict || f.File != "x.yaml" || f.Env != "prod" || f.Namespace() != "ns1" || got.format != "yaml" {
		t.Errorf("flags not bound: %+v file=%s env=%s ns=%s", got, f.File, f.Env, f.Namespace())
	}
}

func TestRenderOutputDir(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, stderr, code := run(t, nil, "render", "-f", "testdata/app/berth.yaml", "--output-dir", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	want := []string{"01-secret-db.yaml", "02-service-api.yaml", "03-service-web.yaml", "04-deployment-api.yaml", "05-deployment-web.yaml"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
}

func TestSchemaCommand(t *testing.T) {
	t.Parallel()
	stdout, _, code := run(t, nil, "schema")
	if code != 0 || stdout != string(config.Schema()) {
		t.Fatalf("berth schema printed %d bytes (exit %d), want the embedded schema", len(stdout), code)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(stdout), &v); err != nil {
		t.Fatal(err)
	}
}

func TestVersionJSON(t *testing.T) {
	t.Parallel()
	stdout, _, code := run(t, nil, "version", "-o", "json")
	var info struct{ APIVersion, Kind, Version, GoVersion, Platform string }
	if code != 0 || json.Unmarshal([]byte(stdout), &info) != nil || info.APIVersion != "berth/v1" || info.Kind != "Version" || info.Version == "" || info.Platform == "" {
		t.Fatalf("version -o json: exit %d, %q", code, stdout)
	}
}

func TestExportChart(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "chart")
	_, stderr, code := run(t, nil, "export-chart", dir, "-f", "testdata/app/berth.yaml")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	chart, err := os.ReadFile(filepath.Join(dir, "Chart.yaml"))
	if err != nil || !bytes.Contains(chart, []byte("name: shop\n")) {
		t.Fatalf("Chart.yaml: %v %s", err, chart)
	}
	values, _ := os.ReadFile(filepath.Join(dir, "values.yaml"))
	if bytes.Contains(values, []byte("dev-password")) {
		t.Errorf("values.yaml holds a secret value without --show-secrets")
	}
	// A second export into the same directory is refused without --force.
	_, stderr, code = run(t, nil, "export-chart", dir, "-f", "testdata/app/berth.yaml")
	if code != ExitFailure || !strings.Contains(stderr, "--force") {
		t.Errorf("second export: exit %d, stderr %q", code, stderr)
	}
	if _, stderr, code = run(t, nil, "export-chart", dir, "-f", "testdata/app/berth.yaml", "--force"); code != 0 {
		t.Errorf("export --force: exit %d: %s", code, stderr)
	}
}

func TestColor(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name           string
		tty, stderrTTY bool
		env            map[string]string
		flag           bool
		progress       string
		want           bool
	}{
		{"terminal", true, true, nil, false, "", true},
		{"pipe", false, true, nil, false, "", false},
		{"stderr to a file", true, false, nil, false, "", false},
		{"CI", true, true, map[string]string{"CI": "true"}, false, "", false},
		{"NO_COLOR", true, true, map[string]string{"NO_COLOR": ""}, false, "", false},
		{"flag", true, true, nil, true, "", false},
		{"progress json", true, true, nil, false, ProgressJSON, false},
	} {
		f := &Factory{stdoutTTY: tc.tty, stderrTTY: tc.stderrTTY, NoColor: tc.flag, Progress: tc.progress, LookupEnv: func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok }}
		if got := f.Color(); got != tc.want {
			t.Errorf("%s: Color() = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestUsageErrorNamesCommandHelp: a usage error points at the help of the
// command that was run, whichever layer found the mistake (cobra's flag
// parsing, an Args check, Complete or Validate).
func TestUsageErrorNamesCommandHelp(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"deploi"}, "Run 'berth --help' for usage."},
		{[]string{"render", "--bogus"}, "Run 'berth render --help' for usage."},
		{[]string{"render", "extra"}, "Run 'berth render --help' for usage."},
		{[]string{"render", "-f", "testdata/app/berth.yaml", "-o", "xml"}, "Run 'berth render --help' for usage."},
		{[]string{"logs"}, "Run 'berth logs --help' for usage."},
		{[]string{"import", "compose", "--volume-size", "lots"}, "Run 'berth import compose --help' for usage."},
		{[]string{"rollout", "status", "--timeout"}, "Run 'berth rollout status --help' for usage."},
	} {
		_, stderr, code := run(t, nil, tc.args...)
		if code != ExitUsage || !strings.HasSuffix(stderr, tc.want+"\n") {
			t.Errorf("berth %s: exit %d, want %d and %q last:\n%s", strings.Join(tc.args, " "), code, ExitUsage, tc.want, stderr)
		}
	}
}

// TestSetImageUnknownService: --set-image naming a service berth.yaml does
// not have is a usage error (exit 2) in every command that takes it.
func TestSetImageUnknownService(t *testing.T) {
	t.Parallel()
	const want = `--set-image nosuch=foo:1: berth.yaml has no service "nosuch" (services: api, web)`
	check := func(args ...string) {
		t.Helper()
		_, stderr, code := run(t, nil, args...)
		if code != ExitUsage || !strings.Contains(stderr, want) {
			t.Errorf("berth %s: exit %d, want %d with %q:\n%s", strings.Join(args, " "), code, ExitUsage, want, stderr)
		}
	}
	check("render", "-f", "testdata/app/berth.yaml", "--set-image", "nosuch=foo:1")
	check("export-chart", t.TempDir(), "-f", "testdata/app/berth.yaml", "--set-image", "nosuch=foo:1")

	_, _, flags := onCluster(t)
	for _, cmd := range []string{"deploy", "apply", "diff", "up"} {
		check(append([]string{cmd, "-f", "testdata/app/berth.yaml", "--set-image", "nosuch=foo:1"}, flags...)...)
	}
}
