package build_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth-dev/berth/internal/build"
	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/registry"
	"github.com/berth-dev/berth/internal/testutil"
)

// TestExamplesBuild builds every example's images with berth's own
// builder (their Dockerfiles have no RUN), with the base image taken from
// the NODE_IMAGE (or REDIS_IMAGE) build arg as the examples document —
// here a busybox base in a local registry instead of node or redis from
// Docker Hub — and checks each image's entrypoint files are in place.
func TestExamplesBuild(t *testing.T) {
	t.Parallel()
	host := testutil.Registry(t)
	base := testutil.PushBusybox(t, host+"/mirror/node:22-slim")
	dirs, _ := filepath.Glob("../../examples/*/berth.yaml")
	if len(dirs) == 0 {
		t.Fatal("no examples found")
	}
	env := map[string]string{"NODE_IMAGE": base, "REDIS_IMAGE": base, "REGISTRY": host + "/examples"}
	// The working directory and the file each image must hold: a Node app
	// in /app unless listed here.
	want := map[string][2]string{"guestbook/redis": {"", "etc/redis/guestbook.conf"}}
	for _, file := range dirs {
		example := filepath.Base(filepath.Dir(file))
		t.Run(example, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), example)
			if err := os.CopyFS(dir, os.DirFS(filepath.Dir(file))); err != nil {
				t.Fatal(err)
			}
			p, _, err := config.Load(filepath.Join(dir, "berth.yaml"), config.Options{LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }})
			if err != nil {
				t.Fatal(err)
			}
			hasBuild := false
			for _, s := range p.Services {
				hasBuild = hasBuild || s.Build != nil
			}
			if !hasBuild {
				t.Skip("no service with build:")
			}
			b := &build.Builder{Remote: &registry.Access{Getenv: func(string) string { return "" }}, Observer: &lines{}}
			res, err := b.Build(t.Context(), p, build.Options{Push: true, Builder: build.BuilderBerth})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range res {
				ref, _ := name.ParseReference(r.Image)
				img, err := remote.Image(ref)
				if err != nil {
					t.Fatal(err)
				}
				cf, _ := img.ConfigFile()
				files := testutil.ImageFiles(t, img)
				w, ok := want[example+"/"+r.Service]
				if !ok {
					w = [2]string{"/app", "app/server.js"}
				}
				if cf.Config.WorkingDir != w[0] || files[w[1]].Data == "" || files["bin/busybox"].Data == "" {
					t.Errorf("%s: workdir %q (want %s), %s %d bytes", r.Service, cf.Config.WorkingDir, w[0], w[1], len(files[w[1]].Data))
				}
			}
		})
	}
}
