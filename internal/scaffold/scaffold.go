// Package scaffold is berth init: it looks at a project folder (Node, Go,
// Python, or a Dockerfile of its own) and writes berth.yaml, .dockerignore,
// a Dockerfile when there is none and, on request, a CI workflow, from the
// templates embedded in the binary.
package scaffold

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/template"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/berth-dev/berth/templates"
)

// Languages init recognises.
const (
	Node       = "node"
	Go         = "go"
	Python     = "python"
	Dockerfile = "dockerfile" // a Dockerfile of the project's own
	Unknown    = "unknown"
)

// Project is what init found and what it will write; the CLI fills in
// answers (flags or prompts) before Render.
type Project struct {
	Dir  string
	Lang string
	// Name of the app (from package.json, go.mod or the folder).
	Name string
	// Port the app listens on; 0 for a worker, with no ports, Service or
	// probe.
	Port int
	// PortFrom says where Port comes from: "Dockerfile EXPOSE",
	// "http.ListenAndServe in main.go", "--port".
	PortFrom string
	// Cmd is the container command, as a JSON array body ("node", "server.js").
	Cmd string
	// HasDockerfile is true when the folder has a Dockerfile already.
	HasDockerfile bool
	Replicas      int
	Expose        string
	Registry      string
	// CI is "" or "github".
	CI string
}

// Detect looks at dir. The port is the one the Dockerfile or the sources
// say (see findPort), 0 when they say none.
func Detect(dir string) (*Project, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	p := &Project{Dir: abs, Lang: Unknown, Name: dnsName(filepath.Base(abs)), Replicas: 2, Expose: "ClusterIP"}
	exists := func(name string) bool { _, err := os.Stat(filepath.Join(abs, name)); return err == nil }
	p.HasDockerfile = exists("Dockerfile")
	start := ""
	switch {
	case exists("package.json"):
		p.Lang = Node
		start = p.detectNode()
	case exists("go.mod"):
		p.Lang = Go
		p.detectGo()
	case exists("requirements.txt") || exists("pyproject.toml"):
		p.Lang = Python
		p.detectPython()
	case p.HasDockerfile:
		p.Lang = Dockerfile
	}
	port, err := findPort(abs, p.HasDockerfile, start)
	if err != nil {
		return nil, err
	}
	p.Port, p.PortFrom = port.n, port.from
	return p, nil
}

// detectNode reads package.json; it returns the start script.
func (p *Project) detectNode() string {
	var pkg struct {
		Name    string            `json:"name"`
		Main    string            `json:"main"`
		Scripts map[string]string `json:"scripts"`
	}
	data, err := os.ReadFile(filepath.Join(p.Dir, "package.json"))
	if err == nil && json.Unmarshal(data, &pkg) == nil {
		if n := dnsName(strings.TrimPrefix(pkg.Name[strings.LastIndex(pkg.Name, "/")+1:], "@")); n != "" {
			p.Name = n
		}
	}
	main := pkg.Main
	if start := pkg.Scripts["start"]; strings.HasPrefix(start, "node ") {
		main = strings.Fields(start)[1]
	}
	if main == "" {
		for _, f := range []string{"server.js", "index.js", "app.js", "main.js"} {
			if _, err := os.Stat(filepath.Join(p.Dir, f)); err == nil {
				main = f
				break
			}
		}
	}
	if main == "" {
		main = "index.js"
	}
	p.Cmd = fmt.Sprintf("%q, %q", "node", main)
	return pkg.Scripts["start"]
}

func (p *Project) detectGo() {
	data, err := os.ReadFile(filepath.Join(p.Dir, "go.mod"))
	if err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if mod, ok := strings.CutPrefix(strings.TrimSpace(line), "module "); ok {
				if n := dnsName(mod[strings.LastIndex(mod, "/")+1:]); n != "" {
					p.Name = n
				}
			}
		}
	}
}

func (p *Project) detectPython() {
	main := ""
	for _, f := range []string{"app.py", "main.py", "server.py", "wsgi.py"} {
		if _, err := os.Stat(filepath.Join(p.Dir, f)); err == nil {
			main = f
			break
		}
	}
	if main == "" {
		main = "app.py"
	}
	p.Cmd = fmt.Sprintf("%q, %q", "python", main)
}

// dnsName turns a name into a DNS-1123 label ("" when nothing is left).
func dnsName(s string) string {
	s = strings.ToLower(s)
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '-' || r == '_' || r == '.' || r == ' ':
			b.WriteByte('-')
		}
	}
	out := strings.Trim(b.String(), "-")
	if len(out) > 53 {
		out = strings.Trim(out[:53], "-")
	}
	if len(validation.IsDNS1123Label(out)) > 0 {
		return ""
	}
	return out
}

// File is one file init writes.
type File struct {
	Path string // relative to the project
	Data []byte
}

// Render produces the files for p.
func Render(p *Project) ([]File, error) {
	if dnsName(p.Name) != p.Name || p.Name == "" {
		return nil, fmt.Errorf("%q is not a valid app name: lowercase letters, digits and '-', at most 53", p.Name)
	}
	data := map[string]any{
		"Name": p.Name, "Service": p.Name, "Port": p.Port, "PortFrom": p.PortFrom, "Cmd": p.Cmd, "Replicas": p.Replicas,
		"Expose": p.Expose, "Registry": p.Registry, "Lang": p.Lang, "Layers": "", "Ignore": []string{},
	}
	switch p.Lang {
	case Node:
		data["Layers"] = "node_modules"
		data["Ignore"] = []string{"npm-debug.log*", "coverage"}
	case Python:
		data["Layers"] = "deps"
		data["Ignore"] = []string{"__pycache__", "*.pyc", ".venv", ".pytest_cache"}
	case Go:
		data["Ignore"] = []string{"*_test.go", "vendor"}
	}
	var files []File
	add := func(path, tmpl string) error {
		t, err := template.ParseFS(templates.FS, tmpl)
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		if err := t.Execute(&buf, data); err != nil {
			return fmt.Errorf("%s: %w", tmpl, err)
		}
		files = append(files, File{Path: path, Data: buf.Bytes()})
		return nil
	}
	if err := add("berth.yaml", "berth.yaml.tmpl"); err != nil {
		return nil, err
	}
	if err := add(".dockerignore", "dockerignore.tmpl"); err != nil {
		return nil, err
	}
	if !p.HasDockerfile {
		switch p.Lang {
		case Node, Go, Python:
			if err := add("Dockerfile", "Dockerfile."+p.Lang+".tmpl"); err != nil {
				return nil, err
			}
		default:
			return nil, errors.New("no Dockerfile and no Node, Go or Python project here: berth init cannot guess how to build it; add a Dockerfile, then run berth init again")
		}
	}
	if p.CI == "github" {
		if err := add(".github/workflows/deploy.yml", "github-deploy.yml.tmpl"); err != nil {
			return nil, err
		}
	}
	return files, nil
}

// Write writes files under dir. Existing files are kept (and listed in
// skipped) unless force.
func Write(dir string, files []File, force bool) (written, skipped []string, err error) {
	for _, f := range files {
		path := filepath.Join(dir, filepath.FromSlash(f.Path))
		if _, err := os.Stat(path); err == nil && !force {
			skipped = append(skipped, f.Path)
			continue
		} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return written, skipped, err
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return written, skipped, err
		}
		if err := os.WriteFile(path, f.Data, 0o644); err != nil {
			return written, skipped, err
		}
		written = append(written, f.Path)
	}
	return written, skipped, nil
}
