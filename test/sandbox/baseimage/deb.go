package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
)

// DebRoot returns a folder holding the files of the Debian package pkg,
// from the download cache (debs) and unpacked with `dpkg-deb -x` into
// work/roots, cached too.
func DebRoot(ctx context.Context, work, pkg string) (string, error) {
	files, err := debs(ctx, work, pkg)
	if err != nil {
		return "", err
	}
	deb := files[0]
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

// debs returns the .deb of each Debian package (for the build's
// architecture, or "all"), in the order asked, downloading with `apt-get
// download` into work/debs those not there yet: the one download cache of
// every base. The first download decides a package's version until the
// cache is removed.
func debs(ctx context.Context, work string, pkgs ...string) ([]string, error) {
	dir := filepath.Join(work, "debs")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var missing []string
	for _, p := range pkgs {
		if cachedDeb(dir, p) == "" {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		cmd := exec.CommandContext(ctx, "apt-get", append([]string{"download", "-q"}, missing...)...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("apt-get download %s (Debian's apt is needed; run apt-get update, or check /etc/apt/sources.list): %w\n%s", strings.Join(missing, " "), err, out)
		}
	}
	files := make([]string, 0, len(pkgs))
	for _, p := range pkgs {
		f := cachedDeb(dir, p)
		if f == "" {
			return nil, fmt.Errorf("apt-get download %s left no %s_*_%s.deb in %s", p, p, debArch(), dir)
		}
		files = append(files, f)
	}
	return files, nil
}

// cachedDeb is the newest .deb of pkg in dir for the build's architecture
// (or "all"), or "".
func cachedDeb(dir, pkg string) string {
	var m []string
	for _, arch := range []string{debArch(), "all"} {
		found, _ := filepath.Glob(filepath.Join(dir, pkg+"_*_"+arch+".deb"))
		m = append(m, found...)
	}
	if len(m) == 0 {
		return ""
	}
	slices.Sort(m)
	return m[len(m)-1]
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
