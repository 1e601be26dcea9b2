package main

import (
	"context"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// redisPackages are Debian's Redis server and the packages of the shared
// libraries it loads (checked with checkLibs on every build).
func redisPackages() []string {
	return []string{
		"redis-server", "redis-tools", "libc6", "libgcc-s1", "libstdc++6", "libatomic1", "libjemalloc2", "liblzf1", "libssl3",
		"libsystemd0", "libcap2", "libgcrypt20", "libgpg-error0", "liblz4-1", "liblzma5", "libzstd1",
		"busybox-static",
	}
}

// redisBase is a Redis base image made without Docker Hub: Debian's
// redis-server and redis-tools with their shared libraries, a static
// busybox for /bin/sh, and a "redis" user with uid 999 owning /data, as
// in the official images. Like the official image, it starts
// redis-server without protected mode in /data. Downloads are cached
// under work.
func redisBase(ctx context.Context, work string) (v1.Image, error) {
	r, err := newRootfs(work, "redis")
	if err != nil {
		return nil, err
	}
	defer r.remove()
	if err := r.install(ctx, work, redisPackages()...); err != nil {
		return nil, err
	}
	// redis-check-aof is a second copy of the one Redis binary, which
	// picks its mode from its name (as redis-server does, a link already);
	// redis-benchmark is not needed to serve.
	if err := os.Remove(filepath.Join(r.dir, "usr/bin/redis-benchmark")); err != nil {
		return nil, err
	}
	if err := r.symlink("redis-check-rdb", "usr/bin/redis-check-aof"); err != nil {
		return nil, err
	}
	if err := r.busybox(); err != nil {
		return nil, err
	}
	if err := r.users("redis", 999, "/data"); err != nil {
		return nil, err
	}
	if err := r.checkLibs("usr/bin/redis-check-rdb"); err != nil {
		return nil, err
	}
	if err := r.checkLibs("usr/bin/redis-cli"); err != nil {
		return nil, err
	}
	return r.image("redis: redis-server, its libraries and busybox from Debian (berth test base)", v1.Config{
		Cmd:          []string{"redis-server", "--protected-mode", "no"},
		WorkingDir:   "/data",
		ExposedPorts: map[string]struct{}{"6379/tcp": {}},
		Volumes:      map[string]struct{}{"/data": {}},
	})
}
