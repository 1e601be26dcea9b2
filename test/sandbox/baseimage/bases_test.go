package main

import (
	"archive/tar"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/berth-dev/berth/internal/testutil"
)

// cacheDir is where the tests keep downloaded packages between runs: in
// the sandbox's cache, but apart from the base builder program's own
// directory, so a test never builds in a tree the program is using.
func cacheDir(t *testing.T) string {
	t.Helper()
	dir, err := os.UserCacheDir()
	if err != nil {
		t.Skip("no cache directory:", err)
	}
	dir = filepath.Join(dir, "berth-sandbox", "baseimage-test")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// needRoot skips without root (chroot needs it), except in CI.
func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		testutil.Missing(t, "root (for chroot)", "run the test as root")
	}
	for _, tool := range []string{"apt-get", "dpkg", "npm", "chroot"} {
		if _, err := exec.LookPath(tool); err != nil {
			testutil.Missing(t, tool, "scripts/test-deps")
		}
	}
}

// TestBases builds each base, unpacks the image (not the directory it was
// made from) and runs its program in it with chroot, as the user the
// examples' Dockerfiles switch to; a second build gives the same digest.
func TestBases(t *testing.T) {
	needRoot(t)
	work := cacheDir(t)
	for _, tc := range []struct {
		name  string
		build func(ctx context.Context, work string) (v1.Image, error)
		user  string
		run   []string
		want  string
	}{
		{"node", nodeBase, "1000:1000", []string{"/usr/bin/node", "-e", "console.log(require('os').userInfo().username, 6*7)"}, "node 42"},
		{"redis", redisBase, "999:999", []string{"/usr/bin/redis-server", "--version"}, "Redis server v="},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			img, err := tc.build(t.Context(), work)
			if err != nil {
				t.Fatal(err)
			}
			digest, err := img.Digest()
			if err != nil {
				t.Fatal(err)
			}
			size := compressedSize(t, img)
			t.Logf("%s base %s: %.1f MB compressed, built in %s", tc.name, digest, float64(size)/1e6, time.Since(start).Round(time.Millisecond))
			cf, err := img.ConfigFile()
			if err != nil {
				t.Fatal(err)
			}
			if cf.OS != "linux" || cf.Architecture == "" || !cf.Created.Equal(Epoch()) {
				t.Errorf("platform %s/%s created %s", cf.OS, cf.Architecture, cf.Created)
			}
			root := filepath.Join(t.TempDir(), "root")
			unpack(t, img, root)
			out, err := exec.CommandContext(t.Context(), "chroot", append([]string{"--userspec=" + tc.user, root}, tc.run...)...).CombinedOutput()
			if err != nil || !strings.Contains(string(out), tc.want) {
				t.Errorf("chroot %s %s: %v\n%s", root, strings.Join(tc.run, " "), err, out)
			}
			if out, err := exec.CommandContext(t.Context(), "chroot", root, "/bin/sh", "-c", "echo ok").CombinedOutput(); err != nil || string(out) != "ok\n" {
				t.Errorf("/bin/sh in the image: %v\n%s", err, out)
			}
			again, err := tc.build(t.Context(), work)
			if err != nil {
				t.Fatal(err)
			}
			if d, _ := again.Digest(); d != digest {
				t.Errorf("second build: digest %s, first %s", d, digest)
			}
		})
	}
}

func compressedSize(t *testing.T, img v1.Image) int64 {
	t.Helper()
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, l := range layers {
		s, err := l.Size()
		if err != nil {
			t.Fatal(err)
		}
		n += s
	}
	return n
}

// unpack writes the image's file system to dir: directories, files and
// symbolic links with their modes and owners.
func unpack(t *testing.T, img v1.Image, dir string) {
	t.Helper()
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Join(dir, filepath.FromSlash(h.Name))
		if !strings.HasPrefix(name, dir+string(filepath.Separator)) {
			t.Fatalf("entry %q leaves the root", h.Name)
		}
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		switch h.Typeflag {
		case tar.TypeDir:
			err = os.MkdirAll(name, h.FileInfo().Mode().Perm())
		case tar.TypeSymlink:
			err = os.Symlink(h.Linkname, name)
		case tar.TypeReg:
			err = writeFile(name, tr, h.FileInfo().Mode().Perm())
		default:
			t.Fatalf("%s: unexpected entry type %c", h.Name, h.Typeflag)
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Lchown(name, h.Uid, h.Gid); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag != tar.TypeSymlink {
			if err := os.Chmod(name, h.FileInfo().Mode()); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func writeFile(name string, r io.Reader, mode os.FileMode) error {
	f, err := os.OpenFile(name, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// TestMissingLibrary: a base whose packages leave out a library its
// binary loads fails to build, naming the library, instead of making an
// image that cannot start.
func TestMissingLibrary(t *testing.T) {
	for _, tool := range []string{"apt-get", "dpkg"} {
		if _, err := exec.LookPath(tool); err != nil {
			testutil.Missing(t, tool, "scripts/test-deps")
		}
	}
	work := cacheDir(t)
	r, err := newRootfs(t.TempDir(), "partial")
	if err != nil {
		t.Fatal(err)
	}
	if err := r.install(t.Context(), work, "redis-tools", "libc6"); err != nil {
		t.Fatal(err)
	}
	err = r.checkLibs("usr/bin/redis-cli")
	if err == nil || !strings.Contains(err.Error(), "usr/bin/redis-cli needs lib") || !strings.Contains(err.Error(), "apt-file search") {
		t.Fatalf("want an error naming the missing library, got %v", err)
	}
	if err := r.checkLibs("usr/bin/no-such-binary"); err == nil {
		t.Fatal("a missing binary passed the check")
	}
}
