package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/berth-dev/berth/internal/scaffold"
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
	for _, s := range []string{`detected: node project "shop", port 3000 (listen() in server.js)`, "wrote berth.yaml", "wrote .dockerignore", "wrote Dockerfile", "wrote .github/workflows/deploy.yml"} {
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

// TestInitPort: init says which port it took and where from, and that a
// project with no port is a worker; the berth.yaml validates either way.
func TestInitPort(t *testing.T) {
	t.Parallel()
	const worker = "no port found (no EXPOSE, ENV PORT or listener in the source): %s is a worker with no Service; add ports: to berth.yaml if it serves"
	for _, tc := range []struct {
		fixture string
		args    []string
		code    int
		stderr  []string
		// yaml are lines berth.yaml has ("!" first: lacks).
		yaml []string
	}{
		{"node-dockerfile", nil, 0, []string{`detected: node project "storefront", port 80 (Dockerfile EXPOSE)`, "wrote berth.yaml", "!wrote Dockerfile"},
			[]string{"targetPort: 80}", "readiness: {http: {path: /, port: http}}"}},
		{"python-gunicorn", nil, 0, []string{`detected: python project "python-gunicorn", port 8000 (Dockerfile EXPOSE)`}, []string{"targetPort: 8000}"}},
		{"go-http", nil, 0, []string{`detected: go project "pricing", port 9000 (http.ListenAndServe in main.go)`, "wrote Dockerfile"}, []string{"targetPort: 9000}"}},
		{"dotnet-worker", nil, 0, []string{`detected: dockerfile project "dotnet-worker", no port`, fmt.Sprintf(worker, "dotnet-worker")},
			[]string{"!ports:", "!probes:", "!expose:"}},
		{"go-worker", nil, 0, []string{`detected: go project "mailer", no port`, fmt.Sprintf(worker, "mailer")}, []string{"!ports:", "!probes:"}},
		{"go-worker", []string{"--port", "8080"}, 0, []string{`detected: go project "mailer", no port`, "port 8080 (--port)", "!no port found"},
			[]string{"targetPort: 8080}", "probes:"}},
		{"dotnet-worker", []string{"--expose", "NodePort"}, 2, []string{"--expose NodePort needs a port: berth init found none for dotnet-worker; add --port"}, nil},
	} {
		t.Run(tc.fixture+strings.Join(tc.args, ""), func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), tc.fixture)
			if err := os.CopyFS(dir, os.DirFS(filepath.Join("..", "scaffold", "testdata", tc.fixture))); err != nil {
				t.Fatal(err)
			}
			_, stderr, code := run(t, nil, append([]string{"init", "--dir", dir}, tc.args...)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\n%s", code, tc.code, stderr)
			}
			for _, s := range tc.stderr {
				if lacks, ok := strings.CutPrefix(s, "!"); ok {
					if strings.Contains(stderr, lacks) {
						t.Errorf("stderr has %q:\n%s", lacks, stderr)
					}
				} else if !strings.Contains(stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, stderr)
				}
			}
			if tc.code != 0 {
				return
			}
			data, err := os.ReadFile(filepath.Join(dir, "berth.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			var lines []string
			for _, l := range strings.Split(string(data), "\n") {
				if l = strings.TrimSpace(l); !strings.HasPrefix(l, "#") {
					lines = append(lines, l)
				}
			}
			yaml := strings.Join(lines, "\n")
			for _, s := range tc.yaml {
				if lacks, ok := strings.CutPrefix(s, "!"); ok {
					if strings.Contains(yaml, lacks) {
						t.Errorf("berth.yaml has %q:\n%s", lacks, data)
					}
				} else if !strings.Contains(yaml, s) {
					t.Errorf("berth.yaml lacks %q:\n%s", s, data)
				}
			}
			if _, stderr, code = run(t, nil, "validate", "-f", filepath.Join(dir, "berth.yaml")); code != 0 {
				t.Errorf("validate: exit %d\n%s", code, stderr)
			}
		})
	}
}

// lineReader returns one line per Read, as a terminal does.
type lineReader struct{ lines []string }

func (r *lineReader) Read(p []byte) (int, error) {
	if len(r.lines) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.lines[0]+"\n")
	r.lines = r.lines[1:]
	return n, nil
}

// TestInitAsk: the port question offers "none" for a worker, and takes
// "none" or a port number.
func TestInitAsk(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		port     int
		answer   string
		want     int
		question string
	}{
		{"worker kept", 0, "", 0, "Port the app listens on (none: a worker) [none]: "},
		{"worker given a port", 0, "8080", 8080, "[none]: "},
		{"port kept", 3000, "", 3000, "Port the app listens on (none: a worker) [3000]: "},
		{"port dropped", 3000, "none", 0, "[3000]: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			streams, _, _, errOut := genericiooptions.NewTestIOStreams()
			streams.In = &lineReader{[]string{"", tc.answer, "", "", ""}}
			o := &InitOptions{cmdBase: cmdBase{IOStreams: streams}}
			p := &scaffold.Project{Name: "web", Port: tc.port, PortFrom: "Dockerfile EXPOSE", Replicas: 2, Expose: "ClusterIP"}
			if err := o.ask(p); err != nil {
				t.Fatal(err)
			}
			if p.Port != tc.want || !strings.Contains(errOut.String(), tc.question) {
				t.Errorf("port %d, want %d; asked:\n%s", p.Port, tc.want, errOut)
			}
			if tc.answer != "" && p.PortFrom != "your answer" {
				t.Errorf("PortFrom %q after an answer", p.PortFrom)
			}
		})
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
