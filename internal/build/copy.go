package build

// Planning COPY and ADD: the context's files a source names, the entries
// they become under the destination, and the layers they go in.

import (
	"bytes"
	"compress/bzip2"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// owner parses --chown: numeric uid[:gid], or root.
func (p *planner) owner(c instructions.Command, chown string) (uid, gid int, err error) {
	if chown == "" {
		return 0, 0, nil
	}
	u, g, hasGroup := strings.Cut(chown, ":")
	id := func(s string) (int, bool) {
		if s == "root" {
			return 0, true
		}
		n, err := strconv.Atoi(s)
		return n, err == nil && n >= 0
	}
	var ok bool
	if uid, ok = id(u); !ok {
		return 0, 0, &DaemonError{File: p.df.File, Line: line(c), Text: text(c), Reason: "--chown with a user name needs the image's /etc/passwd; berth's builder takes numeric ids (--chown=1000:1000)"}
	}
	gid = uid
	if hasGroup {
		if gid, ok = id(g); !ok {
			return 0, 0, &DaemonError{File: p.df.File, Line: line(c), Text: text(c), Reason: "--chown with a group name needs the image's /etc/group; berth's builder takes numeric ids (--chown=1000:1000)"}
		}
	}
	return uid, gid, nil
}

// copy plans COPY and ADD from the build context.
func (p *planner) copy(c instructions.Command, sd instructions.SourcesAndDest, chown, chmod string, add bool) error {
	uid, gid, err := p.owner(c, chown)
	if err != nil {
		return err
	}
	mode, err := copyMode(chmod)
	if err != nil {
		return err
	}
	t := copyTarget{mode: mode, uid: uid, gid: gid, keeps: p.keeps}
	t.dest, t.dir = p.copyDest(sd.DestPath)
	sources, err := p.copySources(sd)
	if err != nil {
		return err
	}
	if len(sources) > 1 && !t.dir {
		return fmt.Errorf("with more than one source the destination must be a directory ending in /")
	}
	if err := p.copyEntries(&t, sources, add); err != nil {
		return err
	}
	for _, sc := range sd.SourceContents {
		name := t.dest
		if t.dir {
			name = path.Join(t.dest, sc.Path)
		}
		m := int64(0o644)
		if mode >= 0 {
			m = mode
		}
		t.entries = append(t.entries, entry{Name: name, Data: []byte(sc.Data), Mode: m, UID: uid, GID: gid})
	}
	p.addLayers(createdBy(c), t.entries)
	return nil
}

// copyMode is --chmod's mode, -1 without one.
func copyMode(chmod string) (int64, error) {
	if chmod == "" {
		return -1, nil
	}
	m, err := strconv.ParseUint(chmod, 8, 32)
	if err != nil || m > 0o7777 {
		return 0, fmt.Errorf("--chmod=%s: berth's builder takes an octal mode such as 0755", chmod)
	}
	return int64(m), nil
}

// copyDest is a COPY's destination in the image (relative to its root,
// after WORKDIR) and whether it names a directory.
func (p *planner) copyDest(dest string) (string, bool) {
	destIsDir := strings.HasSuffix(dest, "/") || dest == "." || strings.HasSuffix(dest, "/.")
	if !path.IsAbs(dest) {
		dest = path.Join("/", p.out.Config.WorkingDir, dest)
	}
	return strings.TrimPrefix(path.Clean(dest), "/"), destIsDir
}

// copySource is an entry of the context (nil for its root), copied under
// name when it is a file; a heredoc source has neither.
type copySource struct {
	f    *File
	name string
	root bool
}

// copySources resolves a COPY's sources in the build context, wildcards
// expanded, with one empty source per heredoc.
func (p *planner) copySources(sd instructions.SourcesAndDest) ([]copySource, error) {
	var sources []copySource
	resolved := func(rel string) error {
		f, err := p.ctx.Resolve(rel)
		if err != nil {
			return err
		}
		sources = append(sources, copySource{f: f, name: path.Base(rel), root: f == nil})
		return nil
	}
	for _, src := range sd.SourcePaths {
		rel, err := contextPath(src)
		if err != nil {
			return nil, err
		}
		if hasWildcard(rel) {
			n := len(sources)
			for _, f := range p.ctx.Files {
				if ok, _ := path.Match(rel, f.Rel); ok {
					if err := resolved(f.Rel); err != nil {
						return nil, err
					}
				}
			}
			if len(sources) == n {
				return nil, fmt.Errorf("no file of the build context matches %s (after .dockerignore)", src)
			}
			continue
		}
		if err := resolved(rel); err != nil {
			return nil, err
		}
	}
	for range sd.SourceContents {
		sources = append(sources, copySource{})
	}
	return sources, nil
}

// copyTarget collects the entries one COPY or ADD writes under dest, with
// its owner and --chmod mode (-1 without one).
type copyTarget struct {
	dest     string
	dir      bool
	mode     int64
	uid, gid int
	entries  []entry
	// keeps reports directories that get no entry (planner.keeps).
	keeps func(name string) bool
}

func (t *copyTarget) fileMode(f *File) int64 {
	switch {
	case t.mode >= 0:
		return t.mode
	case f.IsDir(), f.Executable():
		return 0o755
	}
	return 0o644
}

func (t *copyTarget) addDir(name string) {
	if !t.keeps(name) {
		m := int64(0o755)
		if t.mode >= 0 {
			m = t.mode
		}
		t.entries = append(t.entries, entry{Name: name, Dir: true, Mode: m, UID: t.uid, GID: t.gid})
	}
}

func (t *copyTarget) addFile(name string, f *File) {
	e := entry{Name: name, Src: f, Mode: t.fileMode(f), UID: t.uid, GID: t.gid, Dir: f.IsDir()}
	if f.IsLink() {
		e.Mode = 0o777
	}
	t.entries = append(t.entries, e)
}

// copyEntries adds the entries of the context's sources to t: a directory's
// files under dest, a file at dest (or in it), and with ADD a local archive
// unpacked into dest.
func (p *planner) copyEntries(t *copyTarget, sources []copySource, add bool) error {
	dest := t.dest
	for _, s := range sources {
		switch {
		case s.root:
			t.addDir(dest)
			for _, f := range p.ctx.Files {
				t.addFile(path.Join(dest, f.Rel), f)
			}
		case s.f == nil:
		case s.f.IsDir():
			t.addDir(dest)
			for _, f := range p.ctx.Under(s.f.Rel) {
				t.addFile(path.Join(dest, strings.TrimPrefix(f.Rel, s.f.Rel+"/")), f)
			}
		default:
			name := dest
			if t.dir {
				name = path.Join(dest, s.name)
			}
			if add && s.f.IsRegular() {
				isArchive, err := p.archive(s.f)
				if err != nil {
					return err
				}
				if isArchive {
					t.addDir(dest)
					t.entries = append(t.entries, entry{Name: dest, Archive: s.f, UID: t.uid, GID: t.gid})
					continue
				}
			}
			t.addFile(name, s.f)
		}
	}
	return nil
}

// addLayers appends the layers of a COPY's entries (with the WORKDIRs
// created before it) and their history; an empty history entry when it
// wrote nothing.
func (p *planner) addLayers(by string, entries []entry) {
	layers := p.split(append(p.takeWorkdirs(), entries...))
	for i := range layers {
		layers[i].CreatedBy = by
		p.out.Layers = append(p.out.Layers, layers[i])
		p.out.History = append(p.out.History, v1.History{Created: p.created, CreatedBy: by, Comment: "berth"})
	}
	if len(layers) == 0 {
		p.out.History = append(p.out.History, v1.History{Created: p.created, CreatedBy: by, Comment: "berth", EmptyLayer: true})
	}
}

// contextPath turns a COPY source into a context-relative path, refusing
// any that leads outside the context.
func contextPath(src string) (string, error) {
	rel := path.Clean(strings.TrimPrefix(src, "/"))
	if rel == ".." || strings.HasPrefix(rel, "../") {
		return "", fmt.Errorf("%s is outside the build context: COPY and ADD read only files inside it", src)
	}
	return rel, nil
}

func hasWildcard(s string) bool { return strings.ContainsAny(s, "*?[") }

// archive reports whether an ADD source is a tar archive (plain, gzip,
// bzip2 or zstd) that ADD unpacks, as Docker does.
func (p *planner) archive(f *File) (bool, error) {
	r, err := p.ctx.Open(f)
	if err != nil {
		return false, err
	}
	defer r.Close()
	head := make([]byte, 512)
	n, _ := io.ReadFull(r, head)
	head = head[:n]
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return false, err
	}
	if bytes.HasPrefix(head, []byte{0xfd, '7', 'z', 'X', 'Z', 0}) {
		return false, fmt.Errorf("ADD %s: xz archives are not supported by berth's builder; unpack it or use a gzip/zstd tarball", f.Rel)
	}
	tr, err := decompress(r, head)
	if err != nil || tr == nil {
		return false, nil
	}
	buf := make([]byte, 512)
	if n, _ := io.ReadFull(tr, buf); n < 512 {
		return false, nil
	}
	return string(buf[257:262]) == "ustar", nil
}

// decompress wraps r by the compression its first bytes show.
func decompress(r io.Reader, head []byte) (io.Reader, error) {
	switch {
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		return gzip.NewReader(r)
	case bytes.HasPrefix(head, []byte("BZh")):
		return bzip2.NewReader(r), nil
	case bytes.HasPrefix(head, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		d, err := zstd.NewReader(r)
		if err != nil {
			return nil, err
		}
		return d.IOReadCloser(), nil
	}
	return r, nil
}
