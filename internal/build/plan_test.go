package build

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// writeTree writes files (path → content; a trailing "*" in the path
// marks an executable) under a new temp dir.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		mode := os.FileMode(0o644)
		if strings.HasSuffix(name, "*") {
			name, mode = strings.TrimSuffix(name, "*"), 0o755
		}
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func planOf(t *testing.T, dockerfile string, files map[string]string, args map[string]string, base *v1.ConfigFile) (*plan, error) {
	t.Helper()
	files["Dockerfile"] = dockerfile
	dir := writeTree(t, files)
	df, err := ParseDockerfile(filepath.Join(dir, "Dockerfile"), args, "", "linux/amd64")
	if err != nil {
		return nil, err
	}
	ctx, err := LoadContext(dir)
	if err != nil {
		t.Fatal(err)
	}
	if base == nil {
		base = &v1.ConfigFile{Config: v1.Config{Env: []string{"PATH=/usr/bin:/bin"}, Cmd: []string{"sh"}}}
	}
	return df.Plan(base, ctx, []string{"node_modules"}, time.Unix(0, 0))
}

func names(lp layerPlan) []string {
	var out []string
	for _, e := range normalise(lp.Entries) {
		n := e.Name
		if e.Dir {
			n += "/"
		}
		out = append(out, n)
	}
	return out
}

func TestPlanConfig(t *testing.T) {
	t.Parallel()
	p, err := planOf(t, `# syntax=docker/dockerfile:1
ARG BASE=busybox
FROM ${BASE}
ARG VERSION=1.0
ARG FROM_CLI
ENV APP_VERSION=$VERSION HOME=/home/app
ENV GREETING="hello ${FROM_CLI:-nobody}"
WORKDIR /work
WORKDIR app
LABEL org.opencontainers.image.version=$VERSION
EXPOSE 8080 9090/udp 7000-7001
USER 1000:1000
VOLUME /data
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=5s --retries=2 CMD wget -q -O- http://localhost:8080/healthz
CMD node server.js
`, map[string]string{}, map[string]string{"FROM_CLI": "ci"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := p.Config
	for _, want := range []string{"PATH=/usr/bin:/bin", "APP_VERSION=1.0", "HOME=/home/app", "GREETING=hello ci"} {
		if !slices.Contains(c.Env, want) {
			t.Errorf("Env %v lacks %s", c.Env, want)
		}
	}
	if c.WorkingDir != "/work/app" || c.User != "1000:1000" || c.StopSignal != "SIGTERM" {
		t.Errorf("WorkingDir %q User %q StopSignal %q", c.WorkingDir, c.User, c.StopSignal)
	}
	for _, port := range []string{"8080/tcp", "9090/udp", "7000/tcp", "7001/tcp"} {
		if _, ok := c.ExposedPorts[port]; !ok {
			t.Errorf("ExposedPorts %v lacks %s", c.ExposedPorts, port)
		}
	}
	if _, ok := c.Volumes["/data"]; !ok {
		t.Errorf("Volumes %v", c.Volumes)
	}
	if c.Labels["org.opencontainers.image.version"] != "1.0" {
		t.Errorf("Labels %v", c.Labels)
	}
	if got := strings.Join(c.Cmd, "|"); got != "/bin/sh|-c|node server.js" {
		t.Errorf("Cmd %q", got)
	}
	if h := c.Healthcheck; h == nil || h.Interval != 5*time.Second || h.Retries != 2 || h.Test[0] != "CMD-SHELL" {
		t.Errorf("Healthcheck %+v", h)
	}
	// The WORKDIRs not followed by a COPY get a layer of their own.
	if len(p.Layers) != 1 || !slices.Equal(names(p.Layers[0]), []string{"work/", "work/app/"}) {
		t.Errorf("layers %+v", p.Layers)
	}
}

func TestPlanEntrypointResetsInheritedCmd(t *testing.T) {
	t.Parallel()
	p, err := planOf(t, "FROM x\nENTRYPOINT [\"/app\"]\n", map[string]string{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.Config.Cmd != nil || !slices.Equal(p.Config.Entrypoint, []string{"/app"}) {
		t.Errorf("Entrypoint %q Cmd %q", p.Config.Entrypoint, p.Config.Cmd)
	}
	p, err = planOf(t, "FROM x\nCMD [\"--serve\"]\nSHELL [\"/bin/bash\", \"-lc\"]\nENTRYPOINT run me\n", map[string]string{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.Config.Cmd, []string{"--serve"}) || !slices.Equal(p.Config.Entrypoint, []string{"/bin/bash", "-lc", "run me"}) {
		t.Errorf("Entrypoint %q Cmd %q", p.Config.Entrypoint, p.Config.Cmd)
	}
}

func TestPlanCopy(t *testing.T) {
	t.Parallel()
	files := func() map[string]string {
		return map[string]string{
			"server.js": "x", "run.sh*": "#!/bin/sh", "lib/a.js": "a", "lib/b/c.js": "c",
			"node_modules/dep/index.js": "d", "README.md": "r", ".dockerignore": "*.md\n",
		}
	}
	for _, tc := range []struct {
		name       string
		dockerfile string
		layers     [][]string
	}{
		{"dot into workdir, node_modules first", "FROM x\nWORKDIR /app\nCOPY . .\n", [][]string{
			{"app/node_modules/", "app/node_modules/dep/", "app/node_modules/dep/index.js"},
			{".dockerignore", "Dockerfile", "lib/", "lib/a.js", "lib/b/", "lib/b/c.js", "run.sh", "server.js"},
		}},
		{"file to a file", "FROM x\nCOPY server.js /srv/main.js\n", [][]string{{"srv/main.js"}}},
		{"files into a dir", "FROM x\nCOPY server.js run.sh /srv/\n", [][]string{{"srv/run.sh", "srv/server.js"}}},
		{"dir contents", "FROM x\nCOPY lib /opt/lib\n", [][]string{{"opt/lib/", "opt/lib/a.js", "opt/lib/b/", "opt/lib/b/c.js"}}},
		{"wildcard", "FROM x\nCOPY lib/*.js /w/\n", [][]string{{"w/a.js"}}},
		{"heredoc", "FROM x\nCOPY <<EOF /etc/app.conf\nport=1\nEOF\n", [][]string{{"etc/app.conf"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := planOf(t, tc.dockerfile, files(), nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			var got [][]string
			for _, l := range p.Layers {
				got = append(got, names(l))
			}
			if tc.name == "dot into workdir, node_modules first" {
				for i := range tc.layers[1] {
					tc.layers[1][i] = "app/" + tc.layers[1][i]
				}
				tc.layers[1] = append([]string{"app/"}, tc.layers[1]...)
			}
			if !slices.EqualFunc(got, tc.layers, slices.Equal) {
				t.Errorf("layers\n got %q\nwant %q", got, tc.layers)
			}
		})
	}
}

func TestPlanModesAndOwners(t *testing.T) {
	t.Parallel()
	p, err := planOf(t, "FROM x\nCOPY --chown=1000:2000 . /app/\nCOPY --chmod=0700 run.sh /bin/\n", map[string]string{"run.sh*": "x", "a.txt": "a"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	modes := map[string][3]int64{}
	for _, l := range p.Layers {
		for _, e := range l.Entries {
			modes[e.Name] = [3]int64{e.Mode, int64(e.UID), int64(e.GID)}
		}
	}
	want := map[string][3]int64{
		"app":        {0o755, 1000, 2000},
		"app/a.txt":  {0o644, 1000, 2000},
		"app/run.sh": {0o755, 1000, 2000},
		"bin/run.sh": {0o700, 0, 0},
	}
	for k, v := range want {
		if modes[k] != v {
			t.Errorf("%s: mode/uid/gid %o, want %o", k, modes[k], v)
		}
	}
}

// TestPlanKeepsBaseDirs: a WORKDIR or COPY into a directory the base's
// config shows it has (its WORKDIR, a VOLUME) writes no entry for it, so
// its owner and mode stay the base's (redis's /data belongs to redis),
// as Docker leaves an existing directory as it is; new ones get entries.
func TestPlanKeepsBaseDirs(t *testing.T) {
	t.Parallel()
	base := &v1.ConfigFile{Config: v1.Config{WorkingDir: "/data", Volumes: map[string]struct{}{"/var/lib/db/": {}}}}
	p, err := planOf(t, "FROM x\nWORKDIR /data\nCOPY a.conf /data/\nCOPY a.conf /var/lib/db/\nWORKDIR /srv/app\n", map[string]string{"a.conf": "x"}, nil, base)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range p.Layers {
		got = append(got, names(l)...)
	}
	if want := []string{"data/a.conf", "var/lib/db/a.conf", "srv/app/"}; !slices.Equal(got, want) {
		t.Errorf("entries %q, want %q", got, want)
	}
}

func TestPlanErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, dockerfile string
		daemon           bool
		want             string
	}{
		{"run", "FROM x\nCOPY . .\nRUN npm ci\n", true, "Dockerfile:3: RUN npm ci: RUN executes a program inside the image"},
		{"copy from stage", "FROM x AS b\nFROM y\nCOPY --from=b /a /a\n", true, "COPY --from copies out of another stage"},
		{"add url", "FROM x\nADD https://example.org/a.tgz /a\n", true, "ADD of a URL"},
		{"chown by name", "FROM x\nCOPY --chown=node:node . .\n", true, "numeric ids"},
		{"outside context", "FROM x\nCOPY ../secret /s\n", false, "Dockerfile:2: COPY ../secret /s: ../secret is outside the build context"},
		{"missing", "FROM x\nCOPY nothere /s\n", false, "nothere is not in the build context"},
		{"ignored", "FROM x\nCOPY notes.md /s\n", false, "notes.md is not in the build context"},
		{"many to a file", "FROM x\nCOPY a.txt b.txt /s\n", false, "destination must be a directory ending in /"},
		{"no match", "FROM x\nCOPY *.go /s/\n", false, "no file of the build context matches *.go"},
		{"bad port", "FROM x\nEXPOSE http\n", false, "not a port number"},
		{"no stage", "FROM x AS a\n", false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := planOf(t, tc.dockerfile, map[string]string{"a.txt": "a", "b.txt": "b", "notes.md": "n", ".dockerignore": "*.md\n"}, nil, nil)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
			var de *DaemonError
			if errors.As(err, &de) != tc.daemon {
				t.Errorf("DaemonError: %v, want %v", !tc.daemon, tc.daemon)
			}
		})
	}
}

func TestParseTargetAndBase(t *testing.T) {
	t.Parallel()
	dir := writeTree(t, map[string]string{"Dockerfile": `ARG NODE=22
FROM node:${NODE}-slim AS base
ENV A=1
FROM base AS app
COPY . /app
FROM app AS debug
ENV DEBUG=1
FROM --platform=$TARGETPLATFORM busybox AS other
`})
	df, err := ParseDockerfile(filepath.Join(dir, "Dockerfile"), map[string]string{"NODE": "20"}, "app", "linux/arm64")
	if err != nil {
		t.Fatal(err)
	}
	if df.Base != "node:20-slim" || df.BaseLine != 2 || len(df.Commands) != 2 {
		t.Errorf("base %q line %d, %d commands", df.Base, df.BaseLine, len(df.Commands))
	}
	df, err = ParseDockerfile(filepath.Join(dir, "Dockerfile"), nil, "", "linux/arm64")
	if err != nil {
		t.Fatal(err)
	}
	if df.Base != "busybox" || df.Platform != "linux/arm64" {
		t.Errorf("last stage: base %q platform %q", df.Base, df.Platform)
	}
	if _, err := ParseDockerfile(filepath.Join(dir, "Dockerfile"), nil, "prod", ""); err == nil || !strings.Contains(err.Error(), `no stage named "prod" (stages: base, app, debug, other)`) {
		t.Errorf("unknown target: %v", err)
	}
}
