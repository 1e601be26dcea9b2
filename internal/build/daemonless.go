package build

import (
	"context"
	"fmt"
	"runtime"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Base is a resolved base image: one image per wanted platform.
type Base struct {
	// Ref is the reference as written (after ARG expansion).
	Ref string
	// Digest pins Ref ("" for scratch).
	Digest string
	// Images by platform string (os/arch[/variant]).
	Images map[string]v1.Image
}

// Pinned is Ref@Digest.
func (b *Base) Pinned() string {
	if b.Digest == "" {
		return b.Ref
	}
	return b.Ref + "@" + b.Digest
}

// Remote is how berth reaches registries: references parsed with the
// user's insecure-registry settings, and remote options with credentials,
// transport and retries.
type Remote interface {
	Reference(s string) (name.Reference, error)
	Options(ctx context.Context) ([]remote.Option, error)
	// Explain turns a registry error about ref into one that says what
	// to do (credentials, TLS, quota); others come back as they were.
	Explain(err error, ref string) error
}

// DefaultPlatform is the platform built when build.platforms is empty: the
// host's architecture, as docker build does.
func DefaultPlatform() string { return "linux/" + runtime.GOARCH }

// resolveBase fetches the base image's manifest (not its layers) for each
// platform. A single-platform base serves only its own platform; when no
// platform was asked for explicitly, that is the one built.
func resolveBase(ctx context.Context, rem Remote, ref string, platforms []string, explicit bool) (*Base, []string, error) {
	b := &Base{Ref: ref, Images: map[string]v1.Image{}}
	if ref == "scratch" {
		for _, p := range platforms {
			pl, err := v1.ParsePlatform(p)
			if err != nil {
				return nil, nil, err
			}
			img, err := scratch(*pl)
			if err != nil {
				return nil, nil, err
			}
			b.Images[p] = img
		}
		return b, platforms, nil
	}
	r, err := rem.Reference(ref)
	if err != nil {
		return nil, nil, fmt.Errorf("base image %q: %w", ref, err)
	}
	opts, err := rem.Options(ctx)
	if err != nil {
		return nil, nil, err
	}
	desc, err := remote.Get(r, opts...)
	if err != nil {
		return nil, nil, &BaseError{Ref: ref, Err: rem.Explain(err, ref)}
	}
	b.Digest = desc.Digest.String()
	if desc.MediaType.IsIndex() {
		idx, err := desc.ImageIndex()
		if err != nil {
			return nil, nil, err
		}
		im, err := idx.IndexManifest()
		if err != nil {
			return nil, nil, err
		}
		for _, p := range platforms {
			want, err := v1.ParsePlatform(p)
			if err != nil {
				return nil, nil, err
			}
			var found *v1.Descriptor
			var have []string
			for i, m := range im.Manifests {
				if m.Platform == nil {
					continue
				}
				have = append(have, m.Platform.String())
				if found == nil && m.Platform.Satisfies(*want) {
					found = &im.Manifests[i]
				}
			}
			if found == nil {
				return nil, nil, fmt.Errorf("base image %s has no %s image (it has %v); set build.platforms", ref, p, have)
			}
			if b.Images[p], err = idx.Image(found.Digest); err != nil {
				return nil, nil, err
			}
		}
		return b, platforms, nil
	}
	img, err := desc.Image()
	if err != nil {
		return nil, nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, nil, err
	}
	have := cf.Platform()
	if have == nil || have.OS == "" {
		have = &v1.Platform{OS: "linux", Architecture: runtime.GOARCH}
	}
	if !explicit {
		platforms = []string{have.String()}
	}
	for _, p := range platforms {
		want, err := v1.ParsePlatform(p)
		if err != nil {
			return nil, nil, err
		}
		if !have.Satisfies(*want) {
			return nil, nil, fmt.Errorf("base image %s is %s only, not %s; use a multi-platform base or change build.platforms", ref, have, p)
		}
		b.Images[p] = img
	}
	return b, platforms, nil
}

// BaseError is a base image that could not be fetched.
type BaseError struct {
	Ref string
	Err error
}

func (e *BaseError) Error() string { return fmt.Sprintf("pulling the base image %s: %v", e.Ref, e.Err) }
func (e *BaseError) Unwrap() error { return e.Err }

func scratch(p v1.Platform) (v1.Image, error) {
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Variant = p.OS, p.Architecture, p.Variant
	return mutate.ConfigFile(img, cf)
}

// layerStats counts the layers berth wrote or found in its cache.
type layerStats struct {
	Written, Cached int
}

// assemble builds one platform's image: the planned layers on the base,
// then the planned config and history, created at epoch.
func assemble(df *Dockerfile, in *Inputs, base v1.Image, cache *layerCache, epoch time.Time) (v1.Image, layerStats, error) {
	var st layerStats
	cf, err := base.ConfigFile()
	if err != nil {
		return nil, st, err
	}
	pl, err := df.Plan(cf, in.Context, in.Build.Layers, epoch)
	if err != nil {
		return nil, st, err
	}
	mt, err := base.MediaType()
	if err != nil {
		return nil, st, err
	}
	layerType := types.OCILayer
	if mt == types.DockerManifestSchema2 {
		layerType = types.DockerLayer
	}
	adds := make([]mutate.Addendum, 0, len(pl.Layers))
	for _, lp := range pl.Layers {
		l, hit, err := cache.layer(in.Context, lp, epoch, layerType)
		if err != nil {
			return nil, st, fmt.Errorf("writing the layer of %s: %w", lp.CreatedBy, err)
		}
		if hit {
			st.Cached++
		} else {
			st.Written++
		}
		adds = append(adds, mutate.Addendum{Layer: l, MediaType: layerType})
	}
	img, err := mutate.Append(base, adds...)
	if err != nil {
		return nil, st, err
	}
	out, err := img.ConfigFile()
	if err != nil {
		return nil, st, err
	}
	out = out.DeepCopy()
	out.Config = pl.Config
	out.History = append(cf.DeepCopy().History, pl.History...)
	out.Created = v1.Time{Time: epoch}
	out.Author = ""
	img, err = mutate.ConfigFile(img, out)
	return img, st, err
}
