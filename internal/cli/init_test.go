package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestInitCommand: berth init without a terminal takes the detected values
// and the flags, writes the files, keeps existing ones, and the result
// validates.
func TestInitCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "package.json"), `{"name": "shop", "scripts": {"start": "node server.js"}}`)
	writeFile(t, filepath.Join(dir, "server.js"), "require('http').createServer().listen(process.env.PORT || 3000)\n")
	_, stderr, code := run(t, nil, "init", "--dir", dir, "--registry", "ghcr.io/acme", "--ci", "github", "--expose", "NodePort")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	for _, s := range []string{`detected: node project "shop", port 3000`, "wrote berth.yaml", "wrote .dockerignore", "wrote Dockerfile", "wrote .github/workflows/deploy.yml"} {
		if !strings.Contains(stderr, s) {
			t.Errorf("stderr lacks %q:\n%s", s, stderr)
		}
	}
	data, _ := os.ReadFile(filepath.Join(dir, "berth.yaml"))
	if !strings.Contains(string(data), "expose: NodePort") || !strings.Contains(string(data), "registry: ghcr.io/acme") {
		t.Errorf("berth.yaml:\n%s", data)
	}
	if _, stderr, code = run(t, nil, "validate", "-f", filepath.Join(dir, "berth.yaml")); code != 0 {
		t.Errorf("validate: exit %d\n%s", code, stderr)
	}
	_, stderr, code = run(t, nil, "init", "--dir", dir)
	if code != 0 || !strings.Contains(stderr, "kept berth.yaml (it exists; --force overwrites it)") || strings.Contains(stderr, "wrote") {
		t.Errorf("second init: exit %d\n%s", code, stderr)
	}
	if _, stderr, code = run(t, nil, "init", "--dir", dir, "--ci", "gitlab"); code != 2 || !strings.Contains(stderr, "the one supported is github") {
		t.Errorf("--ci gitlab: exit %d\n%s", code, stderr)
	}
}

// TestCompletion asks cobra's __complete for services, scale counts and
// environments, as a shell does.
func TestCompletion(t *testing.T) {
	t.Parallel()
	file := writeConfig(t, "apiVersion: berth/v1\nname: shop\nservices:\n  web: {image: nginx:1.27}\n  api: {image: nginx:1.27}\nenvironments:\n  production: {}\n")
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"__complete", "logs", "--file", file, ""}, []string{"api", "web"}},
		{[]string{"__complete", "scale", "-f", file, "web=2", ""}, []string{"api="}},
		{[]string{"__complete", "rollout", "status", "-f", file, ""}, []string{"api", "web"}},
		{[]string{"__complete", "render", "-f", file, "-e", ""}, []string{"production"}},
	} {
		stdout, _, _ := run(t, nil, tc.args...)
		for _, w := range tc.want {
			if !strings.Contains(stdout, w+"\n") {
				t.Errorf("%v: %q lacks %q", tc.args, stdout, w)
			}
		}
	}
}
