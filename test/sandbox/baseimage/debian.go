package main

import (
	"context"
	"debug/elf"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// rootfs is a directory being made into the one layer of a base image.
type rootfs struct {
	dir string
	// owners gives a few paths an owner other than root (uid:gid).
	owners map[string][2]int
}

// newRootfs makes an empty rootfs in a new folder work/NAME.rootfs-*, so
// builds sharing the cache (a test, make demo, a sandbox) never write into
// each other's tree. The caller removes it (remove).
func newRootfs(work, name string) (*rootfs, error) {
	if err := os.MkdirAll(work, 0o755); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(work, name+".rootfs-")
	if err != nil {
		return nil, err
	}
	return &rootfs{dir: dir, owners: map[string][2]int{}}, nil
}

// remove deletes the tree (image already did when it succeeded).
func (r *rootfs) remove() { _ = os.RemoveAll(r.dir) }

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
	if err := os.Chmod(filepath.Join(r.dir, "tmp"), 0o777|fs.ModeSticky); err != nil {
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

// image reads the root into entries (owner root unless r.owners says
// otherwise), removes the tree, and returns the entries as the single
// layer (Layer) of an image (Image) with the given config and PATH, for
// this machine's platform, created at the Epoch. createdBy describes the
// layer in the image's history.
func (r *rootfs) image(createdBy string, cfg v1.Config) (v1.Image, error) {
	entries, err := DirEntries(r.dir)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", r.dir, err)
	}
	for i := range entries {
		if o, ok := r.owners[entries[i].Path]; ok {
			entries[i].Uid, entries[i].Gid = o[0], o[1]
		}
	}
	// The entries are the layer from now on; the tree is only a copy.
	if err := os.RemoveAll(r.dir); err != nil {
		return nil, err
	}
	layer, err := Layer(entries)
	if err != nil {
		return nil, err
	}
	cfg.Env = append([]string{pathEnv}, cfg.Env...)
	return Image(nil, createdBy, []v1.Layer{layer}, func(c *v1.Config) { *c = cfg })
}
