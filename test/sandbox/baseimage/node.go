package main

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// nodeMajor is the Node.js release line of the node base.
const nodeMajor = "22"

// nodeBase is a Node.js base image made without Docker Hub: Debian's
// libc6, libstdc++6 and libgcc-s1 with a static busybox for /bin/sh, the
// official node binary from npm's node-linux-<arch> package, and a "node"
// user with uid 1000 as in the official images. Downloads are cached under
// work.
func nodeBase(ctx context.Context, work string) (v1.Image, error) {
	r, err := newRootfs(work, "node")
	if err != nil {
		return nil, err
	}
	defer r.remove()
	if err := r.install(ctx, work, "libc6", "libgcc-s1", "libstdc++6", "busybox-static"); err != nil {
		return nil, err
	}
	if err := r.busybox(); err != nil {
		return nil, err
	}
	if err := r.users("node", 1000, "/home/node"); err != nil {
		return nil, err
	}
	version, err := nodeBinary(ctx, work, filepath.Join(r.dir, "usr/bin/node"))
	if err != nil {
		return nil, err
	}
	if err := r.checkLibs("usr/bin/node"); err != nil {
		return nil, err
	}
	return r.image("node: node "+version+" from npm, libraries and busybox from Debian (berth test base)", v1.Config{
		Env: []string{"NODE_VERSION=" + version},
		Cmd: []string{"node"},
	})
}

// nodeBinary writes the node binary of npm's node-linux-<arch>@22 package
// (fetched once into work/npm with npm pack) to dst and returns its
// version.
func nodeBinary(ctx context.Context, work, dst string) (string, error) {
	arch := map[string]string{"amd64": "x64", "arm64": "arm64"}[runtime.GOARCH]
	if arch == "" {
		return "", fmt.Errorf("npm has no node-linux package for %s", runtime.GOARCH)
	}
	pkg := "node-linux-" + arch
	dir := filepath.Join(work, "npm")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	glob := filepath.Join(dir, pkg+"-"+nodeMajor+".*.tgz")
	if m, _ := filepath.Glob(glob); len(m) == 0 {
		cmd := exec.CommandContext(ctx, "npm", "pack", "--silent", pkg+"@"+nodeMajor)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("npm pack %s@%s: %w\n%s", pkg, nodeMajor, err, out)
		}
	}
	m, _ := filepath.Glob(glob)
	if len(m) == 0 {
		return "", fmt.Errorf("npm pack %s@%s left no %s", pkg, nodeMajor, glob)
	}
	sort.Strings(m)
	tgz := m[len(m)-1]
	if err := extractFile(tgz, "package/bin/node", dst); err != nil {
		return "", err
	}
	return strings.TrimSuffix(strings.TrimPrefix(filepath.Base(tgz), pkg+"-"), ".tgz"), nil
}

// extractFile writes the member of a .tgz to dst, executable.
func extractFile(tgz, member, dst string) error {
	f, err := os.Open(tgz)
	if err != nil {
		return err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return fmt.Errorf("reading %s: %w", tgz, err)
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("%s has no %s", tgz, member)
		}
		if err != nil {
			return fmt.Errorf("reading %s: %w", tgz, err)
		}
		if h.Name != member {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		out, err := os.OpenFile(dst, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o755)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, tr); err != nil {
			out.Close()
			return fmt.Errorf("extracting %s from %s: %w", member, tgz, err)
		}
		if err := out.Close(); err != nil {
			return err
		}
		return os.Chmod(dst, 0o755) // whatever the umask
	}
}
