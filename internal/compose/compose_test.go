package compose

import (
	"errors"
	"flag"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/registry"
	"github.com/berth-dev/berth/internal/render"
	"github.com/berth-dev/berth/internal/testutil"
	"github.com/berth-dev/berth/templates"
)

var update = flag.Bool("update", false, "rewrite golden files")

// anyVar answers every ${VAR} berth.yaml refers to, so that the imported
// secrets validate.
func anyVar(string) (string, bool) { return "from-the-environment", true }

// fixture is a compose project under testdata with its golden files.
type fixture struct {
	name     string
	dir      string   // testdata/DIR
	files    []string // relative to the dir; empty: discovery
	profiles []string
	environ  []string
	golden   string // golden name; dir when empty
	// secrets are plain-text values of the compose project that
	// must not appear in berth.yaml.
	secrets []string
}

// options are the import options of the fixture.
func (tc fixture) options() Options {
	dir := filepath.Join("testdata", tc.dir)
	opts := Options{Dir: dir, OutputDir: dir, Profiles: tc.profiles, Environ: tc.environ}
	for _, f := range tc.files {
		opts.Files = append(opts.Files, filepath.Join(dir, f))
	}
	return opts
}

// fixtures are the compose projects TestImport compares with golden files.
func fixtures() []fixture {
	return []fixture{
		{name: "web, db and cache", dir: "webdbcache", files: []string{"docker-compose.yml"}, secrets: []string{"example"}},
		{name: "build with args", dir: "buildargs", files: []string{"compose.yaml"}, environ: []string{"API_TOKEN=tok-1234", "VERSION=1.2.3"}, secrets: []string{"tok-1234"}},
		{name: "healthchecks", dir: "healthcheck", files: []string{"compose.yaml"}},
		{name: "discovery, override file, extends, env_file, .env", dir: "layered", golden: "layered-discovered", secrets: []string{"sk_test_123"}},
		{name: "several files and profiles", dir: "layered", files: []string{"compose.yaml", "compose.prod.yaml"}, profiles: []string{"debug", "docs"}, golden: "layered-prod", secrets: []string{"sk_test_123"}},
		{name: "a development setup: debugger, watcher, bind-mounted healthcheck, no ports", dir: "nodedev", files: []string{"compose.yaml"}},
		{name: "a public project: react-java-mysql", dir: "javamysql", files: []string{"compose.yaml"}, secrets: []string{"db-pw-from-the-file"}},
		{name: "file secrets and a bind-mounted file (issue 16)", dir: "filesecrets", files: []string{"compose.yaml"}, secrets: []string{"db-pw-in-a-file"}},
	}
}

// TestImport converts the compose projects under testdata and compares
// berth.yaml and the warnings with the golden files next to them; each
// result must load, validate and render, and no plain-text secret of the
// compose files may be copied.
func TestImport(t *testing.T) {
	for _, tc := range fixtures() {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join("testdata", tc.dir)
			opts := tc.options()
			res, err := Import(t.Context(), opts)
			if err != nil {
				t.Fatal(err)
			}
			golden := tc.golden
			if golden == "" {
				golden = tc.dir
			}
			var warnings strings.Builder
			for _, w := range res.Warnings {
				warnings.WriteString(w.String() + "\n")
			}
			testutil.Golden(t, filepath.Join("testdata", "golden", golden+".berth.yaml"), res.YAML, *update)
			testutil.Golden(t, filepath.Join("testdata", "golden", golden+".warnings"), []byte(warnings.String()), *update)
			if strings.Contains(warnings.String(), "reaches every other") {
				t.Errorf("a warning claims every service reaches every other by name: only those with a Service do")
			}

			if first, _, _ := strings.Cut(string(res.YAML), "\n"); first != templates.Modeline() {
				t.Errorf("first line %q, want berth init's modeline %q", first, templates.Modeline())
			}
			for _, s := range tc.secrets {
				if strings.Contains(string(res.YAML), s) {
					t.Errorf("berth.yaml holds the plain-text secret %q", s)
				}
			}
			p, cfgWarnings, err := config.Parse(filepath.Join(dir, "berth.yaml"), res.YAML, config.Options{LookupEnv: anyVar})
			if err != nil {
				t.Fatalf("berth.yaml does not validate: %v\n%s", err, res.YAML)
			}
			for _, w := range cfgWarnings {
				t.Errorf("berth validate warns: %v", w)
			}
			images := map[string]string{} // as berth build would give them
			for name, s := range p.Services {
				if s.Build != nil {
					images[name] = "registry.example.com/" + name + ":test"
				}
			}
			if _, err := render.Render(p, render.Options{Images: images}); err != nil {
				t.Fatalf("rendering: %v", err)
			}
			// Importing twice gives the same bytes.
			again, err := Import(t.Context(), opts)
			if err != nil || string(again.YAML) != string(res.YAML) {
				t.Errorf("a second import differs (err %v)", err)
			}
		})
	}
}

// TestImportValues checks what compose values become after berth's own
// ${VAR} expansion: a $ in a compose value stays a $, and secrets read
// the variable.
func TestImportValues(t *testing.T) {
	dir := filepath.Join("testdata", "buildargs")
	res, err := Import(t.Context(), Options{Files: []string{filepath.Join(dir, "compose.yaml")}, OutputDir: dir, Environ: []string{"API_TOKEN=tok-1234"}})
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"API_TOKEN": "exported"}
	p, _, err := config.Parse(filepath.Join(dir, "berth.yaml"), res.YAML, config.Options{LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }})
	if err != nil {
		t.Fatal(err)
	}
	api := p.Services["api"]
	if diff := cmp.Diff([]string{"serve", "--port", "9000", "--log", "$HOME/log"}, api.Args); diff != "" {
		t.Errorf("args (-want +got):\n%s", diff)
	}
	if got := api.Env["GREETING"].Value; got != "cost: $5" {
		t.Errorf("GREETING = %q, want %q", got, "cost: $5")
	}
	if diff := cmp.Diff(map[string]string{"API_TOKEN": "exported"}, p.Secrets["api"]); diff != "" {
		t.Errorf("secret api (-want +got):\n%s", diff)
	}
	if ref := api.Env["API_TOKEN"].SecretRef; ref == nil || *ref != (config.KeyRef{Name: "api", Key: "API_TOKEN"}) {
		t.Errorf("API_TOKEN = %+v, want a secretRef to api/API_TOKEN", api.Env["API_TOKEN"])
	}
}

func TestImportErrors(t *testing.T) {
	profiled := filepath.Join(t.TempDir(), "compose.yaml")
	if err := os.WriteFile(profiled, []byte("services:\n  a: {image: busybox, profiles: [p]}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		opts Options
		want string
		is   error
	}{
		{name: "no compose file", opts: Options{Dir: t.TempDir()}, is: ErrNoComposeFile},
		{name: "missing file", opts: Options{Files: []string{"testdata/nope.yml"}}, want: "nope.yml"},
		{name: "only profiled services", opts: Options{Files: []string{profiled}}, want: "every service is in a profile; enable one with --profile"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Import(t.Context(), tc.opts)
			switch {
			case err == nil && tc.want != "":
				t.Fatal("no error")
			case tc.is != nil && !errors.Is(err, tc.is):
				t.Errorf("error %v, want %v", err, tc.is)
			case err != nil && !strings.Contains(err.Error(), tc.want):
				t.Errorf("error %q lacks %q", err, tc.want)
			}
		})
	}
}

// TestImportSecretRefs: a credential keeps the compose file's own ${VAR}
// reference when it has one, and only its own: a variable from an
// env_file whose name is part of another's gets a reference of its own.
func TestImportSecretRefs(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"compose.yaml": "services:\n  app:\n    image: busybox\n    env_file: [app.env]\n    environment:\n      - API_TOKEN=${API_TOKEN:-dev}\n      - DB_PASSWORD=${PW:?set PW}\n",
		"app.env":      "TOKEN=plain-token\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res, err := Import(t.Context(), Options{Files: []string{filepath.Join(dir, "compose.yaml")}, OutputDir: dir, Environ: []string{"PW=x"}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"API_TOKEN": "${API_TOKEN:-dev}", "DB_PASSWORD": "${PW:?set PW}", "TOKEN": "${TOKEN}"}
	if diff := cmp.Diff(want, res.Project.Secrets["app"]); diff != "" {
		t.Errorf("secrets (-want +got):\n%s", diff)
	}
	if strings.Contains(string(res.YAML), "plain-token") {
		t.Errorf("berth.yaml holds the env_file's token:\n%s", res.YAML)
	}
}

// writeProject writes files (path → content) under a new temp dir and
// returns it.
func writeProject(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// importProject imports dir/compose.yaml with berth.yaml in dir.
func importProject(t *testing.T, dir string, opts Options) *Result {
	t.Helper()
	opts.Files, opts.OutputDir = []string{filepath.Join(dir, "compose.yaml")}, dir
	res, err := Import(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := config.Parse(filepath.Join(dir, "berth.yaml"), res.YAML, config.Options{LookupEnv: anyVar}); err != nil {
		t.Fatalf("berth.yaml does not validate: %v\n%s", err, res.YAML)
	}
	return res
}

// warningsOf are the messages of the warnings about path.
func warningsOf(res *Result, path string) []string {
	var out []string
	for _, w := range res.Warnings {
		if w.Path == path {
			out = append(out, fmt.Sprintf("%d: %s", w.Line, w.Msg))
		}
	}
	return out
}

// TestImportServicePorts: in compose every service is reachable by its
// name, so every berth service gets a Service (ports without expose:,
// i.e. ClusterIP) when its ports can be known: from ports and expose,
// else the Dockerfile's EXPOSE, else the official image's well-known
// ports. A service whose ports are not known is named in a warning at
// its line.
func TestImportServicePorts(t *testing.T) {
	for _, tc := range []struct {
		name    string
		service string // the compose service, under services:
		files   map[string]string
		want    []config.Port
		warning string // part of the warning at services.s (line 2), "" for none
	}{
		{name: "expose", service: "image: ghcr.io/acme/api:1\n    expose: [\"9000\"]", want: []config.Port{{Port: 9000}}},
		{name: "expose before the Dockerfile", service: "build: ./app\n    expose: [\"9000\"]", files: map[string]string{"app/Dockerfile": "FROM node:22\nEXPOSE 3000\n"}, want: []config.Port{{Port: 9000}}},
		{name: "the Dockerfile's EXPOSE", service: "build: ./app", files: map[string]string{"app/Dockerfile": "FROM node:22\nARG PORT=3000\nRUN npm ci\nEXPOSE $PORT 9100/udp\n"},
			want: []config.Port{{Name: "tcp-3000", Port: 3000}, {Name: "udp-9100", Port: 9100, Protocol: "UDP"}}},
		{name: "the Dockerfile of the target", service: "build: {context: ./app, dockerfile: docker/Dockerfile.dev, target: dev}", files: map[string]string{"app/docker/Dockerfile.dev": "FROM node AS dev\nEXPOSE 5173\nFROM nginx\nEXPOSE 80\n"},
			want: []config.Port{{Port: 5173}}},
		{name: "the Dockerfile's official base", service: "build: ./db", files: map[string]string{"db/Dockerfile": "FROM postgres:16-alpine\nCOPY init.sql /docker-entrypoint-initdb.d/\n"}, want: []config.Port{{Port: 5432}}},
		{name: "redis", service: "image: redis:7-alpine", want: []config.Port{{Port: 6379}}},
		{name: "postgres by digest", service: "image: postgres@sha256:" + strings.Repeat("a", 64), want: []config.Port{{Port: 5432}}},
		{name: "mariadb", service: "image: docker.io/library/mariadb:11", want: []config.Port{{Port: 3306}}},
		{name: "mysql", service: "image: mysql:8", want: []config.Port{{Port: 3306}}},
		{name: "mongo", service: "image: mongo", want: []config.Port{{Port: 27017}}},
		{name: "memcached", service: "image: memcached:1.6", want: []config.Port{{Port: 11211}}},
		{name: "rabbitmq", service: "image: rabbitmq:3", want: []config.Port{{Port: 5672}}},
		{name: "rabbitmq with management", service: "image: rabbitmq:3-management", want: []config.Port{{Name: "tcp-5672", Port: 5672}, {Name: "tcp-15672", Port: 15672}}},
		{name: "not the official image", service: "image: bitnami/redis:7", warning: `has no port berth knows of (no ports or expose in compose, no EXPOSE in its image), so it gets no Service and other services cannot reach it by the name "s"`},
		{name: "a Dockerfile without EXPOSE", service: "build: ./app", files: map[string]string{"app/Dockerfile": "FROM busybox\n"}, warning: `add expose: ["PORT"] to the compose service and import again, or ports: [{port: PORT}] to the service in berth.yaml`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{"compose.yaml": "services:\n  s:\n    " + tc.service + "\n"}
			maps.Copy(files, tc.files)
			dir := writeProject(t, files)
			res := importProject(t, dir, Options{Expose: config.ExposeNodePort})
			s := res.Project.Services["s"]
			if diff := cmp.Diff(tc.want, s.Ports, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("ports (-want +got):\n%s", diff)
			}
			if s.Expose != "" {
				t.Errorf("expose: %s, want none (ClusterIP): compose publishes no port of it", s.Expose)
			}
			got := warningsOf(res, "services.s")
			switch {
			case tc.warning == "" && len(got) > 0:
				t.Errorf("warnings %q, want none", got)
			case tc.warning != "" && (len(got) != 1 || !strings.HasPrefix(got[0], "2: ") || !strings.Contains(got[0], tc.warning)):
				t.Errorf("warnings %q, want one at line 2 with %q", got, tc.warning)
			}
		})
	}
}

// pushImage pushes an image whose config exposes ports to ref.
func pushImage(t *testing.T, ref string, ports ...string) {
	t.Helper()
	cf := &v1.ConfigFile{Architecture: "amd64", OS: "linux", Config: v1.Config{ExposedPorts: map[string]struct{}{}}}
	for _, p := range ports {
		cf.Config.ExposedPorts[p] = struct{}{}
	}
	img, err := mutate.ConfigFile(empty.Image, cf)
	if err != nil {
		t.Fatal(err)
	}
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(r, img, remote.WithContext(t.Context())); err != nil {
		t.Fatal(err)
	}
}

// hubMirror is registry.Access with Docker Hub replaced by a local
// registry: the tests cannot reach Docker Hub.
type hubMirror struct {
	*registry.Access
	host string
}

func (m hubMirror) Reference(s string) (name.Reference, error) {
	ref, err := name.ParseReference(s)
	if err != nil || ref.Context().RegistryStr() != name.DefaultRegistry {
		return m.Access.Reference(s)
	}
	sep := ":"
	if _, ok := ref.(name.Digest); ok {
		sep = "@"
	}
	return name.ParseReference(m.host + "/" + ref.Context().RepositoryStr() + sep + ref.Identifier())
}

// TestImportImagePorts reads the ports of a service's image from its
// registry (go-containerregistry's in-process one here, standing in for
// Docker Hub too) when compose and the Dockerfile list none: before the
// well-known ports, and only when Options name a registry.
func TestImportImagePorts(t *testing.T) {
	reg := testutil.Registry(t)
	pushImage(t, reg+"/acme/queue:1", "5672/tcp", "15692/tcp")
	pushImage(t, reg+"/acme/base:1", "8000/tcp")
	pushImage(t, reg+"/acme/silent:1")
	pushImage(t, reg+"/library/redis:7", "6380/tcp") // not 6379, to tell the config from the table
	for _, tc := range []struct {
		name    string
		service string
		files   map[string]string
		offline bool
		want    []config.Port
		comment string // part of the comment above the service
		warning string
	}{
		{name: "the image's config", service: "image: " + reg + "/acme/queue:1", comment: "ports: EXPOSE of image " + reg + "/acme/queue:1 (its config, from the registry).",
			want: []config.Port{{Name: "tcp-5672", Port: 5672}, {Name: "tcp-15692", Port: 15692}}},
		{name: "the base image's config", service: "build: ./app", files: map[string]string{"app/Dockerfile": "FROM " + reg + "/acme/base:1\nCOPY . /app\n"},
			comment: "ports: EXPOSE of the Dockerfile's base image " + reg + "/acme/base:1 (its config, from the registry).", want: []config.Port{{Port: 8000}}},
		{name: "the Dockerfile before the registry", service: "build: ./app", files: map[string]string{"app/Dockerfile": "FROM " + reg + "/acme/base:1\nEXPOSE 9000\n"}, want: []config.Port{{Port: 9000}}},
		{name: "the registry before the well-known ports", service: "image: redis:7", comment: "ports: EXPOSE of image redis:7 (its config, from the registry).", want: []config.Port{{Port: 6380}}},
		{name: "the well-known ports when the registry lacks the image", service: "image: postgres:16", comment: "ports: the default of the official postgres image", want: []config.Port{{Port: 5432}}},
		{name: "an image exposing nothing", service: "image: " + reg + "/acme/silent:1", warning: "no EXPOSE in its image"},
		{name: "an image the registry lacks", service: "image: " + reg + "/acme/nope:1", warning: "(reading the config of " + reg + "/acme/nope:1 from its registry: "},
		{name: "offline", service: "image: " + reg + "/acme/queue:1", offline: true, warning: "has no port berth knows of"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{"compose.yaml": "services:\n  s:\n    " + tc.service + "\n"}
			maps.Copy(files, tc.files)
			opts := Options{Registry: hubMirror{&registry.Access{}, reg}}
			if tc.offline {
				opts.Registry = nil
			}
			res := importProject(t, writeProject(t, files), opts)
			if diff := cmp.Diff(tc.want, res.Project.Services["s"].Ports, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("ports (-want +got):\n%s", diff)
			}
			if tc.comment != "" && !strings.Contains(string(res.YAML), "# "+tc.comment) {
				t.Errorf("berth.yaml lacks the comment %q:\n%s", tc.comment, res.YAML)
			}
			got := warningsOf(res, "services.s")
			switch {
			case tc.warning == "" && len(got) > 0:
				t.Errorf("warnings %q, want none", got)
			case tc.warning != "" && (len(got) != 1 || !strings.Contains(got[0], tc.warning)):
				t.Errorf("warnings %q, want one with %q", got, tc.warning)
			}
		})
	}
}

// TestImportImagePortsTimeout: a registry that does not answer delays
// the import by LookupTimeout at most, and the service is reported.
func TestImportImagePortsTimeout(t *testing.T) {
	stuck := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	t.Cleanup(stuck.Close)
	host := strings.TrimPrefix(stuck.URL, "http://")
	compose := "services:\n"
	for _, s := range []string{"a", "b", "c", "d", "e", "f"} {
		compose += "  " + s + ":\n    image: " + host + "/acme/" + s + ":1\n"
	}
	start := time.Now()
	res := importProject(t, writeProject(t, map[string]string{"compose.yaml": compose}), Options{Registry: &registry.Access{}, LookupTimeout: 300 * time.Millisecond})
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("the import took %v with a lookup timeout of 300ms", d)
	}
	for _, s := range []string{"a", "f"} {
		if got := warningsOf(res, "services."+s); len(got) != 1 || !strings.Contains(got[0], "the registry did not answer within 300ms") {
			t.Errorf("services.%s warnings %q", s, got)
		}
	}
}

// TestImportHostOnlyPorts: a port compose publishes on the host's
// loopback only (a debugger, an admin UI) stays out of the Service,
// which would open it to the whole cluster; a warning at its line says
// how to reach it instead.
func TestImportHostOnlyPorts(t *testing.T) {
	for _, tc := range []struct {
		name    string
		ports   string
		want    []config.Port
		warning string // part of the warning at services.s.ports (line 4)
	}{
		{name: "a debugger next to the app", ports: `["3000:3000", "127.0.0.1:9229:9229"]`, want: []config.Port{{Port: 3000}},
			warning: "127.0.0.1:9229:9229 is published on the host's loopback only (a host-only port, such as a debugger's) and is left out: a Service port would open it to the whole cluster; reach it from your machine with kubectl port-forward (kubectl port-forward deploy/s 9229)"},
		{name: "IPv6 loopback", ports: `["3000:3000", "[::1]:9229:9229"]`, want: []config.Port{{Port: 3000}}, warning: "[::1]:9229:9229 is published on the host's loopback only"},
		{name: "long syntax", ports: "[{target: 3000, published: \"3000\"}, {target: 5005, published: \"15005\", host_ip: 127.0.0.2}]", want: []config.Port{{Port: 3000}}, warning: "127.0.0.2:15005:5005 is published on the host's loopback only"},
		{name: "only host-only ports: the image's ports", ports: `["127.0.0.1:8080:80"]`, want: []config.Port{{Port: 80}}, warning: "127.0.0.1:8080:80 is published"},
		{name: "another host IP is kept", ports: `["192.168.1.10:3000:3000"]`, want: []config.Port{{Port: 3000}}, warning: "host IP 192.168.1.10 is not translated: a Service listens on the cluster network"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeProject(t, map[string]string{"compose.yaml": "services:\n  s:\n    image: nginx:1.27\n    ports: " + tc.ports + "\n"})
			res := importProject(t, dir, Options{})
			if diff := cmp.Diff(tc.want, res.Project.Services["s"].Ports, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("ports (-want +got):\n%s", diff)
			}
			if got := warningsOf(res, "services.s.ports"); len(got) != 1 || !strings.HasPrefix(got[0], "4: ") || !strings.Contains(got[0], tc.warning) {
				t.Errorf("warnings %q, want one at line 4 with %q", got, tc.warning)
			}
		})
	}
}

// TestImportDevCommands: a development command (a file watcher, a
// debugger, a framework's dev server) is kept, since berth cannot know
// the production one, but flagged at its line with what to do.
func TestImportDevCommands(t *testing.T) {
	for _, tc := range []struct {
		name    string
		setting string // under the service, after image:
		key     string // command or entrypoint
		want    string // part of the warning; "" for none
	}{
		{name: "nodemon with a debugger", setting: "command: nodemon --inspect=0.0.0.0:9229 index.js", key: "command", want: `command "nodemon --inspect=0.0.0.0:9229 index.js" is a development command (nodemon restarts the app when files change; --inspect opens a Node.js debugger to whoever reaches the port)`},
		{name: "node --inspect", setting: `command: ["node", "--inspect", "server.js"]`, key: "command", want: "(--inspect opens a Node.js debugger"},
		{name: "node --inspect-brk", setting: `entrypoint: ["node", "--inspect-brk=9229", "server.js"]`, key: "entrypoint", want: "(--inspect opens a Node.js debugger"},
		{name: "npm run dev", setting: "command: npm run dev", key: "command", want: "(npm run dev runs the project's development script"},
		{name: "in a shell", setting: `entrypoint: ["sh", "-c", "npm install && yarn dev"]`, key: "entrypoint", want: "(yarn dev runs the project's development script"},
		{name: "flask --debug", setting: "command: flask run --debug --host 0.0.0.0", key: "command", want: "(flask run is Flask's development server"},
		{name: "flask --debug before run", setting: "command: flask --app app --debug run", key: "command", want: "(flask run is Flask's development server"},
		{name: "django runserver", setting: "command: python manage.py runserver 0.0.0.0:8000", key: "command", want: "(manage.py runserver is Django's development server"},
		{name: "uvicorn --reload", setting: "command: uvicorn main:app --host 0.0.0.0 --reload", key: "command", want: "(--reload restarts the server when files change"},
		{name: "vite", setting: "command: npx vite --host", key: "command", want: "(vite is a development server"},
		{name: "the fix is said", setting: "command: npm run dev", key: "command", want: "berth keeps it as args:, but a cluster should run the production start command: change it to that (node server.js, npm start, gunicorn app:app, …) or remove it so the image's CMD runs"},
		{name: "node", setting: "command: node server.js", key: "command"},
		{name: "npm start", setting: "command: npm start", key: "command"},
		{name: "gunicorn", setting: "command: gunicorn -w 4 app:app", key: "command"},
		{name: "a server named like a tool", setting: "command: [\"redis-server\", \"--save\", \"devices\"]", key: "command"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeProject(t, map[string]string{"compose.yaml": "services:\n  s:\n    image: node:22\n    " + tc.setting + "\n"})
			res := importProject(t, dir, Options{})
			s := res.Project.Services["s"]
			if len(s.Command)+len(s.Args) == 0 {
				t.Errorf("the command was dropped: %+v", s)
			}
			got := warningsOf(res, "services.s."+tc.key)
			switch {
			case tc.want == "" && len(got) > 0:
				t.Errorf("warnings %q, want none", got)
			case tc.want != "" && (len(got) != 1 || !strings.HasPrefix(got[0], "4: ") || !strings.Contains(got[0], tc.want)):
				t.Errorf("warnings %q, want one at line 4 with %q", got, tc.want)
			}
		})
	}
}

// TestImportProbeFiles: small project files a service bind-mounts (a
// file, or a small directory of them) are carried as configFiles, and no
// readiness probe needs a file the import did not carry: a healthcheck
// that runs a file from a bind mount left behind is left out, with a
// warning at its line, and one that executes a carried file (a
// ConfigMap's files are not executable) runs it with its #! interpreter.
func TestImportProbeFiles(t *testing.T) {
	script := "#!/bin/sh\nredis-cli ping | grep -q PONG\n"
	many := map[string]string{}
	for i := range 40 {
		many[fmt.Sprintf("healthchecks/f%02d.sh", i)] = script
	}
	many["healthchecks/redis.sh"] = script
	for _, tc := range []struct {
		name        string
		service     string // after image: redis:7
		files       map[string]string
		configFiles map[string]string
		probe       []string // the readiness exec command; nil for no probe
		warning     string   // part of a warning at services.s.healthcheck
	}{
		{
			name:        "a script from a carried directory",
			service:     "volumes: [./healthchecks:/healthchecks]\n    healthcheck: {test: [CMD, /healthchecks/redis.sh]}",
			files:       map[string]string{"healthchecks/redis.sh": script, "healthchecks/lib/common.sh": "ok() { true; }\n"},
			configFiles: map[string]string{"/healthchecks/redis.sh": "healthchecks/redis.sh", "/healthchecks/lib/common.sh": "healthchecks/lib/common.sh"},
			probe:       []string{"/bin/sh", "/healthchecks/redis.sh"},
			warning:     "runs /healthchecks/redis.sh, which berth carries in a ConfigMap, where files are not executable: the probe runs it with /bin/sh",
		},
		{
			name:        "a script in a shell",
			service:     "volumes: [./healthchecks:/healthchecks:ro]\n    healthcheck: {test: /healthchecks/redis.sh --quiet || exit 1}",
			files:       map[string]string{"healthchecks/redis.sh": "#!/usr/bin/env bash\nexit 0\n"},
			configFiles: map[string]string{"/healthchecks/redis.sh": "healthchecks/redis.sh"},
			probe:       []string{"sh", "-c", "/usr/bin/env bash /healthchecks/redis.sh --quiet || exit 1"},
			warning:     "the probe runs it with /usr/bin/env bash",
		},
		{
			name:        "a carried script read by a shell",
			service:     "volumes: [./healthchecks/redis.sh:/usr/local/bin/check.sh]\n    healthcheck: {test: [CMD, sh, /usr/local/bin/check.sh]}",
			files:       map[string]string{"healthchecks/redis.sh": script},
			configFiles: map[string]string{"/usr/local/bin/check.sh": "healthchecks/redis.sh"},
			probe:       []string{"sh", "/usr/local/bin/check.sh"},
		},
		{
			name:    "a directory too large to carry",
			service: "volumes: [./healthchecks:/healthchecks]\n    healthcheck: {test: [CMD, /healthchecks/redis.sh]}",
			files:   many,
			warning: "is left out: it needs /healthchecks/redis.sh from the bind mount healthchecks:/healthchecks, which berth does not carry (see services.s.volumes), so the probe could never pass: copy the file into the image (COPY in a Dockerfile) and add probes.readiness to the service in berth.yaml",
		},
		{
			name:    "a script the image has",
			service: "build: ./app\n    volumes: [./app/scripts:/srv/scripts]\n    healthcheck: {test: [CMD, node, /srv/scripts/health.js]}",
			files:   map[string]string{"app/Dockerfile": "FROM node\nWORKDIR /srv\nCOPY scripts/ scripts/\n", "app/scripts/health.js": "x\n"},
			probe:   []string{"node", "/srv/scripts/health.js"},
		},
		{
			name:    "a missing directory",
			service: "volumes: [./healthchecks:/healthchecks]\n    healthcheck: {test: [CMD-SHELL, \"sh /healthchecks/redis.sh\"]}",
			warning: "is left out: it needs /healthchecks/redis.sh from the bind mount healthchecks:/healthchecks",
		},
		{
			name:    "a file outside the project",
			service: "volumes: [\"/etc/hostname:/etc/check-host\"]\n    healthcheck: {test: [CMD, cat, /etc/check-host]}",
			warning: "is left out: it needs /etc/check-host from the bind mount /etc/hostname:/etc/check-host",
		},
		{
			name:    "a file of the image",
			service: "volumes: [./data:/data]\n    healthcheck: {test: [CMD, /usr/local/bin/docker-healthcheck, --url, \"http://localhost:6379/data\"]}",
			probe:   []string{"/usr/local/bin/docker-healthcheck", "--url", "http://localhost:6379/data"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{"compose.yaml": "services:\n  s:\n    image: redis:7\n    " + tc.service + "\n"}
			maps.Copy(files, tc.files)
			res := importProject(t, writeProject(t, files), Options{})
			s := res.Project.Services["s"]
			if diff := cmp.Diff(tc.configFiles, s.ConfigFiles, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("configFiles (-want +got):\n%s", diff)
			}
			var probe []string
			if s.Probes != nil && s.Probes.Readiness != nil && s.Probes.Readiness.Exec != nil {
				probe = s.Probes.Readiness.Exec.Command
			}
			if diff := cmp.Diff(tc.probe, probe); diff != "" {
				t.Errorf("readiness probe (-want +got):\n%s", diff)
			}
			got := warningsOf(res, "services.s.healthcheck")
			switch {
			case tc.warning == "" && len(got) > 0:
				t.Errorf("warnings %q, want none", got)
			case tc.warning != "" && (len(got) != 1 || !strings.Contains(got[0], tc.warning)):
				t.Errorf("warnings %q, want one with %q", got, tc.warning)
			}
		})
	}
}

// TestImportBindDirectories: a small directory of project files becomes
// configFiles; source code of a build context, credentials, the project
// itself and large or deep trees are reported instead.
func TestImportBindDirectories(t *testing.T) {
	for _, tc := range []struct {
		name        string
		service     string
		files       map[string]string
		configFiles map[string]string
		warning     string // part of the warning at services.s.volumes
	}{
		{name: "config files", service: "image: nginx\n    volumes: [./nginx/conf.d:/etc/nginx/conf.d:ro]",
			files:       map[string]string{"nginx/conf.d/default.conf": "server {}\n", "nginx/conf.d/snippets/gzip.conf": "gzip on;\n", "nginx/conf.d/.DS_Store": "x"},
			configFiles: map[string]string{"/etc/nginx/conf.d/default.conf": "nginx/conf.d/default.conf", "/etc/nginx/conf.d/snippets/gzip.conf": "nginx/conf.d/snippets/gzip.conf"},
			warning:     "bind mount of directory nginx/conf.d at /etc/nginx/conf.d became configFiles (2 files): read-only copies in a ConfigMap, mounted one by one over the image's directory, not a live mount; changes roll the pods on the next deploy; hidden files are left out"},
		{name: "source code", service: "build: ./app\n    volumes: [./app/src:/app/src]", files: map[string]string{"app/Dockerfile": "FROM node\nEXPOSE 3000\n", "app/src/index.js": "x\n"},
			warning: "(it is source code in a build context, mounted for editing it live)"},
		{name: "source code the image has", service: "build: ./app\n    volumes: [./app/src:/app/src]", files: map[string]string{"app/Dockerfile": "FROM node\nWORKDIR /app\nCOPY package.json .\nRUN npm ci\nCOPY . .\n", "app/src/index.js": "x\n"},
			warning: "bind mount of directory app/src at /app/src is not translated: the image has these files there (app/Dockerfile copies them); the mount is for editing them live"},
		{name: "the project", service: "image: python:3\n    volumes: [.:/code]", files: map[string]string{"app.py": "x\n"}, warning: "(it holds the compose file)"},
		{name: "credentials", service: "image: nginx\n    volumes: [./certs:/etc/certs]", files: map[string]string{"certs/site.crt": "x", "certs/site.key": "x"}, warning: "(site.key looks like a credential"},
		{name: "an empty directory", service: "image: nginx\n    volumes: [./logs:/var/log/app]", files: map[string]string{"logs/.gitkeep": ""}, warning: "(it is empty)"},
		{name: "clashing names", service: "image: nginx\n    volumes: [./conf:/etc/app]", files: map[string]string{"conf/a/app.conf": "x", "conf/b/app.conf": "x"}, warning: "(b/app.conf has the same file name as a/app.conf"},
		{name: "too deep", service: "image: nginx\n    volumes: [./conf:/etc/app]", files: map[string]string{"conf/a/b/c/d/app.conf": "x"}, warning: "(it is more than 4 directories deep)"},
		{name: "too large", service: "image: nginx\n    volumes: [./conf:/etc/app]", files: map[string]string{"conf/a.bin": strings.Repeat("x", 600<<10), "conf/b.bin": strings.Repeat("x", 600<<10)}, warning: "(more than 1 MiB with the service's other configFiles"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{"compose.yaml": "services:\n  s:\n    " + tc.service + "\n"}
			maps.Copy(files, tc.files)
			res := importProject(t, writeProject(t, files), Options{})
			if diff := cmp.Diff(tc.configFiles, res.Project.Services["s"].ConfigFiles, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("configFiles (-want +got):\n%s", diff)
			}
			if got := warningsOf(res, "services.s.volumes"); len(got) != 1 || !strings.Contains(got[0], tc.warning) {
				t.Errorf("warnings %q, want one with %q", got, tc.warning)
			}
		})
	}
}

// TestImportReachable checks two promises on every fixture. Each service
// another one reaches by name (depends_on, or a host name in its
// environment, as in redis://cache:6379) has a Service port. No exec
// probe needs a file under a bind mount that did not reach the cluster
// (configFiles, or the service's own build context, which its Dockerfile
// copies to the same place), nor executes a configFiles file (a
// ConfigMap's files are not executable).
func TestImportReachable(t *testing.T) {
	pathRE := regexp.MustCompile(`(?:^|[\s='"])(/[^\s'"();&|<>]+)`)
	for _, tc := range fixtures() {
		t.Run(tc.name, func(t *testing.T) {
			opts := tc.options()
			res, err := Import(t.Context(), opts)
			if err != nil {
				t.Fatal(err)
			}
			cp, _, err := load(t.Context(), opts)
			if err != nil {
				t.Fatal(err)
			}
			reached := map[string][]string{} // service → who reaches it
			for _, from := range slices.Sorted(maps.Keys(cp.Services)) {
				s := cp.Services[from]
				for to := range cp.Services {
					host := regexp.MustCompile(`(?:^|[/@=\s,])` + regexp.QuoteMeta(to) + `(?::\d+|/|,|\s|$)`)
					_, dep := s.DependsOn[to]
					byEnv := slices.ContainsFunc(slices.Collect(maps.Values(s.Environment)), func(v *string) bool { return v != nil && host.MatchString(*v) })
					if to != from && (dep || byEnv) {
						reached[to] = append(reached[to], from)
					}
				}
			}
			for to, froms := range reached {
				if s := res.Project.Services[dnsLabel(to, 54, true)]; s == nil || len(s.Ports) == 0 {
					t.Errorf("%s reaches %s by name, but %s has no Service port", strings.Join(froms, ", "), to, to)
				}
			}
			for name, s := range cp.Services {
				out := res.Project.Services[dnsLabel(name, 54, true)]
				if out == nil || out.Probes == nil {
					continue
				}
				for _, probe := range []*config.Probe{out.Probes.Readiness, out.Probes.Liveness, out.Probes.Startup} {
					if probe == nil || probe.Exec == nil {
						continue
					}
					cmd := probe.Exec.Command
					if _, ok := out.ConfigFiles[cmd[0]]; ok {
						t.Errorf("%s: the probe executes %s, a configFiles file, which is not executable", name, cmd[0])
					}
					if len(cmd) == 3 && cmd[1] == "-c" {
						if first, _, _ := strings.Cut(cmd[2], " "); out.ConfigFiles[first] != "" {
							t.Errorf("%s: the probe's shell executes %s, a configFiles file, which is not executable", name, first)
						}
					}
					for _, m := range pathRE.FindAllStringSubmatch(strings.Join(cmd, " "), -1) {
						p := path.Clean(m[1])
						for _, v := range s.Volumes {
							rel, err := filepath.Rel(v.Target, p)
							if v.Type != types.VolumeTypeBind || err != nil || strings.HasPrefix(rel, "..") {
								continue
							}
							_, carried := out.ConfigFiles[p]
							if !carried && s.Build != nil && strings.HasPrefix(v.Source, s.Build.Context+string(filepath.Separator)) {
								_, err := os.Stat(filepath.Join(v.Source, rel))
								carried = err == nil
							}
							if !carried {
								t.Errorf("%s: the probe %q needs %s, from the bind mount %s:%s, which berth.yaml does not carry", name, cmd, p, v.Source, v.Target)
							}
						}
					}
				}
			}
		})
	}
}

// TestWellKnownPortsDocumented keeps the table of docs/import.md equal to
// the one berth uses.
func TestWellKnownPortsDocumented(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "docs", "import.md"))
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^ *\\| `([a-z0-9-]+)` \\| ([0-9, ]+)(?: \\(.*\\))? \\|$")
	got := map[string][]string{}
	for _, m := range row.FindAllStringSubmatch(string(data), -1) {
		for _, p := range strings.Split(m[2], ", ") {
			got[m[1]] = append(got[m[1]], strings.TrimSpace(p)+"/tcp")
		}
	}
	if diff := cmp.Diff(wellKnown, got); diff != "" {
		t.Errorf("docs/import.md's well-known ports (-code +docs):\n%s", diff)
	}
}
