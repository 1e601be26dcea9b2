package build

import (
	"archive/tar"
	"context"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	ggcr "github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/testutil"
)

// plainRemote reaches the in-process registry of a test.
type plainRemote struct{}

func (plainRemote) Reference(s string) (name.Reference, error) { return name.ParseReference(s) }
func (plainRemote) Explain(err error, _ string) error          { return err }
func (plainRemote) Options(ctx context.Context) ([]remote.Option, error) {
	return []remote.Option{remote.WithContext(ctx)}, nil
}

// uploads counts finished blob uploads (the PUT that completes one) per
// repository of go-containerregistry's in-process registry.
type uploads struct {
	mu sync.Mutex
	n  map[string]int
}

func (u *uploads) count(repo string) int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.n[repo]
}

// testRegistry serves the in-process registry and counts blob uploads.
func testRegistry(t *testing.T) (string, *uploads) {
	t.Helper()
	u := &uploads{n: map[string]int{}}
	reg := ggcr.New(ggcr.Logger(log.New(io.Discard, "", 0)))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if repo, _, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/v2/"), "/blobs/uploads/"); ok && r.Method == http.MethodPut {
			u.mu.Lock()
			u.n[repo]++
			u.mu.Unlock()
		}
		reg.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://"), u
}

// pushBase pushes a small base image: one layer with etc/passwd and a
// config like a distribution's (PATH, CMD sh).
func pushBase(t *testing.T, ref string) {
	t.Helper()
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		pr, pw := io.Pipe()
		go func() {
			tw := tar.NewWriter(pw)
			data := "root:x:0:0:root:/root:/bin/sh\n"
			_ = tw.WriteHeader(&tar.Header{Name: "etc/", Typeflag: tar.TypeDir, Mode: 0o755})
			_ = tw.WriteHeader(&tar.Header{Name: "etc/passwd", Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(data))})
			_, _ = tw.Write([]byte(data))
			pw.CloseWithError(tw.Close())
		}()
		return pr, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		t.Fatal(err)
	}
	cf, _ := img.ConfigFile()
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", runtime.GOARCH
	cf.Config = v1.Config{Env: []string{"PATH=/usr/local/bin:/usr/bin:/bin"}, Cmd: []string{"sh"}}
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		t.Fatal(err)
	}
	r, _ := name.ParseReference(ref)
	if err := remote.Write(r, img); err != nil {
		t.Fatal(err)
	}
}

const nodeDockerfile = `ARG BASE
FROM ${BASE}
WORKDIR /app
ENV NODE_ENV=production PORT=3000
COPY . .
EXPOSE 3000
USER 1000
ENTRYPOINT ["node"]
CMD ["server.js"]
`

func nodeApp(t *testing.T, host string) *config.Project {
	t.Helper()
	dir := writeTree(t, map[string]string{
		"Dockerfile":                        nodeDockerfile,
		".dockerignore":                     "*.log\n",
		"server.js":                         "console.log('v1')\n",
		"bin/start*":                        "#!/bin/sh\nexec node server.js\n",
		"node_modules/express/index.js":     strings.Repeat("module.exports = 1;\n", 500),
		"node_modules/express/package.json": `{"name":"express"}`,
		"debug.log":                         "ignored",
	})
	return &config.Project{Name: "shop", Dir: dir, File: filepath.Join(dir, "berth.yaml"), Registry: host + "/team", Services: map[string]*config.Service{
		"web": {Build: &config.Build{Context: ".", Args: map[string]string{"BASE": host + "/base:1"}, Layers: []string{"node_modules"}}},
		"db":  {Image: "postgres:16"},
	}}
}

type lines struct {
	mu  sync.Mutex
	out []string
}

func (l *lines) Log(svc, line string) {
	l.mu.Lock()
	l.out = append(l.out, svc+": "+line)
	l.mu.Unlock()
}
func (l *lines) Push(svc string, u v1.Update) {}

func newBuilder() (*Builder, *lines) {
	l := &lines{}
	return &Builder{Remote: plainRemote{}, Observer: l, LookPath: func(string) (string, error) { return "", exec.ErrNotFound }}, l
}

// TestBuildPushPull builds a Node-style app on a base image from the
// registry, pushes it and pulls it back: config, files, modes, layers.
func TestBuildPushPull(t *testing.T) {
	t.Parallel()
	host, _ := testRegistry(t)
	pushBase(t, host+"/base:1")
	p := nodeApp(t, host)
	b, _ := newBuilder()
	res, err := b.Build(t.Context(), p, Options{Push: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].Service != "web" || res[0].Builder != BuilderBerth || !res[0].Pushed {
		t.Fatalf("results %+v", res)
	}
	want := host + "/team/shop-web:" + res[0].Tag + "@" + res[0].Digest
	if res[0].Image != want {
		t.Errorf("image %s, want %s", res[0].Image, want)
	}
	ref, _ := name.ParseReference(res[0].Image)
	img, err := remote.Image(ref)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	c := cf.Config
	if c.WorkingDir != "/app" || c.User != "1000" || !slices.Equal(c.Entrypoint, []string{"node"}) || !slices.Equal(c.Cmd, []string{"server.js"}) {
		t.Errorf("config %+v", c)
	}
	if _, ok := c.ExposedPorts["3000/tcp"]; !ok || !slices.Contains(c.Env, "NODE_ENV=production") || !slices.Contains(c.Env, "PATH=/usr/local/bin:/usr/bin:/bin") {
		t.Errorf("config %+v", c)
	}
	if cf.OS != "linux" || cf.Architecture != runtime.GOARCH || cf.Created.Unix() != 0 {
		t.Errorf("os %s arch %s created %v", cf.OS, cf.Architecture, cf.Created)
	}
	layers, _ := img.Layers()
	if len(layers) != 3 {
		t.Fatalf("%d layers, want base + node_modules + app", len(layers))
	}
	files := testutil.ImageFiles(t, img)
	for name, mode := range map[string]int64{"etc/passwd": 0o644, "app/server.js": 0o644, "app/bin/start": 0o755, "app/node_modules/express/index.js": 0o644} {
		f, ok := files[name]
		if !ok {
			t.Errorf("image lacks %s", name)
			continue
		}
		h := f.Header
		if h.Mode != mode || h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.ModTime.Unix() != 0 {
			t.Errorf("%s: mode %o uid %d gid %d uname %q mtime %v", name, h.Mode, h.Uid, h.Gid, h.Uname, h.ModTime)
		}
	}
	for _, name := range []string{"app/debug.log", "app/.berth/builds.json"} {
		if _, ok := files[name]; ok {
			t.Errorf("image has %s", name)
		}
	}
	// The node_modules layer holds only node_modules.
	rc, _ := layers[1].Uncompressed()
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err != nil {
			break
		}
		if !strings.HasPrefix(h.Name, "app/node_modules") {
			t.Errorf("node_modules layer has %s", h.Name)
		}
	}
	// Recorded for render and deploy.
	recs, err := LoadRecords(StateDirOf(p))
	if err != nil {
		t.Fatal(err)
	}
	if r := recs.Services["web"]; r.Image != res[0].Image || !strings.HasPrefix(r.Base, host+"/base:1@sha256:") {
		t.Errorf("record %+v", r)
	}
}

// TestReproducible builds the same sources in two directories with cold
// caches: the digests are equal.
func TestReproducible(t *testing.T) {
	t.Parallel()
	host, _ := testRegistry(t)
	pushBase(t, host+"/base:1")
	var digests []string
	for range 2 {
		b, _ := newBuilder()
		res, err := b.Build(t.Context(), nodeApp(t, host), Options{Push: true})
		if err != nil {
			t.Fatal(err)
		}
		digests = append(digests, res[0].Digest)
	}
	if digests[0] != digests[1] {
		t.Errorf("digests differ: %v", digests)
	}
}

// TestIncremental: unchanged inputs are up to date (nothing uploaded);
// one changed source file uploads one new layer (and the config, itself a
// blob), never the node_modules layer.
func TestIncremental(t *testing.T) {
	t.Parallel()
	host, up := testRegistry(t)
	pushBase(t, host+"/base:1")
	p := nodeApp(t, host)
	b, log := newBuilder()
	first, err := b.Build(t.Context(), p, Options{Push: true})
	if err != nil {
		t.Fatal(err)
	}
	repo := "team/shop-web"
	cold := up.count(repo)
	if cold != 3 { // node_modules layer, app layer, config; the base layer is mounted
		t.Errorf("cold build uploaded %d blobs, want 3", cold)
	}
	again, err := b.Build(t.Context(), p, Options{Push: true})
	if err != nil {
		t.Fatal(err)
	}
	if !again[0].UpToDate || again[0].Image != first[0].Image || up.count(repo) != cold {
		t.Errorf("unchanged: %+v, %d uploads", again[0], up.count(repo)-cold)
	}
	if !slices.ContainsFunc(log.out, func(s string) bool { return strings.Contains(s, "up to date") }) {
		t.Errorf("no up-to-date line in %q", log.out)
	}
	if err := os.WriteFile(filepath.Join(p.Dir, "server.js"), []byte("console.log('v2')\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	changed, err := b.Build(t.Context(), p, Options{Push: true})
	if err != nil {
		t.Fatal(err)
	}
	if changed[0].UpToDate || changed[0].Digest == first[0].Digest || changed[0].LayersCached != 1 || changed[0].LayersWritten != 1 {
		t.Errorf("changed: %+v", changed[0])
	}
	if n := up.count(repo) - cold; n != 2 {
		t.Errorf("one changed file uploaded %d blobs, want 2 (the app layer and the config)", n)
	}
	// --no-cache rebuilds and the registry skips what it has.
	forced, err := b.Build(t.Context(), p, Options{Push: true, NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	if forced[0].UpToDate || forced[0].Digest != changed[0].Digest {
		t.Errorf("forced: %+v", forced[0])
	}
}

// TestNeedsBuilder: a RUN line with no container builder on PATH names
// the line and both ways out; builder berth refuses it outright.
func TestNeedsBuilder(t *testing.T) {
	t.Parallel()
	host, _ := testRegistry(t)
	pushBase(t, host+"/base:1")
	p := nodeApp(t, host)
	df := strings.Replace(nodeDockerfile, "COPY . .\n", "COPY . .\nRUN npm ci --omit=dev\n", 1)
	if err := os.WriteFile(filepath.Join(p.Dir, "Dockerfile"), []byte(df), 0o644); err != nil {
		t.Fatal(err)
	}
	b, _ := newBuilder()
	_, err := b.Build(t.Context(), p, Options{Push: true})
	var nb *NeedsBuilderError
	if !errors.As(err, &nb) || nb.Line != 6 || nb.Explicit {
		t.Fatalf("error %v", err)
	}
	for _, s := range []string{"Dockerfile:6: RUN npm ci --omit=dev", "no container builder (docker, podman, buildah, nerdctl) is on PATH"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q lacks %q", err, s)
		}
	}
	if !strings.Contains(nb.Hint(), "install one of docker, podman, buildah or nerdctl") || !strings.Contains(nb.Hint(), "COPY its output") {
		t.Errorf("hint %q", nb.Hint())
	}
	p.Services["web"].Build.Builder = BuilderBerth
	if _, err := b.Build(t.Context(), p, Options{Push: true}); !errors.As(err, &nb) || !nb.Explicit {
		t.Errorf("builder berth: %v", err)
	}
}

// TestMultiPlatform builds linux/amd64 and linux/arm64 from a scratch base
// into one index.
func TestMultiPlatform(t *testing.T) {
	t.Parallel()
	host, _ := testRegistry(t)
	dir := writeTree(t, map[string]string{"Dockerfile": "FROM scratch\nARG TARGETARCH\nCOPY app-${TARGETARCH} /app\nENTRYPOINT [\"/app\"]\n", "app-amd64*": "amd", "app-arm64*": "arm"})
	p := &config.Project{Name: "tool", Dir: dir, Registry: host, Services: map[string]*config.Service{
		"tool": {Build: &config.Build{Platforms: []string{"linux/amd64", "linux/arm64"}}},
	}}
	b, _ := newBuilder()
	res, err := b.Build(t.Context(), p, Options{Push: true})
	if err != nil {
		t.Fatal(err)
	}
	ref, _ := name.ParseReference(res[0].Image)
	idx, err := remote.Index(ref)
	if err != nil {
		t.Fatal(err)
	}
	im, _ := idx.IndexManifest()
	if len(im.Manifests) != 2 {
		t.Fatalf("index has %d manifests", len(im.Manifests))
	}
	for _, m := range im.Manifests {
		img, _ := idx.Image(m.Digest)
		cf, _ := img.ConfigFile()
		files := testutil.ImageFiles(t, img)
		if cf.Architecture != m.Platform.Architecture || files["app"].Data != m.Platform.Architecture[:3] {
			t.Errorf("%s: config arch %s, files %v", m.Platform, cf.Architecture, files)
		}
	}
}

// TestLocalOnly keeps the image in .berth/oci without a registry.
func TestLocalOnly(t *testing.T) {
	t.Parallel()
	dir := writeTree(t, map[string]string{"Dockerfile": "FROM scratch\nCOPY hello /\n", "hello": "hi"})
	p := &config.Project{Name: "hi", Dir: dir, Services: map[string]*config.Service{"hi": {Build: &config.Build{}}}}
	b, _ := newBuilder()
	res, err := b.Build(t.Context(), p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Pushed || !strings.HasPrefix(res[0].Image, "hi:") {
		t.Errorf("result %+v", res[0])
	}
	if _, err := os.Stat(filepath.Join(dir, ".berth", "oci", "index.json")); err != nil {
		t.Error(err)
	}
	if _, err := b.Build(t.Context(), p, Options{Push: true}); err == nil || !strings.Contains(err.Error(), "no registry") {
		t.Errorf("push without registry: %v", err)
	}
}

func TestLocalOnlyUpToDate(t *testing.T) {
	t.Parallel()
	dir := writeTree(t, map[string]string{"Dockerfile": "FROM scratch\nCOPY hello /\n", "hello": "hi"})
	p := &config.Project{Name: "hi", Dir: dir, Services: map[string]*config.Service{"hi": {Build: &config.Build{}}}}
	b, _ := newBuilder()
	first, err := b.Build(t.Context(), p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	again, err := b.Build(t.Context(), p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !again[0].UpToDate || again[0].Image != first[0].Image {
		t.Errorf("second local build: %+v", again[0])
	}
}

// TestPin finds a pushed build by its content tag in the registry, as a
// deploy in a CI job without .berth/ does.
func TestPin(t *testing.T) {
	t.Parallel()
	host, _ := testRegistry(t)
	pushBase(t, host+"/base:1")
	p := nodeApp(t, host)
	b, _ := newBuilder()
	res, err := b.Build(t.Context(), p, Options{Push: true})
	if err != nil {
		t.Fatal(err)
	}
	got, err := Pin(t.Context(), plainRemote{}, host+"/team/shop-web:"+res[0].Tag)
	if err != nil || got != res[0].Image {
		t.Errorf("Pin = %q, %v; want %s", got, err, res[0].Image)
	}
	if _, err := Pin(t.Context(), plainRemote{}, host+"/team/shop-web:000000000000"); err == nil {
		t.Error("Pin of a tag nobody pushed succeeded")
	}
}

// TestInCluster: a Dockerfile with RUN and no container builder here is
// built inside the cluster when the target can (minikube image build).
func TestInCluster(t *testing.T) {
	t.Parallel()
	host, _ := testRegistry(t)
	pushBase(t, host+"/base:1")
	p := nodeApp(t, host)
	df := strings.Replace(nodeDockerfile, "COPY . .\n", "COPY . .\nRUN npm ci\n", 1)
	if err := os.WriteFile(filepath.Join(p.Dir, "Dockerfile"), []byte(df), 0o644); err != nil {
		t.Fatal(err)
	}
	b, _ := newBuilder()
	var built string
	b.InCluster = func(_ context.Context, in *Inputs, ref string) error { built = ref; return nil }
	res, err := b.Build(t.Context(), p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := host + "/team/shop-web:" + res[0].Tag
	if built != want || res[0].Image != want || res[0].Builder != BuilderMinikube || res[0].Pushed {
		t.Errorf("built %q, result %+v", built, res[0])
	}
}
