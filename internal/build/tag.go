package build

import (
	"context"
	"maps"

	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth-dev/berth/internal/config"
)

// TagLength is the number of hex digits of a content tag.
const TagLength = 12

// Inputs are everything a service's image is built from.
type Inputs struct {
	Service string
	Build   *config.Build
	// Dockerfile is the Dockerfile's path on disk.
	Dockerfile string
	// Context is the build context after .dockerignore.
	Context *Context
	// Tag is the content tag of all of the above.
	Tag string
	// StateDir is the project's .berth folder (layer cache, records).
	StateDir string
}

// LoadInputs reads a service's build context and Dockerfile and computes
// its content tag.
func LoadInputs(p *config.Project, service string) (*Inputs, error) {
	s := p.Services[service]
	if s == nil || s.Build == nil {
		return nil, fmt.Errorf("service %q has no build section", service)
	}
	b := s.Build
	ctxDir := filepath.Join(p.Dir, filepath.FromSlash(orDefault(b.Context, ".")))
	in := &Inputs{Service: service, Build: b, StateDir: filepath.Join(p.Dir, StateDir), Dockerfile: filepath.Join(ctxDir, filepath.FromSlash(orDefault(b.Dockerfile, "Dockerfile")))}
	var err error
	if in.Context, err = LoadContext(ctxDir); err != nil {
		return nil, fmt.Errorf("reading the build context of %s: %w", service, err)
	}
	h := sha256.New()
	fmt.Fprintf(h, "berth-build-v2\x00target=%s\x00from=%s\x00", b.Target, b.From)
	for _, k := range slices.Sorted(maps.Keys(b.Args)) {
		fmt.Fprintf(h, "arg=%s=%s\x00", k, b.Args[k])
	}
	for _, pl := range b.Platforms {
		fmt.Fprintf(h, "platform=%s\x00", pl)
	}
	for _, l := range b.Layers {
		fmt.Fprintf(h, "layer=%s\x00", l)
	}
	if err := hashFile(h, "dockerfile", in.Dockerfile); err != nil {
		return nil, fmt.Errorf("hashing the Dockerfile of %s: %w", service, err)
	}
	in.Context.Digest(h)
	in.Tag = hex.EncodeToString(h.Sum(nil))[:TagLength]
	return in, nil
}

// ContentTag hashes a service's build inputs: every file of the context
// that .dockerignore keeps (path, executable bit, content; symlinks by
// target), the Dockerfile, build args, target, base override, platforms
// and layers. Equal inputs give equal tags on any machine.
func ContentTag(p *config.Project, service string) (string, error) {
	in, err := LoadInputs(p, service)
	if err != nil {
		return "", err
	}
	return in.Tag, nil
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

// Image is the image berth uses for a built service.
type Image struct {
	// Ref is REPO:TAG@DIGEST when the service's current inputs were built
	// (pinned by digest), else REPO:TAG.
	Ref string
	// Built is true when Ref comes from a build of the current inputs.
	Built bool
	// Pushed is true when that build is in the registry.
	Pushed bool
}

// Resolve returns the image of every built service: the recorded build of
// its current inputs (.berth/builds.json), pinned by digest, or else its
// content-tagged reference. Services in skip are left out.
func Resolve(p *config.Project, skip map[string]string) (map[string]Image, error) {
	recs, err := LoadRecords(filepath.Join(p.Dir, StateDir))
	if err != nil {
		return nil, err
	}
	out := map[string]Image{}
	for _, name := range p.ServiceNames() {
		s := p.Services[name]
		if s.Build == nil || skip[name] != "" {
			continue
		}
		tag, err := ContentTag(p, name)
		if err != nil {
			return nil, err
		}
		repo := Repository(p, name)
		if r, ok := recs.Services[name]; ok && r.Tag == tag && strings.HasPrefix(r.Image, repo+":"+tag+"@") {
			out[name] = Image{Ref: r.Image, Built: true, Pushed: r.Pushed}
			continue
		}
		out[name] = Image{Ref: repo + ":" + tag}
	}
	return out, nil
}

// Images is Resolve's references only.
func Images(p *config.Project, skip map[string]string) (map[string]string, error) {
	imgs, err := Resolve(p, skip)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(imgs))
	for k, v := range imgs {
		out[k] = v.Ref
	}
	return out, nil
}

// WithOverrides is every image a render needs beyond berth.yaml's own:
// each built service's from Resolve, then overrides (--set-image) on top.
// unbuilt names the built services whose current sources have no
// recorded build, sorted.
func WithOverrides(p *config.Project, overrides map[string]string) (images map[string]string, unbuilt []string, err error) {
	resolved, err := Resolve(p, overrides)
	if err != nil {
		return nil, nil, err
	}
	images = map[string]string{}
	for k, v := range resolved {
		images[k] = v.Ref
		if !v.Built {
			unbuilt = append(unbuilt, k)
		}
	}
	maps.Copy(images, overrides)
	slices.Sort(unbuilt)
	return images, unbuilt, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Pin resolves REPO:TAG to REPO:TAG@DIGEST by asking the registry (a HEAD
// request): in a CI job without .berth/, the content tag finds the image
// an earlier job built from the same sources.
func Pin(ctx context.Context, rem Remote, ref string) (string, error) {
	r, err := rem.Reference(ref)
	if err != nil {
		return "", err
	}
	opts, err := rem.Options(ctx)
	if err != nil {
		return "", err
	}
	desc, err := remote.Head(r, opts...)
	if err != nil {
		return "", rem.Explain(err, ref)
	}
	return ref + "@" + desc.Digest.String(), nil
}
