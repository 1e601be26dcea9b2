package build

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/testutil"
)

// secretText is planted outside the build contexts of the hostile-input
// tests: no image may ever contain it.
const secretText = "BERTH-SECRET-4f1d9c0e-outside-the-context"

// hostileContext writes a build context next to a folder outside it that
// holds the secret, and points every kind of symlink there: relative and
// absolute, to the file and to its folder, through a chain, and from a
// folder's parent. It returns the context folder and the outside folder.
func hostileContext(t testing.TB) (ctxDir, outside string) {
	t.Helper()
	root := t.TempDir()
	outside = filepath.Join(root, "outside")
	ctxDir = filepath.Join(root, "ctx")
	for _, d := range []string{outside, filepath.Join(outside, "sub"), ctxDir, filepath.Join(ctxDir, "dir", "sub"), filepath.Join(ctxDir, "bin")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(p string, data []byte, mode os.FileMode) {
		t.Helper()
		if err := os.WriteFile(p, data, mode); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(outside, "secret.txt"), []byte(secretText), 0o644)
	write(filepath.Join(outside, "sub", "secret.txt"), []byte(secretText), 0o644)
	write(filepath.Join(root, "secret.txt"), []byte(secretText), 0o644)
	write(filepath.Join(ctxDir, "app.js"), []byte("console.log(1)\n"), 0o644)
	write(filepath.Join(ctxDir, "notes.md"), []byte("ignored\n"), 0o644)
	write(filepath.Join(ctxDir, ".dockerignore"), []byte("*.md\n"), 0o644)
	write(filepath.Join(ctxDir, "dir", "sub", "b.txt"), []byte("b\n"), 0o644)
	write(filepath.Join(ctxDir, "bin", "run"), []byte("#!/bin/sh\n"), 0o755)
	write(filepath.Join(ctxDir, "app.tar.gz"), tarArchive(t, true, map[string]string{"pkg/a.txt": "a\n"}), 0o644)
	write(filepath.Join(ctxDir, "evil.tar"), tarArchive(t, false, map[string]string{"../../escape.txt": "x\n"}), 0o644)
	for link, target := range map[string]string{
		"link-file":        "../outside/secret.txt",
		"link-abs":         filepath.Join(outside, "secret.txt"),
		"link-dir":         "../outside",
		"link-dir-abs":     outside,
		"link-chain":       "link-file",
		"link-root":        "/",
		"link-in":          "app.js",
		"dir/link-up":      "../../../outside/secret.txt",
		"dir/link-parent":  "../..",
		"dir/sub/link-abs": "/etc/passwd",
	} {
		if err := os.Symlink(target, filepath.Join(ctxDir, filepath.FromSlash(link))); err != nil {
			t.Fatal(err)
		}
	}
	return ctxDir, outside
}

// tarArchive is a tar archive (gzip-compressed when gz) of files.
func tarArchive(t testing.TB, gz bool, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for name, data := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(data))}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(data)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if !gz {
		return buf.Bytes()
	}
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	if _, err := zw.Write(buf.Bytes()); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return z.Bytes()
}

// buildIn plans and writes the image of dockerfile over scratch with the
// context in dir, as the builder does (assemble), with a cold cache.
func buildIn(t *testing.T, dir, dockerfile string) (v1.Image, error) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "Dockerfile")
	if err := os.WriteFile(file, []byte(dockerfile), 0o644); err != nil {
		t.Fatal(err)
	}
	df, err := ParseDockerfile(file, nil, "", "linux/amd64")
	if err != nil {
		return nil, err
	}
	bctx, err := LoadContext(dir)
	if err != nil {
		return nil, err
	}
	return assembleScratch(t, df, bctx)
}

func assembleScratch(t *testing.T, df *Dockerfile, bctx *Context) (v1.Image, error) {
	t.Helper()
	base, err := scratch(v1.Platform{OS: "linux", Architecture: "amd64"})
	if err != nil {
		t.Fatal(err)
	}
	img, _, err := assemble(df, &Inputs{Build: &config.Build{}, Context: bctx}, base, newLayerCache(t.TempDir()), time.Unix(0, 0))
	return img, err
}

// layerFiles reads img's layers in order (later ones win), checks that
// none holds the secret planted outside the context, and returns the
// entries by path. It reads the tars as written: ggcr's Extract (and
// testutil.ImageFiles) leave out symlinks whose relative target climbs
// above the image root, and those are what is being tested.
func layerFiles(t *testing.T, img v1.Image) map[string]testutil.ImageFile {
	t.Helper()
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]testutil.ImageFile{}
	for i, l := range layers {
		rc, err := l.Uncompressed()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(data, []byte(secretText)) {
			t.Errorf("layer %d holds the secret from outside the build context", i)
		}
		tr := tar.NewReader(bytes.NewReader(data))
		for {
			h, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			out[strings.TrimSuffix(h.Name, "/")] = testutil.ImageFile{Header: h, Data: string(body)}
		}
	}
	return out
}

// TestHostileContext builds Dockerfiles that try to reach the files next
// to the build context through symlinks (relative, absolute, chained, to
// the file, to its folder, as a parent of the source), ../ and absolute
// sources, and archives. berth follows Docker (BuildKit): a symlink inside
// a copied directory is copied as a symlink, never followed; a symlink
// named as a source is followed inside the context only (absolute targets
// from the context's root, ../ stops at the root), so it can reach only
// files of the context; a source with ../ that leaves the context is
// refused. No layer ever holds the secret.
func TestHostileContext(t *testing.T) {
	t.Parallel()
	type want struct {
		// files: path in the image → content, or "-> target" for a symlink.
		files map[string]string
		// absent: paths the image must not have.
		absent []string
		err    string
	}
	for _, tc := range []struct {
		name, dockerfile string
		want             want
	}{
		{"copy . keeps every symlink as a symlink", "COPY . /c/", want{files: map[string]string{
			"c/app.js": "console.log(1)\n", "c/link-file": "-> ../outside/secret.txt", "c/link-dir": "-> ../outside",
			"c/link-chain": "-> link-file", "c/link-root": "-> /", "c/link-in": "-> app.js",
			"c/dir/link-up": "-> ../../../outside/secret.txt", "c/dir/link-parent": "-> ../..", "c/dir/sub/link-abs": "-> /etc/passwd",
		}, absent: []string{"c/notes.md", "c/link-dir/secret.txt", "c/outside/secret.txt"}}},
		{"copy of a directory keeps its symlinks", "COPY dir /d/", want{files: map[string]string{
			"d/sub/b.txt": "b\n", "d/link-up": "-> ../../../outside/secret.txt", "d/link-parent": "-> ../..", "d/sub/link-abs": "-> /etc/passwd",
		}}},
		{"named symlink to a file outside", "COPY link-file /x", want{err: "link-file is not in the build context"}},
		{"named symlink, absolute target outside", "COPY link-abs /x", want{err: "it resolves to tmp/"}},
		{"named symlink chain to outside", "COPY link-chain /x", want{err: "symlinks link-chain -> link-file, link-file -> ../outside/secret.txt are followed inside the context only"}},
		{"named symlink to a folder outside", "COPY link-dir /x/", want{err: "it resolves to outside"}},
		{"named symlink to a folder outside, absolute", "COPY link-dir-abs /x/", want{err: "link-dir-abs is not in the build context"}},
		{"named symlink deep inside to /etc/passwd", "COPY dir/sub/link-abs /p", want{err: "it resolves to etc/passwd"}},
		{"named symlink deep inside climbing out", "COPY dir/link-up /p", want{err: "it resolves to outside/secret.txt"}},
		{"source through a symlinked parent", "COPY link-dir/secret.txt /x", want{err: "it resolves to outside/secret.txt"}},
		{"source through an absolute symlinked parent", "COPY link-dir-abs/sub/secret.txt /x", want{err: "link-dir-abs/sub/secret.txt is not in the build context"}},
		{"symlinked parent that climbs above the root stops at it", "COPY dir/link-parent/app.js /x", want{files: map[string]string{"x": "console.log(1)\n"}}},
		{"symlinked parent to the root, then ../outside (cleaned first, as Docker does)", "COPY link-root/../outside/secret.txt /x", want{err: "outside/secret.txt is not in the build context"}},
		{"named symlink to a file inside is followed", "COPY link-in /x", want{files: map[string]string{"x": "console.log(1)\n"}}},
		{"named symlink to a file inside, into a folder", "COPY link-in /y/", want{files: map[string]string{"y/link-in": "console.log(1)\n"}}},
		{"named symlink to the root copies the context", "COPY link-root /r/", want{files: map[string]string{"r/app.js": "console.log(1)\n", "r/link-file": "-> ../outside/secret.txt"}}},
		{"wildcard matching a symlink inside", "COPY link-i* /l/", want{files: map[string]string{"l/link-in": "console.log(1)\n"}}},
		{"wildcard matching symlinks outside", "COPY link-* /l/", want{err: "is not in the build context"}},
		{"../ source", "COPY ../outside/secret.txt /x", want{err: "../outside/secret.txt is outside the build context"}},
		{"../ after a folder", "COPY dir/../../outside/secret.txt /x", want{err: "is outside the build context"}},
		{"../ that stays inside", "COPY dir/../app.js /x", want{files: map[string]string{"x": "console.log(1)\n"}}},
		{"absolute source is inside the context", "COPY /app.js /x", want{files: map[string]string{"x": "console.log(1)\n"}}},
		{"absolute source of a host file", "COPY /etc/passwd /x", want{err: "etc/passwd is not in the build context"}},
		{"ADD of a symlink outside", "ADD link-file /x", want{err: "link-file is not in the build context"}},
		{"ADD of an archive unpacks it", "ADD app.tar.gz /opt/", want{files: map[string]string{"opt/pkg/a.txt": "a\n"}}},
		{"ADD of an archive that climbs out", "ADD evil.tar /x/", want{err: `member "../../escape.txt" leads outside the destination`}},
		{"ignored file", "COPY notes.md /n", want{err: "notes.md is not in the build context"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir, outside := hostileContext(t)
			img, err := buildIn(t, dir, "FROM scratch\n"+strings.ReplaceAll(tc.dockerfile, "$OUTSIDE", outside)+"\n")
			if tc.want.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.want.err) {
					t.Fatalf("error %v, want it to contain %q", err, tc.want.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			files := layerFiles(t, img)
			for name, want := range tc.want.files {
				f, ok := files[name]
				if !ok {
					t.Errorf("image lacks %s", name)
					continue
				}
				got := f.Data
				if f.Header.Typeflag == tar.TypeSymlink {
					got = "-> " + f.Header.Linkname
				}
				if got != want {
					t.Errorf("%s: %q, want %q", name, got, want)
				}
			}
			for _, name := range tc.want.absent {
				if _, ok := files[name]; ok {
					t.Errorf("image has %s", name)
				}
			}
		})
	}
}

// TestContextSwappedForSymlink: a file of the context replaced by a
// symlink to the secret after the context was read (a race with another
// process) is not read: files are opened through os.Root.
func TestContextSwappedForSymlink(t *testing.T) {
	t.Parallel()
	dir, outside := hostileContext(t)
	// Same size as the secret, so only the root check can tell.
	padded := filepath.Join(dir, "same-size.txt")
	if err := os.WriteFile(padded, []byte(strings.Repeat("x", len(secretText))), 0o644); err != nil {
		t.Fatal(err)
	}
	df, err := parseDockerfile("Dockerfile", []byte("FROM scratch\nCOPY same-size.txt /s\n"), nil, "", "linux/amd64")
	if err != nil {
		t.Fatal(err)
	}
	bctx, err := LoadContext(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(padded); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "secret.txt"), padded); err != nil {
		t.Fatal(err)
	}
	_, err = assembleScratch(t, df, bctx)
	if err == nil || !strings.Contains(err.Error(), "escapes") {
		t.Fatalf("error %v, want the open refused as escaping the context", err)
	}
}
