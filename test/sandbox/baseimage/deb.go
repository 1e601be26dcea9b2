package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// DebRoot returns a folder holding the files of the Debian package pkg
// (for the build's architecture), downloaded with `apt-get download` and
// unpacked with `dpkg-deb -x`. Both are cached under work: the first
// download decides the version until the cache is removed.
func DebRoot(ctx context.Context, work, pkg string) (string, error) {
	deb, err := debFile(ctx, work, pkg)
	if err != nil {
		return "", err
	}
	root := filepath.Join(work, "roots", strings.TrimSuffix(filepath.Base(deb), ".deb"))
	if _, err := os.Stat(root); err == nil {
		return root, nil
	}
	if err := os.MkdirAll(filepath.Dir(root), 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(root), ".unpack-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	if out, err := exec.CommandContext(ctx, "dpkg-deb", "-x", deb, tmp).CombinedOutput(); err != nil {
		return "", fmt.Errorf("dpkg-deb -x %s: %w\n%s", deb, err, out)
	}
	if err := os.Rename(tmp, root); err != nil && !os.IsExist(err) {
		return "", err
	}
	return root, nil
}

// debFile returns the cached .deb of pkg, downloading it first if needed.
func debFile(ctx context.Context, work, pkg string) (string, error) {
	dir := filepath.Join(work, "debs")
	glob := filepath.Join(dir, pkg+"_*_"+debArch()+".deb")
	if m, _ := filepath.Glob(glob); len(m) > 0 {
		return m[len(m)-1], nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, "apt-get", "download", pkg+":"+debArch())
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("apt-get download %s (Debian's apt is needed; try apt-get update): %w\n%s", pkg, err, out)
	}
	m, _ := filepath.Glob(glob)
	if len(m) == 0 {
		return "", fmt.Errorf("apt-get download %s left no %s", pkg, glob)
	}
	return m[len(m)-1], nil
}

// debArch is Debian's name of the build's architecture.
func debArch() string {
	switch runtime.GOARCH {
	case "386":
		return "i386"
	case "arm":
		return "armhf"
	case "ppc64le":
		return "ppc64el"
	}
	return runtime.GOARCH
}

// goarch is the image architecture of the build.
func goarch() string { return runtime.GOARCH }
