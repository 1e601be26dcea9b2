package build

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"

	"github.com/berth-dev/berth/internal/config"
)

// TagLength is the number of hex digits of a content tag.
const TagLength = 12

// ContentTag hashes a service's build inputs: every file of the context
// that .dockerignore keeps (path, mode, content; symlinks by target), the
// Dockerfile, build args, target, base override and platforms. Equal inputs
// give equal tags on any machine.
func ContentTag(p *config.Project, service string) (string, error) {
	s := p.Services[service]
	if s == nil || s.Build == nil {
		return "", fmt.Errorf("service %q has no build section", service)
	}
	b := s.Build
	ctxDir := filepath.Join(p.Dir, filepath.FromSlash(orDefault(b.Context, ".")))
	h := sha256.New()
	fmt.Fprintf(h, "berth-build-v1\x00target=%s\x00from=%s\x00", b.Target, b.From)
	for _, k := range sortedKeys(b.Args) {
		fmt.Fprintf(h, "arg=%s=%s\x00", k, b.Args[k])
	}
	for _, pl := range b.Platforms {
		fmt.Fprintf(h, "platform=%s\x00", pl)
	}
	dockerfile := filepath.Join(ctxDir, filepath.FromSlash(orDefault(b.Dockerfile, "Dockerfile")))
	if err := hashFile(h, "dockerfile", dockerfile); err != nil {
		return "", fmt.Errorf("hashing the Dockerfile of %s: %w", service, err)
	}
	pm, err := ignoreMatcher(ctxDir)
	if err != nil {
		return "", err
	}
	err = filepath.WalkDir(ctxDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(ctxDir, path)
		if err != nil || rel == "." {
			return err
		}
		rel = filepath.ToSlash(rel)
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
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(path)
			if err != nil {
				return err
			}
			fmt.Fprintf(h, "link\x00%s\x00%s\x00", rel, target)
		case d.IsDir():
			fmt.Fprintf(h, "dir\x00%s\x00", rel)
		case info.Mode().IsRegular():
			// Only the executable bit counts: a checkout's other mode bits
			// depend on the umask, and images normalise them anyway.
			fmt.Fprintf(h, "file\x00%s\x00%t\x00", rel, info.Mode().Perm()&0o111 != 0)
			return hashFile(h, "", path)
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("hashing the build context of %s: %w", service, err)
	}
	return hex.EncodeToString(h.Sum(nil))[:TagLength], nil
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

func hashFile(h io.Writer, label, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	fmt.Fprintf(h, "%s\x00%d\x00", label, st.Size())
	_, err = io.Copy(h, f)
	return err
}

// Repository is the image repository berth pushes a service to:
// REGISTRY/APP-SERVICE, or APP when the service is named like the app.
func Repository(p *config.Project, service string) string {
	name := p.Name + "-" + service
	if service == p.Name {
		name = p.Name
	}
	if p.Registry == "" {
		return name
	}
	return strings.TrimSuffix(p.Registry, "/") + "/" + name
}

// Images returns the image reference of every built service, tagged with
// its content tag. Services in skip are left out.
func Images(p *config.Project, skip map[string]string) (map[string]string, error) {
	out := map[string]string{}
	for _, name := range sortedKeys(p.Services) {
		s := p.Services[name]
		if s.Build == nil || skip[name] != "" {
			continue
		}
		tag, err := ContentTag(p, name)
		if err != nil {
			return nil, err
		}
		out[name] = Repository(p, name) + ":" + tag
	}
	return out, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
