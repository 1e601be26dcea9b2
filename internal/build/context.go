package build

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// StateDir is the folder, next to berth.yaml, where berth keeps its build
// records, layer cache and local images. It is never part of a build
// context.
const StateDir = ".berth"

// File is one entry of a build context.
type File struct {
	// Rel is the slash-separated path relative to the context root.
	Rel string
	// Mode is the file type and permission bits as found on disk.
	Mode fs.FileMode
	// Size of a regular file.
	Size int64
	// Link is the target of a symlink.
	Link string
	// Sum is the SHA-256 of a regular file's content (hex).
	Sum string
}

// IsDir, IsLink and IsRegular tell the kind of entry.
func (f *File) IsDir() bool     { return f.Mode.IsDir() }
func (f *File) IsLink() bool    { return f.Mode&fs.ModeSymlink != 0 }
func (f *File) IsRegular() bool { return f.Mode.IsRegular() }

// Executable reports whether any execute bit is set; the only permission
// bit berth carries into images (modes are normalised to 0644/0755).
func (f *File) Executable() bool { return f.Mode.Perm()&0o111 != 0 }

// Context is a build context after .dockerignore: what COPY and ADD can
// see. Files are sorted by Rel; directories are included.
type Context struct {
	Dir   string
	Files []*File
	index map[string]*File
}

// LoadContext walks dir, leaving out what .dockerignore excludes (with
// Docker's rules, through moby/patternmatcher) and berth's own state
// folder, and hashes every regular file. Symlinks are recorded, never
// followed, so nothing outside dir is read. Other file kinds (sockets,
// devices) are skipped.
func LoadContext(dir string) (*Context, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	st, err := os.Stat(abs)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("build context %s is not a directory", dir)
	}
	pm, err := ignoreMatcher(abs)
	if err != nil {
		return nil, err
	}
	c := &Context{Dir: abs, index: map[string]*File{}}
	err = filepath.WalkDir(abs, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(abs, p)
		if err != nil || rel == "." {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() && d.Name() == StateDir {
			// berth's own state (layer cache, records) is never built in.
			return filepath.SkipDir
		}
		if pm != nil {
			ignored, err := pm.MatchesOrParentMatches(rel)
			if err != nil {
				return err
			}
			if ignored {
				if d.IsDir() && !pm.Exclusions() {
					return filepath.SkipDir
				}
				return nil
			}
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		f := &File{Rel: rel, Mode: info.Mode()}
		switch {
		case f.IsLink():
			if f.Link, err = os.Readlink(p); err != nil {
				return err
			}
		case f.IsDir():
		case f.IsRegular():
			f.Size = info.Size()
		default:
			return nil
		}
		c.Files = append(c.Files, f)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := c.hash(); err != nil {
		return nil, err
	}
	if pm != nil && pm.Exclusions() {
		c.Files = withParents(c.Files)
	}
	slices.SortFunc(c.Files, func(a, b *File) int { return strings.Compare(a.Rel, b.Rel) })
	for _, f := range c.Files {
		c.index[f.Rel] = f
	}
	return c, nil
}

// hash computes the content hash of every regular file, on all cores.
func (c *Context) hash() error {
	work := make(chan *File)
	errs := make(chan error, 1)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for f := range work {
				sum, err := fileSum(c, f)
				if err != nil {
					select {
					case errs <- err:
					default:
					}
					continue
				}
				f.Sum = sum
			}
		})
	}
	for _, f := range c.Files {
		if f.IsRegular() {
			work <- f
		}
	}
	close(work)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
		return nil
	}
}

// withParents adds the parent directories of kept files that an exclusion
// pattern (!dir/keep inside an ignored dir) left out.
func withParents(files []*File) []*File {
	have := map[string]bool{}
	for _, f := range files {
		have[f.Rel] = true
	}
	out := files
	for _, f := range files {
		for dir := path.Dir(f.Rel); dir != "."; dir = path.Dir(dir) {
			if have[dir] {
				break
			}
			have[dir] = true
			out = append(out, &File{Rel: dir, Mode: fs.ModeDir | 0o755})
		}
	}
	return out
}

// Lookup returns the entry at a slash-separated relative path.
func (c *Context) Lookup(rel string) (*File, bool) {
	f, ok := c.index[rel]
	return f, ok
}

// Under returns the entries strictly below dir ("" or "." for all), sorted.
func (c *Context) Under(dir string) []*File {
	if dir == "" || dir == "." {
		return c.Files
	}
	prefix := dir + "/"
	i, _ := slices.BinarySearchFunc(c.Files, prefix, func(f *File, p string) int { return strings.Compare(f.Rel, p) })
	j := i
	for j < len(c.Files) && strings.HasPrefix(c.Files[j].Rel, prefix) {
		j++
	}
	return c.Files[i:j]
}

// maxLinkHops bounds the symlinks Resolve follows for one path, as
// Linux's SYMLOOP_MAX does.
const maxLinkHops = 40

// Resolve finds the entry a COPY or ADD source names, following symlinks
// as BuildKit does, scoped to the context: every symlink on the way (the
// last element's too) is resolved inside the context, an absolute target
// from the context's root and a ../ that climbs above the root stops at
// it, so no path resolves to a file outside the context. (A symlink inside
// a directory that is copied is not resolved: it stays a symlink.) It
// returns nil for the context's root.
func (c *Context) Resolve(rel string) (*File, error) {
	parts := strings.Split(rel, "/")
	cur, hops := "", 0
	var via []string
	for len(parts) > 0 {
		part := parts[0]
		parts = parts[1:]
		if part == "" || part == "." {
			continue
		}
		next := path.Join(cur, part)
		f, ok := c.index[next]
		if !ok {
			if len(via) > 0 {
				return nil, fmt.Errorf("%s is not in the build context %s: it resolves to %s (symlinks %s are followed inside the context only; an absolute or ../ target never leaves it)",
					rel, c.Dir, path.Join(append([]string{next}, parts...)...), strings.Join(via, ", "))
			}
			return nil, fmt.Errorf("%s is not in the build context %s (or .dockerignore leaves it out)", rel, c.Dir)
		}
		if !f.IsLink() {
			cur = next
			continue
		}
		if hops++; hops > maxLinkHops {
			return nil, fmt.Errorf("%s: more than %d symlinks to follow (a loop?)", rel, maxLinkHops)
		}
		via = append(via, next+" -> "+f.Link)
		target := f.Link
		if !path.IsAbs(target) {
			target = path.Join("/", cur, target)
		}
		// Clean from the root: ../ above it stays at it (BuildKit's scoping).
		resolved := strings.TrimPrefix(path.Clean("/"+target), "/")
		parts = append(strings.Split(resolved, "/"), parts...)
		cur = ""
	}
	if cur == "" {
		return nil, nil
	}
	return c.index[cur], nil
}

// Open opens a regular file of the context. It goes through os.Root, so
// a path that was replaced by a symlink to outside the context since the
// context was read fails instead of being read.
func (c *Context) Open(f *File) (*os.File, error) {
	return os.OpenInRoot(c.Dir, filepath.FromSlash(f.Rel))
}

// Digest hashes the context's entries: path, kind, executable bit, link
// target and content hash. Other mode bits and times do not count: they
// depend on the checkout, and images normalise them.
func (c *Context) Digest(h io.Writer) {
	for _, f := range c.Files {
		switch {
		case f.IsLink():
			fmt.Fprintf(h, "link\x00%s\x00%s\x00", f.Rel, f.Link)
		case f.IsDir():
			fmt.Fprintf(h, "dir\x00%s\x00", f.Rel)
		default:
			fmt.Fprintf(h, "file\x00%s\x00%t\x00%d\x00%s\x00", f.Rel, f.Executable(), f.Size, f.Sum)
		}
	}
}

func ignoreMatcher(ctxDir string) (*patternmatcher.PatternMatcher, error) {
	f, err := os.Open(filepath.Join(ctxDir, ".dockerignore"))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	patterns, err := ignorefile.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", f.Name(), err)
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		return nil, fmt.Errorf("parsing %s: %w", f.Name(), err)
	}
	return pm, nil
}

func fileSum(c *Context, file *File) (string, error) {
	f, err := c.Open(file)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
