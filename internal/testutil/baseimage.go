package testutil

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// BusyboxImage is a real, runnable base image made without Docker Hub:
// Debian's static busybox (package busybox-static) with its applet links,
// /etc/passwd with root, nobody and app (uid 1000), and /tmp. It is
// reproducible: two calls give the same digest.
func BusyboxImage(t testing.TB) v1.Image {
	t.Helper()
	bin, err := os.ReadFile("/bin/busybox")
	if err != nil {
		Missing(t, "/bin/busybox (static)", "apt-get install busybox-static")
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	epoch := time.Unix(0, 0)
	dir := func(name string, mode int64) {
		_ = tw.WriteHeader(&tar.Header{Name: name + "/", Typeflag: tar.TypeDir, Mode: mode, ModTime: epoch})
	}
	file := func(name string, mode int64, data []byte) {
		_ = tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: mode, Size: int64(len(data)), ModTime: epoch})
		_, _ = tw.Write(data)
	}
	dir("bin", 0o755)
	file("bin/busybox", 0o755, bin)
	for _, applet := range []string{"cat", "cp", "echo", "env", "id", "ls", "mkdir", "sh", "sleep", "test", "touch", "wget"} {
		_ = tw.WriteHeader(&tar.Header{Name: "bin/" + applet, Typeflag: tar.TypeSymlink, Linkname: "busybox", Mode: 0o777, ModTime: epoch})
	}
	dir("etc", 0o755)
	file("etc/group", 0o644, []byte("root:x:0:\nnogroup:x:65534:\napp:x:1000:\n"))
	file("etc/passwd", 0o644, []byte("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\napp:x:1000:1000:app:/home/app:/bin/sh\n"))
	dir("home", 0o755)
	dir("home/app", 0o755)
	dir("root", 0o700)
	dir("tmp", 0o1777)
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
	if err != nil {
		t.Fatal(err)
	}
	img, err := mutate.Append(empty.Image, mutate.Addendum{Layer: layer, History: v1.History{Created: v1.Time{Time: epoch}, CreatedBy: "busybox-static rootfs (berth test base)"}})
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", runtime.GOARCH
	cf.Created = v1.Time{Time: epoch}
	cf.Config = v1.Config{Env: []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}, Cmd: []string{"sh"}}
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		t.Fatal(err)
	}
	return img
}

// PushBusybox pushes BusyboxImage as ref and returns ref's repository
// @ its digest.
func PushBusybox(t testing.TB, ref string, opts ...remote.Option) string {
	t.Helper()
	img := BusyboxImage(t)
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(r, img, opts...); err != nil {
		t.Fatalf("pushing %s: %v", ref, err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return r.Context().String() + "@" + d.String()
}

// ImageFile is one entry of an image's flattened file system.
type ImageFile struct {
	Header *tar.Header
	Data   string
}

// ImageFiles flattens an image (later layers win, whiteouts applied) and
// returns its entries by path.
func ImageFiles(t testing.TB, img v1.Image) map[string]ImageFile {
	t.Helper()
	rc := mutate.Extract(img)
	defer rc.Close()
	out := map[string]ImageFile{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		out[h.Name] = ImageFile{Header: h, Data: string(data)}
	}
}
