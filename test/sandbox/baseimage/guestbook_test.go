package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth-dev/berth/internal/build"
	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/registry"
	"github.com/berth-dev/berth/internal/testutil"
)

// TestGuestbookOnBases builds examples/guestbook with berth's own builder
// on the node and redis bases (pushed to an in-process registry), unpacks
// both built images and runs them with chroot as their image users: the
// page lists an entry signed through the form, and /readyz follows Redis.
func TestGuestbookOnBases(t *testing.T) {
	needRoot(t)
	ctx := t.Context()
	host := testutil.Registry(t)
	work := cacheDir(t)
	env := map[string]string{"REGISTRY": host + "/examples"}
	for _, b := range []struct {
		arg   string
		build func(context.Context, string) (v1.Image, error)
	}{{"NODE_IMAGE", nodeBase}, {"REDIS_IMAGE", redisBase}} {
		img, err := b.build(ctx, work)
		if err != nil {
			t.Fatal(err)
		}
		env[b.arg] = push(t, img, host+"/base/"+strings.ToLower(strings.TrimSuffix(b.arg, "_IMAGE")))
	}
	dir := filepath.Join(t.TempDir(), "guestbook")
	if err := os.CopyFS(dir, os.DirFS(filepath.Join(testutil.RepoRoot(t), "examples", "guestbook"))); err != nil {
		t.Fatal(err)
	}
	p, _, err := config.Load(filepath.Join(dir, "berth.yaml"), config.Options{LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	b := &build.Builder{Remote: &registry.Access{Getenv: func(string) string { return "" }}, Observer: &logLines{}}
	res, err := b.Build(ctx, p, build.Options{Push: true, Builder: build.BuilderBerth})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("guestbook built and pushed on the bases in %s", time.Since(start).Round(time.Millisecond))
	roots := map[string]string{}
	for _, r := range res {
		ref, err := name.ParseReference(r.Image)
		if err != nil {
			t.Fatal(err)
		}
		img, err := remote.Image(ref, remote.WithContext(ctx))
		if err != nil {
			t.Fatal(err)
		}
		roots[r.Service] = filepath.Join(t.TempDir(), r.Service)
		unpack(t, img, roots[r.Service])
	}
	redisPort, webPort := freePort(t), freePort(t)
	stopRedis := chrootRun(t, roots["redis"], "999:999", "/data", nil, "/usr/bin/redis-server", "/etc/redis/guestbook.conf", "--port", redisPort)
	chrootRun(t, roots["web"], "1000:1000", "/app", []string{"PORT=" + webPort, "REDIS_HOST=127.0.0.1", "REDIS_PORT=" + redisPort}, "/usr/bin/node", "server.js")
	base := "http://127.0.0.1:" + webPort
	waitFor(t, base+"/readyz", 200)
	resp, err := http.PostForm(base+"/", url.Values{"name": {"Ada"}, "message": {"built <here>"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if page := get(t, base+"/"); !strings.Contains(page, "<b>Ada</b>") || !strings.Contains(page, "built &#60;here&#62;") {
		t.Errorf("the page does not list the entry:\n%s", page)
	}
	stopRedis()
	waitFor(t, base+"/readyz", 503)
	if got := get(t, base+"/healthz"); got != "ok\n" {
		t.Errorf("/healthz without Redis: %q", got)
	}
}

func push(t *testing.T, img v1.Image, repo string) string {
	t.Helper()
	ref, err := name.ParseReference(repo + ":test")
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img, remote.WithContext(t.Context())); err != nil {
		t.Fatal(err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return repo + "@" + d.String()
}

// chrootRun runs a program of an unpacked image with chroot and returns a
// function that stops it (also called at the end of the test).
func chrootRun(t *testing.T, root, user, workdir string, env []string, argv ...string) func() {
	t.Helper()
	script := `cd "$1" && shift && exec "$@"`
	args := append([]string{"--userspec=" + user, root, "/bin/sh", "-c", script, "sh", workdir}, argv...)
	cmd := exec.Command("chroot", args...)
	cmd.Env = append([]string{pathEnv}, env...)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			t.Logf("%s:\n%s", argv[0], out.String())
		})
	}
	t.Cleanup(stop)
	return stop
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return fmt.Sprint(l.Addr().(*net.TCPAddr).Port)
}

func waitFor(t *testing.T, u string, status int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	last := "no answer"
	for time.Now().Before(deadline) {
		resp, err := http.Get(u)
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == status {
				return
			}
			last = fmt.Sprintf("%d %s", resp.StatusCode, body)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s: want %d, last %s", u, status, last)
}

func get(t *testing.T, u string) string {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(body)
}

// logLines is a build.Observer that keeps nothing.
type logLines struct{}

func (*logLines) Log(string, string)     {}
func (*logLines) Push(string, v1.Update) {}
