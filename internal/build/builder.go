package build

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/gitinfo"
)

// Builder names.
const (
	BuilderAuto     = "auto"
	BuilderBerth    = "berth"
	BuilderDocker   = "docker"
	BuilderPodman   = "podman"
	BuilderBuildah  = "buildah"
	BuilderNerdctl  = "nerdctl"
	BuilderMinikube = "minikube"
)

// Observer hears what a build does; the CLI turns it into progress lines
// or bars. Methods are called from several goroutines, one per service.
type Observer interface {
	// Log is a line of progress of one service (a delegated builder's
	// output included).
	Log(service, line string)
	// Push reports upload progress of one service's image.
	Push(service string, u v1.Update)
}

// Stages is an Observer that also hears when each service's build starts
// and ends (berth --progress=json reports them as events).
type Stages interface {
	Started(service string)
	// Finished gives the result, or the error (r is nil then).
	Finished(service string, r *Result, err error)
}

// Options select what Build does.
type Options struct {
	// Services to build; all services with build: when empty.
	Services []string
	// Push sends images to the registry; otherwise they go to the local
	// OCI layout under .berth/oci.
	Push bool
	// NoCache rebuilds even when the inputs are unchanged.
	NoCache bool
	// Builder overrides build.builder of every service.
	Builder string
}

// Result is one service's build.
type Result struct {
	Service string `json:"service"`
	// Image is REPO:TAG@DIGEST.
	Image    string   `json:"image"`
	Tag      string   `json:"tag"`
	Digest   string   `json:"digest"`
	Tags     []string `json:"tags,omitempty"`
	Builder  string   `json:"builder"`
	UpToDate bool     `json:"upToDate"`
	Pushed   bool     `json:"pushed"`
	// Layers berth wrote and found in its cache (berth's builder only).
	LayersWritten int           `json:"layersWritten"`
	LayersCached  int           `json:"layersCached"`
	Duration      time.Duration `json:"-"`
}

// Builder builds and pushes the images of a project's services.
type Builder struct {
	Remote   Remote
	Observer Observer
	// Epoch is the time written into layers and configs (SOURCE_DATE_EPOCH
	// or the Unix epoch), so builds are reproducible.
	Epoch time.Time
	// LookPath finds delegated builders (exec.LookPath when nil).
	LookPath func(string) (string, error)
	// Env is the environment of delegated builders (os.Environ when nil).
	Env []string
	// InCluster, when set, builds a Dockerfile inside the cluster (minikube
	// image build) when it needs a container builder and this machine has
	// none, or build.builder is minikube. The image then exists only in
	// the cluster, under REPO:TAG.
	InCluster func(ctx context.Context, in *Inputs, ref string) error
}

// StateDirOf is the project's state folder.
func StateDirOf(p *config.Project) string { return filepath.Join(p.Dir, StateDir) }

// Build builds the selected services in parallel, skipping those whose
// inputs are unchanged since their last build (and still in the
// registry), and records the results.
func (b *Builder) Build(ctx context.Context, p *config.Project, o Options) ([]Result, error) {
	services, err := buildServices(p, o.Services)
	if err != nil {
		return nil, err
	}
	state := StateDirOf(p)
	recs, err := LoadRecords(state)
	if err != nil {
		return nil, err
	}
	if err := ensureStateDir(state); err != nil {
		return nil, err
	}
	gitTag := gitinfo.Tag(ctx, p.Dir)
	oci := newLocal(state)
	results := make([]Result, len(services))
	errs := make([]error, len(services))
	built := map[string]Record{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i, svc := range services {
		wg.Go(func() {
			start := time.Now()
			mu.Lock()
			prev, had := recs.Services[svc]
			mu.Unlock()
			var prevp *Record
			if had {
				prevp = &prev
			}
			stages, _ := b.Observer.(Stages)
			if stages != nil {
				stages.Started(svc)
			}
			r, rec, err := b.service(ctx, p, svc, o, prevp, gitTag, oci)
			if stages != nil {
				stages.Finished(svc, r, err)
			}
			if err != nil {
				errs[i] = fmt.Errorf("%s: %w", svc, err)
				return
			}
			r.Duration = time.Since(start)
			results[i] = *r
			mu.Lock()
			built[svc] = *rec
			mu.Unlock()
		})
	}
	wg.Wait()
	if err := UpdateRecords(state, built); err != nil {
		return nil, err
	}
	return results, errors.Join(errs...)
}

func buildServices(p *config.Project, only []string) ([]string, error) {
	var out []string
	for _, name := range p.ServiceNames() {
		if p.Services[name].Build != nil {
			out = append(out, name)
		}
	}
	if len(only) == 0 {
		if len(out) == 0 {
			return nil, fmt.Errorf("no service in %s has build:; berth builds only services with a build section", p.File)
		}
		return out, nil
	}
	for _, s := range only {
		if _, ok := p.Services[s]; !ok {
			return nil, fmt.Errorf("no service %q in %s%s", s, p.File, config.Suggest(s, p.ServiceNames()))
		}
		if !slices.Contains(out, s) {
			return nil, fmt.Errorf("service %q has no build: section (it runs image %s)", s, p.Services[s].Image)
		}
	}
	return only, nil
}

// service builds one service, keeping its image in oci unless o.Push.
func (b *Builder) service(ctx context.Context, p *config.Project, svc string, o Options, prev *Record, gitTag string, oci *local) (*Result, *Record, error) {
	in, err := LoadInputs(p, svc)
	if err != nil {
		return nil, nil, err
	}
	repo := Repository(p, svc)
	if o.Push && p.Registry == "" {
		return nil, nil, &NoRegistryError{Msg: "berth.yaml has no registry: to push to; set `registry: HOST/PATH` or build with --push=false"}
	}
	kind := cmpOr(o.Builder, in.Build.Builder, BuilderAuto)
	platforms := in.Build.Platforms
	explicit := len(platforms) > 0
	if !explicit {
		platforms = []string{DefaultPlatform()}
	}
	res := &Result{Service: svc, Tag: in.Tag}
	tagRef, err := b.Remote.Reference(repo + ":" + in.Tag)
	if err != nil {
		return nil, nil, fmt.Errorf("image name %s: %w", repo, err)
	}

	var de *DaemonError
	df, err := ParseDockerfile(in.Dockerfile, in.Build.Args, in.Build.Target, platforms[0])
	if err != nil && !errors.As(err, &de) {
		return nil, nil, err
	}
	baseRef := cmpOr(in.Build.From, df.Base)
	switch {
	case kind != BuilderAuto && kind != BuilderBerth:
		df = nil // the named container builder builds
	case de != nil && kind == BuilderBerth:
		return nil, nil, &NeedsBuilderError{DaemonError: de, Explicit: true}
	case de != nil:
		b.log(svc, fmt.Sprintf("%s:%d needs a container builder (%s)", filepath.Base(de.File), de.Line, de.Reason))
		df = nil
	}

	var base *Base
	if df != nil {
		if base, platforms, err = resolveBase(ctx, b.Remote, baseRef, platforms, explicit); err != nil {
			return nil, nil, err
		}
	}
	// A build recorded under another repository (berth.yaml's registry, an
	// environment's or the one the cluster advertises changed) is not this
	// one: the image is not where the deploy will name it.
	if !o.NoCache && prev != nil && prev.Tag == in.Tag && (base == nil || prev.Base == base.Pinned()) && prev.Pushed == o.Push &&
		strings.HasPrefix(prev.Image, repo+":") {
		if ok, _ := b.have(ctx, oci, prev); ok {
			res.Image, res.Digest, res.Builder, res.UpToDate, res.Pushed = prev.Image, prev.Digest, prev.Builder, true, prev.Pushed
			b.log(svc, "up to date: "+prev.Image)
			return res, prev, nil
		}
	}

	var artifact artifact
	if df != nil {
		res.Builder = BuilderBerth
		artifact, err = b.daemonless(in, df, base, platforms, res)
		if errors.As(err, &de) {
			if kind != BuilderAuto {
				return nil, nil, &NeedsBuilderError{DaemonError: de, Explicit: true}
			}
			b.log(svc, fmt.Sprintf("%s:%d needs a container builder (%s)", filepath.Base(de.File), de.Line, de.Reason))
			df, base = nil, nil
		}
	}
	if df == nil {
		var cleanup func()
		res.Builder, artifact, cleanup, err = b.delegate(ctx, in, kind, platforms, de, b.plainHTTP(baseRef))
		if cleanup != nil {
			defer cleanup()
		}
		var nb *NeedsBuilderError
		if b.InCluster != nil && (kind == BuilderMinikube || errors.As(err, &nb) && !nb.Explicit) {
			return b.inCluster(ctx, in, repo, res)
		}
	}
	if err != nil {
		return nil, nil, err
	}
	if err := b.publish(ctx, oci, o.Push, repo, tagRef, artifact, res, gitTag); err != nil {
		return nil, nil, err
	}
	rec := &Record{Tag: in.Tag, Image: res.Image, Digest: res.Digest, Platforms: platforms, Builder: res.Builder, Pushed: res.Pushed, Time: time.Now().UTC()}
	if base != nil {
		rec.Base = base.Pinned()
	}
	return res, rec, nil
}

// artifact is an image or, for several platforms, an index.
type artifact interface {
	Digest() (v1.Hash, error)
	MediaType() (types.MediaType, error)
}

func (b *Builder) daemonless(in *Inputs, first *Dockerfile, base *Base, platforms []string, res *Result) (artifact, error) {
	cache := newLayerCache(in.StateDir)
	images := make([]v1.Image, len(platforms))
	for i, plat := range platforms {
		df := first
		if i > 0 {
			var err error
			// Each platform expands ARGs (TARGETARCH…) on its own parse.
			if df, err = ParseDockerfile(in.Dockerfile, in.Build.Args, in.Build.Target, plat); err != nil {
				return nil, err
			}
		}
		img, st, err := assemble(df, in, base.Images[plat], cache, b.epoch())
		if err != nil {
			return nil, err
		}
		res.LayersWritten += st.Written
		res.LayersCached += st.Cached
		images[i] = img
	}
	if len(images) == 1 {
		return images[0], nil
	}
	var adds []mutate.IndexAddendum
	for i, img := range images {
		pl, err := v1.ParsePlatform(platforms[i])
		if err != nil {
			return nil, err
		}
		mt, err := img.MediaType()
		if err != nil {
			return nil, err
		}
		adds = append(adds, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{MediaType: mt, Platform: pl}})
	}
	idx := mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex), adds...)
	return idx, nil
}

func (b *Builder) epoch() time.Time {
	if b.Epoch.IsZero() {
		return time.Unix(0, 0).UTC()
	}
	return b.Epoch.UTC()
}

// EpochFromEnv reads SOURCE_DATE_EPOCH (reproducible-builds.org).
func EpochFromEnv(getenv func(string) string) (time.Time, error) {
	v := getenv("SOURCE_DATE_EPOCH")
	if v == "" {
		return time.Unix(0, 0).UTC(), nil
	}
	var sec int64
	if _, err := fmt.Sscan(v, &sec); err != nil {
		return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH=%q is not a number of seconds", v)
	}
	return time.Unix(sec, 0).UTC(), nil
}

func (b *Builder) log(svc, line string) {
	if b.Observer != nil {
		b.Observer.Log(svc, line)
	}
}

func cmpOr(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// plainHTTP reports whether an image comes from a registry reached over
// plain HTTP (localhost, --insecure-registry), which buildah and podman
// must be told.
func (b *Builder) plainHTTP(ref string) bool {
	if ref == "" {
		return false
	}
	r, err := b.Remote.Reference(ref)
	return err == nil && r.Context().Scheme() == "http"
}

// inCluster builds with InCluster: no digest is known and nothing is
// pushed; the record says so, and the next build runs again.
func (b *Builder) inCluster(ctx context.Context, in *Inputs, repo string, res *Result) (*Result, *Record, error) {
	ref := repo + ":" + in.Tag
	b.log(in.Service, "building inside the cluster (minikube image build)")
	if err := b.InCluster(ctx, in, ref); err != nil {
		return nil, nil, fmt.Errorf("minikube image build: %w", err)
	}
	res.Image, res.Builder, res.Tags = ref, BuilderMinikube, []string{in.Tag}
	return res, &Record{Tag: in.Tag, Image: ref, Builder: BuilderMinikube, Time: time.Now().UTC()}, nil
}
