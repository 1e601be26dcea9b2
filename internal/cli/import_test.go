package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// TestImportComposeCommand writes berth.yaml from a compose file, refuses
// to overwrite it without --force, and the result validates.
func TestImportComposeCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := filepath.Join(dir, "berth.yaml")
	compose := filepath.Join("testdata", "compose", "docker-compose.yml")
	_, stderr, code := run(t, nil, "import", "compose", "-f", compose, "--file", out, "--volume-size", "5Gi", "--offline")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	for _, s := range []string{
		"warning: " + compose + ":13: services.db.networks: is not translated",
		"wrote " + out + " from " + compose + ": 2 services (db, web), ",
		"next: export DATABASE_PASSWORD, POSTGRES_PASSWORD (berth.yaml's secrets read them), then berth validate and berth render",
	} {
		if !strings.Contains(stderr, s) {
			t.Errorf("stderr lacks %q:\n%s", s, stderr)
		}
	}
	data, err := os.ReadFile(out)
	if err != nil || !strings.Contains(string(data), "size: 5Gi") || strings.Contains(string(data), "example") {
		t.Errorf("berth.yaml (%v):\n%s", err, data)
	}
	env := map[string]string{"DATABASE_PASSWORD": "pw", "POSTGRES_PASSWORD": "pw"}
	if _, stderr, code := run(t, env, "validate", "-f", out); code != 0 {
		t.Errorf("validate: exit %d\n%s", code, stderr)
	}
	_, stderr, code = run(t, nil, "import", "compose", "-f", compose, "--file", out, "--offline")
	if code != ExitFailure || !strings.Contains(stderr, "does not overwrite it") || !strings.Contains(stderr, "hint: pass --force") {
		t.Errorf("second import: exit %d\n%s", code, stderr)
	}
	if after, _ := os.ReadFile(out); string(after) != string(data) {
		t.Errorf("berth.yaml changed without --force")
	}
	if _, stderr, code = run(t, nil, "import", "compose", "-f", compose, "--file", out, "--force", "--offline"); code != 0 {
		t.Errorf("--force: exit %d\n%s", code, stderr)
	}
	if _, stderr, code = run(t, nil, "import", "compose", "--file", filepath.Join(dir, "other.yaml"), "-f", filepath.Join(dir, "nope.yml")); code != ExitFailure || !strings.Contains(stderr, "nope.yml") {
		t.Errorf("missing compose file: exit %d\n%s", code, stderr)
	}
}

// TestImportComposeFlags checks flag parsing without running anything.
func TestImportComposeFlags(t *testing.T) {
	t.Parallel()
	streams, _, _, _ := genericiooptions.NewTestIOStreams()
	f := NewFactory(streams)
	var got *ImportComposeOptions
	root := NewRootCmd(f)
	for _, c := range root.Commands() {
		if c.Name() == "import" {
			root.RemoveCommand(c)
		}
	}
	root.AddCommand(NewCmdImport(f, func(_ context.Context, o *ImportComposeOptions) error { got = o; return nil }))
	addFileFlag(f, root)
	root.SetArgs([]string{"import", "compose", "-f", "a.yml", "-f", "b.yml", "--profile", "p1", "--profile", "p2", "--file", "out/berth.yaml", "--expose", "NodePort", "--name", "shop", "--force", "--env-file", "prod.env", "--offline"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	want := ImportComposeOptions{ComposeFiles: []string{"a.yml", "b.yml"}, Profiles: []string{"p1", "p2"}, EnvFiles: []string{"prod.env"}, Name: "shop", VolumeSize: "1Gi", Expose: "NodePort", Force: true, Offline: true}
	gotv := *got
	gotv.IOStreams, gotv.f = genericiooptions.IOStreams{}, nil
	if diff := cmp.Diff(want, gotv, cmp.AllowUnexported(ImportComposeOptions{}, cmdBase{}), cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".output" }, cmp.Ignore())); diff != "" {
		t.Errorf("options (-want +got):\n%s", diff)
	}
	if got.output != "out/berth.yaml" {
		t.Errorf("output %q, want out/berth.yaml", got.output)
	}
}

// TestImportComposeFileSecrets: the Postgres pattern of issue 16 imports
// and renders with no variable set; the secret comes from its file and is
// mounted under /run/secrets (internal/compose has the whole-output golden).
func TestImportComposeFileSecrets(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := filepath.Join("..", "compose", "testdata", "filesecrets")
	for _, f := range []string{"compose.yaml", "db/password.txt", "proxy/nginx.conf"} {
		data, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(dir, "berth.yaml")
	_, stderr, code := run(t, nil, "import", "compose", "-f", filepath.Join(dir, "compose.yaml"), "--file", out, "--offline")
	if code != 0 || !strings.Contains(stderr, "next: berth validate, then berth render") {
		t.Fatalf("import: exit %d\n%s", code, stderr)
	}
	stdout, stderr, code := run(t, nil, "render", "-f", out)
	if code != 0 {
		t.Fatalf("render with no variable set: exit %d\n%s", code, stderr)
	}
	for _, s := range []string{"value: /run/secrets/db-password", "mountPath: /run/secrets/db-password", `mountPath: "/etc/nginx/conf.d/default.conf"`, "name: \"proxy-files\""} {
		if !strings.Contains(stdout, s) {
			t.Errorf("render output lacks %q:\n%s", s, stdout)
		}
	}
	if strings.Contains(stdout, "db-pw-in-a-file") {
		t.Errorf("render shows the secret value without --show-secrets")
	}
}
