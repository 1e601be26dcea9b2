package build_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth-dev/berth/internal/build"
	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/registry"
	"github.com/berth-dev/berth/internal/testutil"
)

func write(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

type quiet struct{}

func (quiet) Log(string, string)     {}
func (quiet) Push(string, v1.Update) {}

// TestRealRegistry pushes to the Debian docker-registry over TLS (a
// throw-away CA) with htpasswd auth: berth registry login's check and
// save, the build and push, the image pulled back, incremental uploads
// counted in the registry's access log, and the errors for a missing CA
// and wrong credentials.
func TestRealRegistry(t *testing.T) {
	t.Parallel()
	reg := testutil.DockerRegistry(t)
	ctx := t.Context()
	docker := t.TempDir()
	access := &registry.Access{CAFile: reg.CAFile, ConfigDir: docker, Getenv: func(string) string { return "" }, Backoff: 1}

	// Login checks before it saves.
	_, err := access.Login(ctx, reg.Host, reg.User, "wrong")
	var rerr *registry.Error
	if !errors.As(err, &rerr) || !strings.Contains(err.Error(), "refused the credentials (401") || !strings.Contains(rerr.Hint(), "berth registry login "+reg.Host) {
		t.Fatalf("wrong password: %v", err)
	}
	if _, err := os.Stat(filepath.Join(docker, "config.json")); err == nil {
		t.Fatal("a refused login saved a config")
	}
	saved, err := access.Login(ctx, reg.Host, reg.User, reg.Password)
	if err != nil {
		t.Fatal(err)
	}
	if saved != filepath.Join(docker, "config.json") || !strings.Contains(access.Source(reg.Host), "config.json") {
		t.Errorf("saved in %q; source %q", saved, access.Source(reg.Host))
	}

	opts, _ := access.Options(ctx)
	testutil.PushBusybox(t, reg.Host+"/base/busybox:1", opts...)
	dir := t.TempDir()
	write(t, dir, map[string]string{
		"Dockerfile": `ARG BASE
FROM $BASE
WORKDIR /app
ENV GREETING=hello MODE=prod
COPY . .
EXPOSE 8080
USER 1000
ENTRYPOINT ["/bin/sh", "/app/start.sh"]
CMD ["--serve"]
`,
		"start.sh":         "echo $GREETING\n",
		"vendor/lib/a.txt": "dependency\n",
		"conf/app.conf":    "port=8080\n",
		".dockerignore":    "secret.txt\n",
		"secret.txt":       "never in the image",
	})
	p := &config.Project{Name: "demo", Dir: dir, Registry: reg.Host + "/team", Services: map[string]*config.Service{
		"api": {Build: &config.Build{Args: map[string]string{"BASE": reg.Host + "/base/busybox:1"}, Layers: []string{"vendor"}}},
	}}
	b := &build.Builder{Remote: access, Observer: quiet{}}
	res, err := b.Build(ctx, p, build.Options{Push: true})
	if err != nil {
		t.Fatal(err)
	}
	ref, _ := name.ParseReference(res[0].Image)
	img, err := remote.Image(ref, opts...)
	if err != nil {
		t.Fatal(err)
	}
	cf, _ := img.ConfigFile()
	c := cf.Config
	if !slices.Equal(c.Entrypoint, []string{"/bin/sh", "/app/start.sh"}) || !slices.Equal(c.Cmd, []string{"--serve"}) || c.WorkingDir != "/app" || c.User != "1000" {
		t.Errorf("config %+v", c)
	}
	if _, ok := c.ExposedPorts["8080/tcp"]; !ok || !slices.Contains(c.Env, "GREETING=hello") || !slices.Contains(c.Env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin") {
		t.Errorf("config %+v", c)
	}
	files := testutil.ImageFiles(t, img)
	if files["app/start.sh"].Data != "echo $GREETING\n" || files["app/vendor/lib/a.txt"].Data != "dependency\n" || files["bin/busybox"].Data == "" {
		t.Errorf("files: start.sh %q, vendor %q, busybox %d bytes", files["app/start.sh"].Data, files["app/vendor/lib/a.txt"].Data, len(files["bin/busybox"].Data))
	}
	if _, ok := files["app/secret.txt"]; ok {
		t.Error("the image has a file .dockerignore excludes")
	}

	// One changed file: one new layer and the config; vendor and the
	// base are not uploaded again.
	before := reg.BlobUploads("team/demo-api")
	write(t, dir, map[string]string{"conf/app.conf": "port=9090\n"})
	if _, err := b.Build(ctx, p, build.Options{Push: true}); err != nil {
		t.Fatal(err)
	}
	if n := reg.BlobUploads("team/demo-api") - before; n != 2 {
		t.Errorf("a one-file change uploaded %d blobs, want 2 (app layer + config)", n)
	}

	// Without the CA: a TLS error that says what to do.
	noCA := &registry.Access{ConfigDir: docker, Getenv: func(string) string { return "" }, Attempts: 1}
	_, err = (&build.Builder{Remote: noCA, Observer: quiet{}}).Build(ctx, p, build.Options{Push: true, NoCache: true})
	if !errors.As(err, &rerr) || !strings.Contains(err.Error(), "TLS certificate not trusted") || !strings.Contains(rerr.Hint(), "--registry-ca") {
		t.Errorf("without the CA: %v", err)
	}
	// Credentials gone: 401 naming where credentials were looked for.
	if _, err := access.Logout(reg.Host); err != nil {
		t.Fatal(err)
	}
	_, err = b.Build(ctx, p, build.Options{Push: true, NoCache: true})
	if !errors.As(err, &rerr) || !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), "none: no entry in "+filepath.Join(docker, "config.json")) {
		t.Errorf("logged out: %v", err)
	}
}

// TestDelegatedBuilders hands a Dockerfile with RUN steps to real
// container builders (buildah with vfs storage and chroot isolation;
// dockerd started for the test) and pushes their result.
func TestDelegatedBuilders(t *testing.T) {
	t.Parallel()
	host := testutil.Registry(t)
	base := testutil.PushBusybox(t, host+"/base/busybox:1")
	dockerfile := `ARG BASE
FROM $BASE
COPY greet.txt /greet.txt
RUN mkdir -p /out && cat /greet.txt > /out/built.txt && echo ran >> /out/built.txt
CMD ["cat", "/out/built.txt"]
`
	for _, tc := range []struct {
		tool string
		env  func(t *testing.T) []string
	}{
		{build.BuilderBuildah, func(t *testing.T) []string {
			if _, err := exec.LookPath("buildah"); err != nil {
				testutil.Missing(t, "buildah", "apt-get install buildah")
			}
			root := t.TempDir()
			return append(os.Environ(), "STORAGE_DRIVER=vfs", "CONTAINERS_STORAGE_CONF="+writeStorageConf(t, root))
		}},
		{build.BuilderDocker, func(t *testing.T) []string {
			return append(os.Environ(), "DOCKER_HOST="+testutil.Dockerd(t))
		}},
	} {
		t.Run(tc.tool, func(t *testing.T) {
			t.Parallel()
			env := tc.env(t)
			dir := t.TempDir()
			write(t, dir, map[string]string{"Dockerfile": dockerfile, "greet.txt": "hello from " + tc.tool + "\n"})
			p := &config.Project{Name: "run", Dir: dir, Registry: host, Services: map[string]*config.Service{
				"job": {Build: &config.Build{Args: map[string]string{"BASE": base}, Builder: tc.tool}},
			}}
			var log lines
			b := &build.Builder{Remote: &registry.Access{Getenv: func(string) string { return "" }}, Observer: &log, Env: env}
			res, err := b.Build(t.Context(), p, build.Options{Push: true})
			if err != nil {
				t.Fatalf("%v\n%s", err, strings.Join(log.out, "\n"))
			}
			if res[0].Builder != tc.tool {
				t.Errorf("built by %s", res[0].Builder)
			}
			ref, _ := name.ParseReference(res[0].Image)
			img, err := remote.Image(ref)
			if err != nil {
				t.Fatal(err)
			}
			if got := testutil.ImageFiles(t, img)["out/built.txt"].Data; got != "hello from "+tc.tool+"\nran\n" {
				t.Errorf("out/built.txt = %q", got)
			}
		})
	}
}

type lines struct {
	mu  sync.Mutex
	out []string
}

func (l *lines) Log(svc, line string)   { l.mu.Lock(); l.out = append(l.out, line); l.mu.Unlock() }
func (l *lines) Push(string, v1.Update) {}

// writeStorageConf points containers/storage (buildah) at a test folder
// with the vfs driver, which needs no overlay or fuse support.
func writeStorageConf(t *testing.T, root string) string {
	t.Helper()
	conf := filepath.Join(root, "storage.conf")
	text := "[storage]\ndriver = \"vfs\"\nrunroot = \"" + filepath.Join(root, "run") + "\"\ngraphroot = \"" + filepath.Join(root, "graph") + "\"\n"
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return conf
}
