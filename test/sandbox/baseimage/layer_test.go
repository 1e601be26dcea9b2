package main

import (
	"archive/tar"
	"io"
	"io/fs"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// TestLayerDeterministic: the same entries in another order make the same
// layer and image (the digest is what decides whether a re-run pushes).
func TestLayerDeterministic(t *testing.T) {
	a := []Entry{File("bin/tool", 0o755, "x"), Symlink("bin/sh", "/bin/tool"), Dir("tmp", 0o777|fs.ModeSticky)}
	b := []Entry{a[2], a[1], a[0]}
	digest := func(es []Entry) v1.Hash {
		t.Helper()
		l, err := Layer(es)
		if err != nil {
			t.Fatal(err)
		}
		img, err := Image(nil, "test", []v1.Layer{l}, func(c *v1.Config) { c.Cmd = []string{"sh"} })
		if err != nil {
			t.Fatal(err)
		}
		d, err := img.Digest()
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	if da, db := digest(a), digest(b); da != db {
		t.Errorf("digests differ: %s, %s", da, db)
	}
}

// TestLayerContents: parents are added, entries sorted, times fixed, owner
// root unless an entry names one, the sticky bit kept.
func TestLayerContents(t *testing.T) {
	data := Dir("data", 0o755)
	data.Uid, data.Gid = 999, 999
	l, err := Layer([]Entry{File("usr/bin/tool", 0o755, "x"), Dir("tmp", 0o777|fs.ModeSticky), data})
	if err != nil {
		t.Fatal(err)
	}
	rc, err := l.Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	var got []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		owner := 0
		if h.Name == "data/" {
			owner = 999
		}
		if !h.ModTime.Equal(Epoch()) || h.Uid != owner || h.Gid != owner || h.Uname != "" || h.Gname != "" {
			t.Errorf("%s: time %v uid %d gid %d", h.Name, h.ModTime, h.Uid, h.Gid)
		}
		if h.Name == "tmp/" && h.Mode != 0o1777 {
			t.Errorf("tmp/ mode %o, want 1777", h.Mode)
		}
		got = append(got, h.Name)
	}
	want := []string{"data/", "tmp/", "usr/", "usr/bin/", "usr/bin/tool"}
	if len(got) != len(want) {
		t.Fatalf("entries %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("entries %q, want %q", got, want)
		}
	}
}
