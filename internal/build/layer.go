package build

import (
	"archive/tar"
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/pgzip"
)

// layerCache keeps the layers berth wrote, compressed, keyed by a hash of
// their entries: an unchanged node_modules layer is neither re-read nor
// re-compressed, only its source files re-hashed.
type layerCache struct {
	dir string
	// level is the gzip level.
	level int
}

type layerMeta struct {
	Digest string `json:"digest"`
	DiffID string `json:"diffID"`
	Size   int64  `json:"size"`
}

func newLayerCache(stateDir string) *layerCache {
	return &layerCache{dir: filepath.Join(stateDir, "cache", "layers"), level: gzip.BestSpeed}
}

// layer returns the layer for lp, from the cache or newly written; hit
// tells which.
func (lc *layerCache) layer(ctx *Context, lp layerPlan, epoch time.Time, mt types.MediaType) (layer v1.Layer, hit bool, err error) {
	entries := normalise(lp.Entries)
	key := layerKey(entries, epoch)
	metaFile := filepath.Join(lc.dir, key+".json")
	if data, err := os.ReadFile(metaFile); err == nil {
		var m layerMeta
		if json.Unmarshal(data, &m) == nil {
			if l, err := lc.open(m, mt); err == nil {
				now := time.Now()
				_ = os.Chtimes(metaFile, now, now)
				return l, true, nil
			}
		}
	}
	if err := os.MkdirAll(lc.dir, 0o755); err != nil {
		return nil, false, err
	}
	m, err := lc.write(ctx, entries, epoch)
	if err != nil {
		return nil, false, err
	}
	data, _ := json.Marshal(m)
	if err := writeFileAtomic(metaFile, data); err != nil {
		return nil, false, err
	}
	l, err := lc.open(m, mt)
	return l, false, err
}

func (lc *layerCache) blobPath(digest string) string {
	return filepath.Join(lc.dir, strings.Replace(digest, ":", "-", 1)+".tar.gz")
}

func (lc *layerCache) open(m layerMeta, mt types.MediaType) (*fileLayer, error) {
	l := &fileLayer{path: lc.blobPath(m.Digest), size: m.Size, mediaType: mt}
	var err error
	if l.digest, err = v1.NewHash(m.Digest); err != nil {
		return nil, err
	}
	if l.diffID, err = v1.NewHash(m.DiffID); err != nil {
		return nil, err
	}
	st, err := os.Stat(l.path)
	if err != nil {
		return nil, err
	}
	if st.Size() != m.Size {
		return nil, fmt.Errorf("cached layer %s has the wrong size", l.path)
	}
	return l, nil
}

// write tars and compresses entries into the cache, hashing both streams
// on the way.
func (lc *layerCache) write(ctx *Context, entries []entry, epoch time.Time) (layerMeta, error) {
	tmp, err := os.CreateTemp(lc.dir, "layer-*.tmp")
	if err != nil {
		return layerMeta{}, err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	digest, diffID := sha256.New(), sha256.New()
	out := bufio.NewWriterSize(tmp, 1<<20)
	counted := &countWriter{w: io.MultiWriter(out, digest)}
	// pgzip compresses 1 MB blocks on every core; its output depends only
	// on the input, level and block size, so layers stay reproducible.
	gz, err := pgzip.NewWriterLevel(counted, lc.level)
	if err != nil {
		return layerMeta{}, err
	}
	if err := gz.SetConcurrency(1<<20, runtime.GOMAXPROCS(0)*2); err != nil {
		return layerMeta{}, err
	}
	tw := tar.NewWriter(io.MultiWriter(gz, diffID))
	if err := writeEntries(tw, ctx, entries, epoch); err != nil {
		return layerMeta{}, err
	}
	if err := tw.Close(); err != nil {
		return layerMeta{}, err
	}
	if err := gz.Close(); err != nil {
		return layerMeta{}, err
	}
	if err := out.Flush(); err != nil {
		return layerMeta{}, err
	}
	if err := tmp.Close(); err != nil {
		return layerMeta{}, err
	}
	m := layerMeta{Digest: "sha256:" + hex.EncodeToString(digest.Sum(nil)), DiffID: "sha256:" + hex.EncodeToString(diffID.Sum(nil)), Size: counted.n}
	if err := os.Rename(tmp.Name(), lc.blobPath(m.Digest)); err != nil {
		return layerMeta{}, err
	}
	return m, nil
}

// normalise sorts entries by name and keeps the last of each name (a
// later COPY source wins, as in Docker).
func normalise(in []entry) []entry {
	out := slices.Clone(in)
	slices.SortStableFunc(out, func(a, b entry) int { return strings.Compare(a.Name, b.Name) })
	kept := out[:0]
	for i, e := range out {
		if i+1 < len(out) && out[i+1].Name == e.Name {
			continue
		}
		kept = append(kept, e)
	}
	return kept
}

// layerKey hashes what a layer's bytes depend on.
func layerKey(entries []entry, epoch time.Time) string {
	h := sha256.New()
	fmt.Fprintf(h, "berth-layer-v1\x00%d\x00", epoch.Unix())
	for _, e := range entries {
		fmt.Fprintf(h, "%s\x00%t\x00%o\x00%d\x00%d\x00", e.Name, e.Dir, e.Mode, e.UID, e.GID)
		switch {
		case e.Archive != nil:
			fmt.Fprintf(h, "archive\x00%s\x00", e.Archive.Sum)
		case e.Data != nil:
			fmt.Fprintf(h, "data\x00%x\x00", sha256.Sum256(e.Data))
		case e.Src != nil && e.Src.IsLink():
			fmt.Fprintf(h, "link\x00%s\x00", e.Src.Link)
		case e.Src != nil && e.Src.IsRegular():
			fmt.Fprintf(h, "file\x00%d\x00%s\x00", e.Src.Size, e.Src.Sum)
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// writeEntries writes a reproducible tar: entries in order, every time
// epoch, owners numeric without names, modes as planned.
func writeEntries(tw *tar.Writer, ctx *Context, entries []entry, epoch time.Time) error {
	buf := make([]byte, 256<<10)
	for _, e := range entries {
		hdr := &tar.Header{Name: e.Name, Mode: e.Mode, Uid: e.UID, Gid: e.GID, ModTime: epoch, Format: tar.FormatPAX}
		switch {
		case e.Archive != nil:
			if err := unpack(tw, ctx, e, epoch); err != nil {
				return err
			}
			continue
		case e.Dir:
			hdr.Typeflag, hdr.Name = tar.TypeDir, e.Name+"/"
		case e.Data != nil:
			hdr.Typeflag, hdr.Size = tar.TypeReg, int64(len(e.Data))
		case e.Src.IsLink():
			hdr.Typeflag, hdr.Linkname = tar.TypeSymlink, e.Src.Link
		default:
			hdr.Typeflag, hdr.Size = tar.TypeReg, e.Src.Size
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		switch {
		case e.Data != nil:
			if _, err := tw.Write(e.Data); err != nil {
				return err
			}
		case hdr.Typeflag == tar.TypeReg:
			if err := copyFile(tw, ctx, e.Src, buf); err != nil {
				return err
			}
		}
	}
	return nil
}

// copyFile copies a context file into the tar, checking it still has the
// content that was hashed (the tag and the layer key promise that).
func copyFile(w io.Writer, ctx *Context, f *File, buf []byte) error {
	r, err := ctx.Open(f)
	if err != nil {
		return err
	}
	defer r.Close()
	h := sha256.New()
	n, err := io.CopyBuffer(io.MultiWriter(w, h), io.LimitReader(r, f.Size), buf)
	if err != nil {
		return err
	}
	if n != f.Size || hex.EncodeToString(h.Sum(nil)) != f.Sum {
		return fmt.Errorf("%s changed while berth was building; build again", f.Rel)
	}
	return nil
}

// unpack writes the members of a local archive (ADD) under e.Name.
func unpack(tw *tar.Writer, ctx *Context, e entry, epoch time.Time) error {
	r, err := ctx.Open(e.Archive)
	if err != nil {
		return err
	}
	defer r.Close()
	head := make([]byte, 6)
	n, _ := io.ReadFull(r, head)
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return err
	}
	dr, err := decompress(r, head[:n])
	if err != nil {
		return err
	}
	tr := tar.NewReader(dr)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("ADD %s: %w", e.Archive.Rel, err)
		}
		name, err := memberPath(e.Name, hdr.Name)
		if err != nil {
			return fmt.Errorf("ADD %s: %w", e.Archive.Rel, err)
		}
		out := &tar.Header{Name: name, Typeflag: hdr.Typeflag, Mode: hdr.Mode, Size: hdr.Size, Linkname: hdr.Linkname,
			Uid: hdr.Uid, Gid: hdr.Gid, ModTime: hdr.ModTime, Devmajor: hdr.Devmajor, Devminor: hdr.Devminor, Format: tar.FormatPAX}
		if e.UID != 0 || e.GID != 0 {
			out.Uid, out.Gid = e.UID, e.GID
		}
		if out.ModTime.IsZero() {
			out.ModTime = epoch
		}
		if hdr.Typeflag == tar.TypeLink {
			if out.Linkname, err = memberPath(e.Name, hdr.Linkname); err != nil {
				return fmt.Errorf("ADD %s: %w", e.Archive.Rel, err)
			}
		}
		if err := tw.WriteHeader(out); err != nil {
			return err
		}
		if _, err := io.Copy(tw, tr); err != nil {
			return err
		}
	}
}

// memberPath places an archive member under dir, refusing members that
// climb out of it.
func memberPath(dir, member string) (string, error) {
	clean := path.Clean("/" + member)
	if rel := path.Clean(member); rel == ".." || strings.HasPrefix(rel, "../") {
		return "", fmt.Errorf("member %q leads outside the destination", member)
	}
	name := strings.TrimPrefix(path.Join("/", dir, clean), "/")
	if strings.HasSuffix(member, "/") {
		name += "/"
	}
	return name, nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// fileLayer is a gzip-compressed layer in a file whose digests are known.
type fileLayer struct {
	path           string
	digest, diffID v1.Hash
	size           int64
	mediaType      types.MediaType
}

func (l *fileLayer) Digest() (v1.Hash, error)            { return l.digest, nil }
func (l *fileLayer) DiffID() (v1.Hash, error)            { return l.diffID, nil }
func (l *fileLayer) Size() (int64, error)                { return l.size, nil }
func (l *fileLayer) MediaType() (types.MediaType, error) { return l.mediaType, nil }
func (l *fileLayer) Compressed() (io.ReadCloser, error)  { return os.Open(l.path) }

func (l *fileLayer) Uncompressed() (io.ReadCloser, error) {
	f, err := os.Open(l.path)
	if err != nil {
		return nil, err
	}
	zr, err := gzip.NewReader(f)
	if err != nil {
		f.Close()
		return nil, err
	}
	return &readCloser{Reader: zr, close: func() error { zr.Close(); return f.Close() }}, nil
}

type readCloser struct {
	io.Reader
	close func() error
}

func (r *readCloser) Close() error { return r.close() }

func writeFileAtomic(name string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(name), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}
