package main

import (
	"archive/tar"
	"bytes"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// Epoch is the time of every file, history entry and image creation of
// every base, so that builds are reproducible.
func Epoch() time.Time { return time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC) }

// pathEnv is the PATH of every base.
const pathEnv = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// Entry is one file of a layer. Exactly one of Data (a regular file), Link
// (a symbolic link) or Dir is meaningful. Its owner is Uid:Gid (root
// unless set); a layer never carries user or group names.
type Entry struct {
	Path     string // relative to the root, slash-separated, e.g. "bin/sh"
	Mode     fs.FileMode
	Data     []byte
	Link     string
	Dir      bool
	Uid, Gid int
}

// File is a regular file Entry.
func File(p string, mode fs.FileMode, data string) Entry {
	return Entry{Path: p, Mode: mode, Data: []byte(data)}
}

// Symlink is a symbolic link Entry.
func Symlink(p, target string) Entry { return Entry{Path: p, Mode: 0o777, Link: target} }

// Dir is a directory Entry.
func Dir(p string, mode fs.FileMode) Entry { return Entry{Path: p, Mode: mode, Dir: true} }

// modeBits are the bits of a file mode a layer keeps.
const modeBits = fs.ModePerm | fs.ModeSticky | fs.ModeSetuid | fs.ModeSetgid

// DirEntries reads the tree under root into entries (regular files,
// directories and symbolic links; modes kept, owners and times not).
func DirEntries(root string) ([]Entry, error) {
	var es []Entry
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == root {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			es = append(es, Dir(rel, info.Mode()&modeBits))
		case info.Mode()&fs.ModeSymlink != 0:
			t, err := os.Readlink(p)
			if err != nil {
				return err
			}
			es = append(es, Symlink(rel, t))
		case info.Mode().IsRegular():
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			es = append(es, Entry{Path: rel, Mode: info.Mode() & modeBits, Data: data})
		}
		return nil
	})
	return es, err
}

// Layer makes a deterministic layer of entries, the one tar writer of every
// base: sorted by path, missing parent directories added (0755, root),
// later entries replacing earlier ones of the same path, owners as the
// entries say, no user or group names, every time Epoch.
func Layer(entries []Entry) (v1.Layer, error) {
	byPath := map[string]Entry{}
	for _, e := range entries {
		e.Path = strings.Trim(path.Clean(e.Path), "/")
		byPath[e.Path] = e
		for d := path.Dir(e.Path); d != "." && d != "/"; d = path.Dir(d) {
			if _, ok := byPath[d]; !ok {
				byPath[d] = Dir(d, 0o755)
			}
		}
	}
	paths := make([]string, 0, len(byPath))
	for p := range byPath {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, p := range paths {
		e := byPath[p]
		h := &tar.Header{Name: p, Mode: tarMode(e.Mode), Uid: e.Uid, Gid: e.Gid, ModTime: Epoch(), Format: tar.FormatPAX}
		switch {
		case e.Dir:
			h.Typeflag, h.Name = tar.TypeDir, p+"/"
		case e.Link != "":
			h.Typeflag, h.Linkname = tar.TypeSymlink, e.Link
		default:
			h.Typeflag, h.Size = tar.TypeReg, int64(len(e.Data))
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if h.Typeflag == tar.TypeReg {
			if _, err := tw.Write(e.Data); err != nil {
				return nil, err
			}
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	})
}

// tarMode is the tar header mode of m: permissions plus the sticky, setuid
// and setgid bits.
func tarMode(m fs.FileMode) int64 {
	mode := int64(m.Perm())
	for bit, v := range map[fs.FileMode]int64{fs.ModeSticky: 0o1000, fs.ModeSetgid: 0o2000, fs.ModeSetuid: 0o4000} {
		if m&bit != 0 {
			mode |= v
		}
	}
	return mode
}

// Image appends layers to base (empty.Image when nil), each with a history
// entry "berth baseimage NAME", applies edit to the config (platform linux
// and the build's architecture are set first), and fixes every time to
// Epoch. It never rewrites base's layers.
func Image(base v1.Image, imageName string, layers []v1.Layer, edit func(*v1.Config)) (v1.Image, error) {
	if base == nil {
		base = empty.Image
	}
	img := base
	for _, l := range layers {
		var err error
		img, err = mutate.Append(img, mutate.Addendum{Layer: l, History: v1.History{
			Created: v1.Time{Time: Epoch()}, CreatedBy: "berth baseimage " + imageName,
		}})
		if err != nil {
			return nil, err
		}
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", runtime.GOARCH
	if edit != nil {
		edit(&cf.Config)
	}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		return nil, err
	}
	return mutate.CreatedAt(img, v1.Time{Time: Epoch()})
}
