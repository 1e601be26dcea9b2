package scaffold

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/build"
	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/render"
	"github.com/berth-dev/berth/internal/testutil"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestInit runs init on small projects: what it detects, the files it
// writes (golden), and that the berth.yaml validates and renders (a worker
// to no Service and no probe).
func TestInit(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		fixture, lang, name string
		port                int
		from, cmd           string
		hasDockerfile       bool
	}{
		{"node", Node, "notes-app", 4000, "listen() in src/server.js", `"node", "src/server.js"`, false},
		{"go", Go, "inventory", 9090, "http.ListenAndServe in main.go", "", false},
		{"python", Python, "python", 5000, "Flask in app.py", `"python", "app.py"`, false},
		// The Dockerfile's EXPOSE 80 and ENV PORT=80, not server.js's
		// fallback (process.env.PORT || 4000).
		{"node-dockerfile", Node, "storefront", 80, "Dockerfile EXPOSE", `"node", "server.js"`, true},
		// EXPOSE 8000 (gunicorn), not app.run(port=5000) for development.
		{"python-gunicorn", Python, "python-gunicorn", 8000, "Dockerfile EXPOSE", `"python", "app.py"`, true},
		{"go-http", Go, "pricing", 9000, "http.ListenAndServe in main.go", "", false},
		// No listener: a worker, whatever the language's usual port.
		{"go-worker", Go, "mailer", 0, "", "", false},
		{"dotnet-worker", Dockerfile, "dotnet-worker", 0, "", "", true},
	} {
		t.Run(tc.fixture, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), tc.fixture)
			if err := os.CopyFS(dir, os.DirFS(filepath.Join("testdata", tc.fixture))); err != nil {
				t.Fatal(err)
			}
			p, err := Detect(dir)
			if err != nil {
				t.Fatal(err)
			}
			if p.Lang != tc.lang || p.Name != tc.name || p.Port != tc.port || p.PortFrom != tc.from || p.Cmd != tc.cmd || p.HasDockerfile != tc.hasDockerfile {
				t.Errorf("detected %+v", p)
			}
			p.CI = "github"
			p.Registry = "ghcr.io/acme"
			files, err := Render(p)
			if err != nil {
				t.Fatal(err)
			}
			n := 4
			if tc.hasDockerfile {
				n = 3
			}
			written, skipped, err := Write(dir, files, false)
			if err != nil || len(skipped) != 0 || len(written) != n {
				t.Fatalf("written %v skipped %v: %v", written, skipped, err)
			}
			var all strings.Builder
			for _, f := range files {
				all.WriteString("=== " + f.Path + "\n" + string(f.Data))
			}
			testutil.Golden(t, filepath.Join("testdata", "golden", tc.fixture+".golden"), []byte(all.String()), *update)

			if !tc.hasDockerfile {
				// The Dockerfile needs no daemon: berth's own builder takes it.
				if _, err := build.ParseDockerfile(filepath.Join(dir, "Dockerfile"), nil, "", "linux/amd64"); err != nil {
					t.Errorf("the generated Dockerfile: %v", err)
				}
			}
			proj, _, err := config.Load(filepath.Join(dir, "berth.yaml"), config.Options{})
			if err != nil {
				t.Fatalf("the generated berth.yaml: %v", err)
			}
			res, err := render.Render(proj, render.Options{Namespace: "default", Images: map[string]string{tc.name: "img:1"}})
			if err != nil {
				t.Fatalf("rendering it: %v", err)
			}
			// A port gets a Service and a readiness probe; a worker neither.
			var kinds []string
			probe := false
			for _, o := range res.Objects {
				kinds = append(kinds, o.Kind)
				probe = probe || strings.Contains(string(o.YAML), "readinessProbe:")
			}
			if service := slices.Contains(kinds, "Service"); service != (tc.port > 0) || probe != (tc.port > 0) {
				t.Errorf("port %d rendered %v, a readiness probe: %v", tc.port, kinds, probe)
			}
			// Again: nothing is overwritten without force.
			if written, skipped, _ = Write(dir, files, false); len(written) != 0 || len(skipped) != n {
				t.Errorf("second run wrote %v", written)
			}
			if written, _, _ = Write(dir, files, true); len(written) != n {
				t.Errorf("--force wrote %v", written)
			}
		})
	}
}

func TestInitWithoutAnything(t *testing.T) {
	t.Parallel()
	p, err := Detect(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Render(p); err == nil || !strings.Contains(err.Error(), "add a Dockerfile") {
		t.Errorf("empty folder: %v", err)
	}
	p.Name = "Bad Name"
	if _, err := Render(p); err == nil || !strings.Contains(err.Error(), "not a valid app name") {
		t.Errorf("bad name: %v", err)
	}
}

func TestInitKeepsDockerfile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM nginx\nEXPOSE 8081\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, _ := Detect(dir)
	if p.Lang != Dockerfile || p.Port != 8081 || p.PortFrom != "Dockerfile EXPOSE" {
		t.Errorf("%+v", p)
	}
	files, err := Render(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f.Path == "Dockerfile" {
			t.Error("init would write a Dockerfile over the project's own")
		}
	}
}

// TestDetectPort: a Dockerfile's EXPOSE, then its ENV PORT (ARGs
// expanded), then a command line that serves, then a listener in the
// source; no evidence is no port, whatever the language usually uses.
func TestDetectPort(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		files map[string]string
		port  int
		from  string
	}{
		{"expose over env port", map[string]string{"Dockerfile": "FROM nginx\nENV PORT=8080\nEXPOSE 80\n"}, 80, "Dockerfile EXPOSE"},
		{"the first expose line", map[string]string{"Dockerfile": "FROM nginx\nEXPOSE 8443\nEXPOSE 80 81\n"}, 8443, "Dockerfile EXPOSE"},
		{"tcp over udp", map[string]string{"Dockerfile": "FROM coredns\nEXPOSE 53/udp\nEXPOSE 9153\n"}, 9153, "Dockerfile EXPOSE"},
		{"env port", map[string]string{"Dockerfile": "FROM nginx\nENV PORT=8081\n"}, 8081, "Dockerfile ENV PORT"},
		{"env port, legacy form", map[string]string{"Dockerfile": "FROM nginx\nENV PORT 3001\n", "package.json": `{"name": "a"}`, "server.js": "app.listen(4000)\n"}, 3001, "Dockerfile ENV PORT"},
		{"arg default", map[string]string{"Dockerfile": "FROM nginx\nARG PORT=8082\nEXPOSE ${PORT}\n"}, 8082, "Dockerfile EXPOSE"},
		{"global arg in env", map[string]string{"Dockerfile": "ARG APP_PORT=7000\nFROM nginx\nARG APP_PORT\nENV PORT=$APP_PORT\n"}, 7000, "Dockerfile ENV PORT"},
		{"expose of a build stage only", map[string]string{"Dockerfile": "FROM golang AS build\nEXPOSE 1234\nFROM scratch\nCOPY --from=build /app /app\n"}, 0, ""},
		{"env port that is no number", map[string]string{"Dockerfile": "FROM nginx\nENV PORT=${PORT}\n"}, 0, ""},
		{"aspnet env", map[string]string{"Dockerfile": "FROM mcr.microsoft.com/dotnet/aspnet:8.0\nENV ASPNETCORE_URLS=http://+:5005\n", "Program.cs": "var app = WebApplication.Create(args);\napp.Run();\n"}, 5005, "Dockerfile ENV ASPNETCORE_URLS"},
		{"gunicorn in the CMD", map[string]string{"Dockerfile": "FROM python\nCMD gunicorn -b 0.0.0.0:8001 app:app\n", "requirements.txt": "flask\n", "app.py": "app = Flask(__name__)\napp.run(port=5000)\n"}, 8001, "gunicorn in the Dockerfile's CMD"},
		{"uvicorn in the CMD, its default", map[string]string{"Dockerfile": "FROM python\nCMD [\"uvicorn\", \"main:app\"]\n", "requirements.txt": "fastapi\n", "main.py": "app = FastAPI()\n"}, 8000, "uvicorn in the Dockerfile's CMD, no port number there: uvicorn's default"},
		{"next start", map[string]string{"package.json": `{"name": "site", "scripts": {"start": "next start -p 3100"}}`}, 3100, "next start in package.json's start script"},
		{"procfile", map[string]string{"Procfile": "web: gunicorn --bind :5050 app:app\n", "requirements.txt": "flask\n", "app.py": "app = Flask(__name__)\n"}, 5050, "gunicorn in the Procfile's web process"},
		{"node listen", map[string]string{"package.json": `{"name": "a", "main": "index.js"}`, "index.js": "const port = process.env.PORT ?? 3005;\nserver.listen(port);\n"}, 3005, "listen() in index.js"},
		{"node listen, no number", map[string]string{"package.json": `{"name": "a"}`, "index.js": "http.createServer(h).listen(process.env.PORT);\n"}, 3000, "listen() in index.js, no port number there"},
		{"node in src, not node_modules", map[string]string{"package.json": `{"name": "a"}`, "node_modules/x/index.js": "app.listen(9999)\n", "src/app.ts": "app.listen(4100);\n"}, 4100, "listen() in src/app.ts"},
		{"node script", map[string]string{"package.json": `{"name": "a", "main": "job.js"}`, "job.js": "const db = {port: 5432};\nsetInterval(work, 1000);\n"}, 0, ""},
		{"go getenv fallback", map[string]string{"go.mod": "module a\n", "main.go": "srv := &http.Server{Addr: \":\" + cmp.Or(os.Getenv(\"PORT\"), \"8085\")}\nsrv.ListenAndServe()\n"}, 8085, "http.ListenAndServe in main.go"},
		{"go in cmd", map[string]string{"go.mod": "module a\n", "cmd/api/main.go": "http.ListenAndServe(\"0.0.0.0:8086\", nil)\n"}, 8086, "http.ListenAndServe in cmd/api/main.go"},
		{"go gin default", map[string]string{"go.mod": "module a\n", "main.go": "r := gin.Default()\nr.Run()\n"}, 8080, "gin in main.go, no port number there: gin's default"},
		{"go test helpers", map[string]string{"go.mod": "module a\n", "internal/testutil/server.go": "l, _ := net.Listen(\"tcp\", \"127.0.0.1:8087\")\n", "internal/scan/scan.go": "re := regexp.MustCompile(`\\.ListenAndServe(?:TLS)?\\(`)\n"}, 0, ""},
		{"go client only", map[string]string{"go.mod": "module a\n", "main.go": "resp, _ := http.Get(\"http://api:8080/\")\nexec.Command(\"x\").Run()\n"}, 0, ""},
		{"flask default", map[string]string{"requirements.txt": "flask\n", "app.py": "from flask import Flask\napp = Flask(__name__)\n"}, 5000, "Flask in app.py, no port number there: Flask's default"},
		{"uvicorn port", map[string]string{"pyproject.toml": "[project]\nname = \"a\"\n", "main.py": "uvicorn.run(app, host=\"0.0.0.0\", port=8010)\n"}, 8010, "uvicorn.run in main.py"},
		{"python script", map[string]string{"requirements.txt": "requests\n", "main.py": "import requests\nrequests.get('http://x:8080')\n"}, 0, ""},
		{"aspnet default", map[string]string{"Dockerfile": "FROM mcr.microsoft.com/dotnet/aspnet:8.0\n", "Api/Program.cs": "var builder = WebApplication.CreateBuilder(args);\nvar app = builder.Build();\napp.MapGet(\"/\", () => \"hi\");\napp.Run();\n"}, 8080, "WebApplication in Api/Program.cs, no port number there: ASP.NET Core's default in containers"},
		{"aspnet urls", map[string]string{"Dockerfile": "FROM mcr.microsoft.com/dotnet/aspnet:8.0\n", "Program.cs": "var app = WebApplication.Create(args);\napp.Urls.Add(\"http://0.0.0.0:5100\");\napp.Run();\n"}, 5100, "WebApplication in Program.cs"},
		{"dotnet web sdk", map[string]string{"Dockerfile": "FROM mcr.microsoft.com/dotnet/aspnet:8.0\n", "Api.csproj": "<Project Sdk=\"Microsoft.NET.Sdk.Web\"></Project>\n"}, 8080, "Microsoft.NET.Sdk.Web in Api.csproj, no port number there: ASP.NET Core's default in containers"},
		{"spring server.port", map[string]string{"Dockerfile": "FROM eclipse-temurin:21\n", "src/main/resources/application.properties": "spring.application.name=a\nserver.port=8090\n"}, 8090, "server.port in src/main/resources/application.properties"},
		{"spring yaml", map[string]string{"Dockerfile": "FROM eclipse-temurin:21\n", "src/main/resources/application.yml": "spring:\n  application:\n    name: a\nserver:\n  port: ${PORT:8091}\n"}, 8091, "server.port in src/main/resources/application.yml"},
		{"spring web default", map[string]string{"Dockerfile": "FROM eclipse-temurin:21\n", "pom.xml": "<artifactId>spring-boot-starter-web</artifactId>\n"}, 8080, "spring-boot-starter-web in pom.xml, no port number there: Spring Boot's default"},
		{"dockerfile alone", map[string]string{"Dockerfile": "FROM alpine\nCMD [\"sh\", \"-c\", \"while true; do date; sleep 60; done\"]\n"}, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			for name, content := range tc.files {
				path := filepath.Join(dir, filepath.FromSlash(name))
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			p, err := Detect(dir)
			if err != nil {
				t.Fatal(err)
			}
			if p.Port != tc.port || p.PortFrom != tc.from {
				t.Errorf("port %d from %q, want %d from %q", p.Port, p.PortFrom, tc.port, tc.from)
			}
		})
	}
}

// TestDetectBadDockerfile: a Dockerfile berth cannot read is an error that
// names its line, not a guess from elsewhere.
func TestDetectBadDockerfile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM nginx\nEXPOSE http\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Detect(dir); err == nil || !strings.Contains(err.Error(), "reading the Dockerfile for its port") || !strings.Contains(err.Error(), "Dockerfile:2: EXPOSE http") {
		t.Errorf("Detect: %v", err)
	}
}
