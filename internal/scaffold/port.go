package scaffold

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/berth-dev/berth/internal/build"
)

// Where init looks for the port an app listens on, in this order; the
// first that names one wins:
//
//  1. the Dockerfile's EXPOSE (the first TCP port of the stage berth
//     builds, ARGs expanded), then its ENV PORT (or ASP.NET Core's
//     ASPNETCORE_HTTP_PORTS, ASPNETCORE_URLS);
//  2. a command that serves: gunicorn, uvicorn, flask run, next start,
//     manage.py runserver in the Dockerfile's ENTRYPOINT or CMD, the
//     package.json start script or the Procfile's web process;
//  3. a listener in the source (listeners below), a port number written
//     next to it first, else the framework's default.
//
// A language's usual port is no evidence: a project with none of these is
// a worker, with no port.

// A listener is source code that serves on a port: re, in a file that
// match accepts, is the listener; ports find its port number in the same
// file (the first that matches). def, explained by note, is the port when
// none does.
type listener struct {
	name  string
	match func(file string) bool
	re    *regexp.Regexp
	ports []*regexp.Regexp
	def   int
	note  string
}

func ext(exts ...string) func(string) bool {
	return func(file string) bool { return slices.Contains(exts, path.Ext(file)) }
}

func base(names ...string) func(string) bool {
	return func(file string) bool { return slices.Contains(names, path.Base(file)) }
}

var (
	js      = ext(".js", ".mjs", ".cjs", ".ts", ".mts", ".cts")
	jsPorts = res(`\.listen\(\s*['"]?(\d{2,5})\b`, `(?i)\bport\b\s*(?:\|\||\?\?)\s*['"]?(\d{2,5})\b`, `(?i)\bport\s*[:=]\s*['"]?(\d{2,5})\b`)
	goFile  = ext(".go")
	goPorts = res(`(?:ListenAndServe(?:TLS)?|Listen|Run|Start)\(\s*(?:"tcp[46]?",\s*)?"[^"\s]*:(\d{2,5})"`, `\bAddr:\s*"[^"\s]*:(\d{2,5})"`, `"PORT"[^\n]*?"(\d{2,5})"`, `"(?:[\w.\-]*|\[[\w:]*\]):(\d{2,5})"`)
	py      = ext(".py")
	pyPorts = res(`\bport\s*=\s*(\d{2,5})\b`, `['"]PORT['"]\s*,\s*['"]?(\d{2,5})\b`, `\bPORT\s*=\s*(\d{2,5})\b`)
	cs      = ext(".cs")
	csPorts = res(`(?:UseUrls|Urls\.Add|\.Run)\(\s*"https?://[^"\s]*:(\d{2,5})`, `\bListen(?:AnyIP|Localhost)?\(\s*(\d{2,5})\b`)
	aspnet  = "ASP.NET Core's default in containers"

	listeners = []listener{
		{"listen()", js, regexp.MustCompile(`\.listen\(`), jsPorts, 3000, ""},
		{"Bun.serve", js, regexp.MustCompile(`\bBun\.serve\(`), jsPorts, 3000, "Bun's default"},
		{"Deno.serve", js, regexp.MustCompile(`\bDeno\.serve\(`), jsPorts, 8000, "Deno's default"},
		// "(" and not "?": a call, not a regexp that looks for one.
		{"http.ListenAndServe", goFile, regexp.MustCompile(`\.ListenAndServe(?:TLS)?\([^?]`), goPorts, 8080, ""},
		{"net.Listen", goFile, regexp.MustCompile(`\bnet\.Listen\(`), goPorts, 8080, ""},
		{"gin", goFile, regexp.MustCompile(`\bgin\.(?:Default|New)\(`), goPorts, 8080, "gin's default"},
		{"echo", goFile, regexp.MustCompile(`\becho\.New\(`), goPorts, 8080, ""},
		{"fiber", goFile, regexp.MustCompile(`\bfiber\.New\(`), goPorts, 3000, ""},
		{"uvicorn.run", py, regexp.MustCompile(`\buvicorn\.run\(`), pyPorts, 8000, "uvicorn's default"},
		{"Flask", py, regexp.MustCompile(`\bFlask\(`), pyPorts, 5000, "Flask's default"},
		{"FastAPI", py, regexp.MustCompile(`\bFastAPI\(`), pyPorts, 8000, "uvicorn's default"},
		{"aiohttp web.run_app", py, regexp.MustCompile(`\bweb\.run_app\(`), pyPorts, 8080, "aiohttp's default"},
		{"HTTPServer", py, regexp.MustCompile(`\b(?:Threading)?HTTPServer\(`), res(`HTTPServer\(\s*\(\s*['"][^'"]*['"]\s*,\s*(\d{2,5})\b`, `\bPORT\s*=\s*(\d{2,5})\b`), 8000, ""},
		{"Django", base("manage.py"), regexp.MustCompile(`DJANGO_SETTINGS_MODULE`), nil, 8000, "runserver's default"},
		{"WebApplication", cs, regexp.MustCompile(`\bWebApplication\.Create(?:Builder|SlimBuilder)?\(`), csPorts, 8080, aspnet},
		{"WebHost", cs, regexp.MustCompile(`\b(?:WebHost\.CreateDefaultBuilder|ConfigureWebHostDefaults|UseKestrel)\(`), csPorts, 8080, aspnet},
		{"Microsoft.NET.Sdk.Web", ext(".csproj"), regexp.MustCompile(`Sdk="Microsoft\.NET\.Sdk\.Web"`), nil, 8080, aspnet},
		{"server.port", base("application.properties"), regexp.MustCompile(`(?m)^\s*server\.port\s*[=:]`), res(`server\.port\s*[=:]\s*(?:\$\{\w+:)?(\d{2,5})\b`), 8080, "Spring Boot's default"},
		{"server.port", base("application.yml", "application.yaml"), regexp.MustCompile(`(?m)^server:[ \t]*\n(?:[ \t]+.*\n)*?[ \t]+port:`), res(`(?m)^server:[ \t]*\n(?:[ \t]+.*\n)*?[ \t]+port:\s*['"]?(?:\$\{\w+:)?(\d{2,5})\b`), 8080, "Spring Boot's default"},
		{"spring-boot-starter-web", base("pom.xml", "build.gradle", "build.gradle.kts"), regexp.MustCompile(`spring-boot-starter-web(?:flux)?\b`), nil, 8080, "Spring Boot's default"},
	}

	// commands are command lines that serve, each with its port option.
	commands = []listener{
		{"gunicorn", nil, regexp.MustCompile(`\bgunicorn\b`), res(`(?:-b|--bind)[=\s]+['"]?(?:[^\s:'"]*:)?(\d{2,5})\b`), 8000, "gunicorn's default"},
		{"uvicorn", nil, regexp.MustCompile(`\buvicorn\b`), res(`--port[=\s]+(\d{2,5})\b`), 8000, "uvicorn's default"},
		{"flask run", nil, regexp.MustCompile(`\bflask\b.*\brun\b`), res(`(?:-p|--port)[=\s]+(\d{2,5})\b`), 5000, "Flask's default"},
		{"next start", nil, regexp.MustCompile(`\bnext\s+start\b`), res(`(?:-p|--port)[=\s]+(\d{2,5})\b`), 3000, "Next.js's default"},
		{"manage.py runserver", nil, regexp.MustCompile(`\bmanage\.py\s+runserver\b`), res(`runserver\s+(?:[^\s:]*:)?(\d{2,5})\b`), 8000, "runserver's default"},
	}
)

func res(exprs ...string) []*regexp.Regexp {
	out := make([]*regexp.Regexp, len(exprs))
	for i, e := range exprs {
		out[i] = regexp.MustCompile(e)
	}
	return out
}

// port is a port init saw and where it saw it.
type port struct {
	n    int
	from string
	// explicit is false for a framework's default.
	explicit bool
	// depth is the folder depth of the source file it was seen in.
	depth int
}

// seen returns the port l says in text, if text has l.
func (l *listener) seen(text []byte, where string) (port, bool) {
	if !l.re.Match(text) {
		return port{}, false
	}
	for _, re := range l.ports {
		if m := re.FindSubmatch(text); m != nil {
			if n := portNumber(string(m[1])); n > 0 {
				return port{n: n, from: l.name + " in " + where, explicit: true}, true
			}
		}
	}
	from := l.name + " in " + where + ", no port number there"
	if l.note != "" {
		from += ": " + l.note
	}
	return port{n: l.def, from: from}, true
}

func portNumber(s string) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 || n > 65535 {
		return 0
	}
	return n
}

// command is a command line that may start the app, and where it is.
type command struct{ text, where string }

// findPort looks for the port of the app in dir (see the order above);
// start is the package.json start script. It returns 0 when there is no
// evidence of one.
func findPort(dir string, hasDockerfile bool, start string) (port, error) {
	var cmds []command
	if hasDockerfile {
		file := filepath.Join(dir, "Dockerfile")
		df, err := build.ParseDockerfile(file, nil, "", build.DefaultPlatform())
		var daemon *build.DaemonError
		if err != nil && !errors.As(err, &daemon) {
			return port{}, fmt.Errorf("reading the Dockerfile for its port: %w", err)
		}
		s, err := df.Settings()
		if err != nil {
			return port{}, fmt.Errorf("reading the Dockerfile for its port: %w", err)
		}
		if p, ok := dockerfilePort(s); ok {
			return p, nil
		}
		cmds = append(cmds,
			command{strings.Join(s.Config.Entrypoint, " "), "the Dockerfile's ENTRYPOINT"},
			command{strings.Join(s.Config.Cmd, " "), "the Dockerfile's CMD"})
	}
	if start != "" {
		cmds = append(cmds, command{start, "package.json's start script"})
	}
	if data, err := os.ReadFile(filepath.Join(dir, "Procfile")); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if web, ok := strings.CutPrefix(strings.TrimSpace(line), "web:"); ok {
				cmds = append(cmds, command{web, "the Procfile's web process"})
			}
		}
	}
	for _, c := range cmds {
		for _, l := range commands {
			if p, ok := l.seen([]byte(c.text), c.where); ok {
				return p, nil
			}
		}
	}
	return sourcePort(dir)
}

// dockerfilePort is the port a Dockerfile's EXPOSE or ENV PORT says.
func dockerfilePort(s *build.Settings) (port, bool) {
	for _, e := range s.Exposed {
		if n, proto, _ := strings.Cut(e, "/"); proto == "tcp" {
			return port{n: portNumber(n), from: "Dockerfile EXPOSE", explicit: true}, true
		}
	}
	env := map[string]string{}
	for _, kv := range s.Config.Env {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	if n := portNumber(env["PORT"]); n > 0 {
		return port{n: n, from: "Dockerfile ENV PORT", explicit: true}, true
	}
	// ASP.NET Core 8 listens on ASPNETCORE_HTTP_PORTS ("8080;8081"), else
	// on ASPNETCORE_URLS ("http://+:5000;https://+:5001").
	first, _, _ := strings.Cut(env["ASPNETCORE_HTTP_PORTS"], ";")
	if n := portNumber(first); n > 0 {
		return port{n: n, from: "Dockerfile ENV ASPNETCORE_HTTP_PORTS", explicit: true}, true
	}
	first, _, _ = strings.Cut(env["ASPNETCORE_URLS"], ";")
	if i := strings.LastIndex(first, ":"); i >= 0 {
		if n := portNumber(strings.TrimSuffix(first[i+1:], "/")); n > 0 {
			return port{n: n, from: "Dockerfile ENV ASPNETCORE_URLS", explicit: true}, true
		}
	}
	return port{}, false
}

// Bounds of the walk over the sources.
const (
	maxDepth     = 6
	maxFiles     = 2000
	maxFileBytes = 1 << 20
)

// sourcePort looks for a listener in the sources under dir: a port number
// written next to one first, then a framework's default; the shallower
// file first, in the order of the walk.
func sourcePort(dir string) (port, error) {
	var found []port
	files := 0
	err := filepath.WalkDir(dir, func(file string, d fs.DirEntry, err error) error {
		if err != nil {
			// An unreadable folder is no evidence; keep looking.
			if d != nil && d.IsDir() && file != dir {
				return fs.SkipDir
			}
			return nil
		}
		rel, _ := filepath.Rel(dir, file)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel != "." && (skipDir(d.Name()) || strings.Count(rel, "/") >= maxDepth) {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || skipFile(d.Name()) {
			return nil
		}
		var ls []*listener
		for i := range listeners {
			if listeners[i].match(rel) {
				ls = append(ls, &listeners[i])
			}
		}
		if len(ls) == 0 {
			return nil
		}
		if files++; files > maxFiles {
			return fs.SkipAll
		}
		text, err := readHead(file)
		if err != nil {
			return nil
		}
		for _, l := range ls {
			if p, ok := l.seen(text, rel); ok {
				p.depth = strings.Count(rel, "/")
				found = append(found, p)
			}
		}
		return nil
	})
	if err != nil {
		return port{}, err
	}
	slices.SortStableFunc(found, func(a, b port) int {
		switch {
		case a.explicit && !b.explicit:
			return -1
		case b.explicit && !a.explicit:
			return 1
		}
		return a.depth - b.depth
	})
	if len(found) == 0 {
		return port{}, nil
	}
	return found[0], nil
}

func readHead(file string) ([]byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, maxFileBytes))
}

// skipDir is a folder whose code is not the app's: dependencies, build
// output, tests, hidden folders.
func skipDir(name string) bool {
	switch name {
	case "node_modules", "vendor", "bin", "obj", "target", "dist", "build", "out", "deps",
		"venv", "env", "__pycache__", "site-packages", "__tests__", "spec", "e2e", "mocks",
		"fixtures", "coverage", "examples":
		return true
	}
	// test, tests, testdata, testutil...: test support, not the app.
	return strings.HasPrefix(name, ".") || strings.HasPrefix(name, "test") ||
		strings.HasSuffix(name, ".Tests") || strings.HasSuffix(name, ".Test")
}

func skipFile(name string) bool {
	return strings.HasSuffix(name, "_test.go") || strings.Contains(name, ".test.") || strings.Contains(name, ".spec.") ||
		strings.HasPrefix(name, "test_") || strings.HasSuffix(name, "_test.py") || name == "conftest.py" ||
		strings.HasSuffix(name, "Tests.cs")
}
