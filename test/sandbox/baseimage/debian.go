package main

import (
	"archive/tar"
	"context"
	"debug/elf"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// epoch is the time of every file, layer and config in the bases, so the
// same inputs always give the same digest.
func epoch() time.Time { return time.Unix(0, 0).UTC() }

// pathEnv is the PATH of every base.
const pathEnv = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// rootfs is a directory being made into the one layer of a base image.
type rootfs struct {
	dir string
	// owners gives a few paths an owner other than root (uid:gid).
	owners map[string][2]int
}

// newRootfs makes an empty rootfs at work/name, removing what a previous
// run left there.
func newRootfs(work, name string) (*rootfs, error) {
	dir := filepath.Join(work, name+".rootfs")
	if err := os.RemoveAll(dir); err != nil {
		return nil, fmt.Errorf("clearing %s: %w", dir, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return &rootfs{dir: dir, owners: map[string][2]int{}}, nil
}

// debs downloads the newest version of each Debian package into
// work/debs (once: a package already there is used as it is) and returns
// the .deb files in the order asked.
func debs(ctx context.Context, work string, pkgs ...string) ([]string, error) {
	dir := filepath.Join(work, "debs")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var files, missing []string
	for _, p := range pkgs {
		if m, _ := filepath.Glob(filepath.Join(dir, p+"_*.deb")); len(m) == 0 {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		cmd := exec.CommandContext(ctx, "apt-get", append([]string{"download", "-q"}, missing...)...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("apt-get download %s (run apt-get update, or check /etc/apt/sources.list): %w\n%s", strings.Join(missing, " "), err, out)
		}
	}
	for _, p := range pkgs {
		m, _ := filepath.Glob(filepath.Join(dir, p+"_*.deb"))
		if len(m) == 0 {
			return nil, fmt.Errorf("apt-get download %s left no %s_*.deb in %s", p, p, dir)
		}
		sort.Strings(m)
		files = append(files, m[len(m)-1])
	}
	return files, nil
}

// install unpacks Debian packages into the root (dpkg -x: files only, no
// maintainer scripts) and removes the parts no container reads.
func (r *rootfs) install(ctx context.Context, work string, pkgs ...string) error {
	files, err := debs(ctx, work, pkgs...)
	if err != nil {
		return err
	}
	for _, f := range files {
		if out, err := exec.CommandContext(ctx, "dpkg", "-x", f, r.dir).CombinedOutput(); err != nil {
			return fmt.Errorf("dpkg -x %s: %w\n%s", filepath.Base(f), err, out)
		}
	}
	// What a container never reads: documentation, manuals, translations
	// and iconv modules.
	for _, p := range []string{"usr/share/doc", "usr/share/man", "usr/share/info", "usr/share/lintian", "usr/share/locale", "usr/share/bug", "usr/lib/" + multiarch() + "/gconv"} {
		if err := os.RemoveAll(filepath.Join(r.dir, p)); err != nil {
			return err
		}
	}
	return nil
}

// busybox links bin/sh and the usual commands to Debian's static busybox
// (installed from busybox-static), where the packages left no such file.
func (r *rootfs) busybox() error {
	for _, applet := range []string{"sh", "cat", "cp", "echo", "env", "id", "ln", "ls", "mkdir", "mv", "ps", "rm", "sleep", "test", "touch", "wget"} {
		name := filepath.Join(r.dir, "bin", applet)
		if _, err := os.Lstat(name); err == nil {
			continue
		}
		if err := r.symlink("busybox", "bin/"+applet); err != nil {
			return err
		}
	}
	return nil
}

// symlink makes name (relative to the root) point to target.
func (r *rootfs) symlink(target, name string) error {
	full := filepath.Join(r.dir, name)
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		return err
	}
	_ = os.Remove(full)
	return os.Symlink(target, full)
}

// write writes a file (relative to the root).
func (r *rootfs) write(name string, mode fs.FileMode, data string) error {
	full := filepath.Join(r.dir, name)
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(full, []byte(data), mode); err != nil {
		return err
	}
	return os.Chmod(full, mode) // whatever the umask
}

// users writes etc/passwd and etc/group with root, nobody and the given
// account (a non-root user the image's Dockerfiles can switch to), and
// makes its home directory, owned by it.
func (r *rootfs) users(user string, uid int, home string) error {
	passwd := fmt.Sprintf("root:x:0:0:root:/root:/bin/sh\n%s:x:%d:%d:%s:%s:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n", user, uid, uid, user, home)
	group := fmt.Sprintf("root:x:0:\n%s:x:%d:\nnogroup:x:65534:\n", user, uid)
	if err := r.write("etc/passwd", 0o644, passwd); err != nil {
		return err
	}
	if err := r.write("etc/group", 0o644, group); err != nil {
		return err
	}
	for _, d := range []string{"root", "tmp", strings.TrimPrefix(home, "/")} {
		if err := os.MkdirAll(filepath.Join(r.dir, d), 0o755); err != nil {
			return err
		}
	}
	if err := os.Chmod(filepath.Join(r.dir, "tmp"), 0o1777); err != nil {
		return err
	}
	r.owners[strings.TrimPrefix(home, "/")] = [2]int{uid, uid}
	return nil
}

// checkLibs fails when a shared library the binary (relative to the root)
// needs, directly or through another library, is not in the root: the
// list of packages a base installs is then short of one.
func (r *rootfs) checkLibs(binary string) error {
	dirs := []string{"lib", "usr/lib", "lib64", "usr/lib64", "lib/" + multiarch(), "usr/lib/" + multiarch()}
	seen := map[string]bool{}
	queue := []string{filepath.Join(r.dir, binary)}
	for len(queue) > 0 {
		file := queue[0]
		queue = queue[1:]
		f, err := elf.Open(file)
		if err != nil {
			return fmt.Errorf("reading %s: %w", strings.TrimPrefix(file, r.dir), err)
		}
		needed, err := f.ImportedLibraries()
		f.Close()
		if err != nil {
			return fmt.Errorf("reading %s: %w", strings.TrimPrefix(file, r.dir), err)
		}
		for _, lib := range needed {
			if seen[lib] {
				continue
			}
			seen[lib] = true
			found := ""
			for _, d := range dirs {
				if _, err := os.Stat(filepath.Join(r.dir, d, lib)); err == nil {
					found = filepath.Join(r.dir, d, lib)
					break
				}
			}
			if found == "" {
				return fmt.Errorf("%s needs %s, which no installed package provides (find it with apt-file search %s and add the package)", binary, lib, lib)
			}
			queue = append(queue, found)
		}
	}
	return nil
}

// multiarch is Debian's library directory name for this machine.
func multiarch() string {
	if runtime.GOARCH == "arm64" {
		return "aarch64-linux-gnu"
	}
	return "x86_64-linux-gnu"
}

// image tars the root deterministically (lexical order, fixed times,
// owner root unless r.owners says otherwise, no user or group names) into
// work/name.tar, removes the tree, and returns it as the single layer of an image with the
// given config, for this machine's platform, created at the epoch.
func (r *rootfs) image(work, name, createdBy string, cfg v1.Config) (v1.Image, error) {
	tarPath := filepath.Join(work, name+".tar")
	if err := r.tar(tarPath); err != nil {
		return nil, fmt.Errorf("writing %s: %w", tarPath, err)
	}
	// The tar is the layer from now on; the tree is only a copy of it.
	if err := os.RemoveAll(r.dir); err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromFile(tarPath)
	if err != nil {
		return nil, err
	}
	img, err := mutate.Append(empty.Image, mutate.Addendum{Layer: layer, History: v1.History{Created: v1.Time{Time: epoch()}, CreatedBy: createdBy}})
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", runtime.GOARCH
	cf.Created = v1.Time{Time: epoch()}
	cfg.Env = append([]string{pathEnv}, cfg.Env...)
	cf.Config = cfg
	return mutate.ConfigFile(img, cf)
}

// tar writes the root to file.
func (r *rootfs) tar(file string) (err error) {
	out, err := os.Create(file)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := out.Close(); err == nil {
			err = cerr
		}
	}()
	tw := tar.NewWriter(out)
	err = filepath.WalkDir(r.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || path == r.dir {
			return err
		}
		return r.add(tw, path, d)
	})
	if err != nil {
		return err
	}
	return tw.Close()
}

// add writes one entry of the root.
func (r *rootfs) add(tw *tar.Writer, path string, d fs.DirEntry) error {
	rel := filepath.ToSlash(strings.TrimPrefix(path, r.dir+string(filepath.Separator)))
	info, err := d.Info()
	if err != nil {
		return err
	}
	link := ""
	if info.Mode()&fs.ModeSymlink != 0 {
		if link, err = os.Readlink(path); err != nil {
			return err
		}
	}
	h, err := tar.FileInfoHeader(info, link)
	if err != nil {
		return err
	}
	h.Name = rel
	if d.IsDir() {
		h.Name += "/"
	}
	owner := r.owners[rel]
	h.Uid, h.Gid, h.Uname, h.Gname = owner[0], owner[1], "", ""
	h.ModTime, h.AccessTime, h.ChangeTime = epoch(), time.Time{}, time.Time{}
	if err := tw.WriteHeader(h); err != nil {
		return err
	}
	if !info.Mode().IsRegular() {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(tw, f)
	return err
}
