package build

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/match"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
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
	results := make([]Result, len(services))
	errs := make([]error, len(services))
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
			r, rec, err := b.service(ctx, p, svc, o, prevp, gitTag)
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
			recs.Services[svc] = *rec
			mu.Unlock()
		})
	}
	wg.Wait()
	if err := recs.Save(state); err != nil {
		return nil, err
	}
	return results, errors.Join(errs...)
}

func buildServices(p *config.Project, only []string) ([]string, error) {
	var out []string
	for _, name := range slices.Sorted(maps.Keys(p.Services)) {
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
			return nil, fmt.Errorf("no service %q in %s%s", s, p.File, config.Suggest(s, slices.Sorted(maps.Keys(p.Services))))
		}
		if !slices.Contains(out, s) {
			return nil, fmt.Errorf("service %q has no build: section (it runs image %s)", s, p.Services[s].Image)
		}
	}
	return only, nil
}

// service builds one service.
func (b *Builder) service(ctx context.Context, p *config.Project, svc string, o Options, prev *Record, gitTag string) (*Result, *Record, error) {
	in, err := LoadInputs(p, svc)
	if err != nil {
		return nil, nil, err
	}
	repo := Repository(p, svc)
	if o.Push && p.Registry == "" {
		return nil, nil, fmt.Errorf("berth.yaml has no registry: to push to; set `registry: HOST/PATH` or build with --push=false")
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
	if !o.NoCache && prev != nil && prev.Tag == in.Tag && (base == nil || prev.Base == base.Pinned()) && prev.Pushed == o.Push {
		if ok, _ := b.have(ctx, StateDirOf(p), prev); ok {
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
	if err := b.publish(ctx, StateDirOf(p), o.Push, repo, tagRef, artifact, res, gitTag); err != nil {
		return nil, nil, err
	}
	rec := &Record{Tag: in.Tag, Image: res.Image, Digest: res.Digest, Platforms: platforms, Builder: res.Builder, Pushed: res.Pushed, Time: time.Now().UTC()}
	if base != nil {
		rec.Base = base.Pinned()
	}
	return res, rec, nil
}

// publish names a built artifact in res (digest, image repo:TAG@DIGEST,
// tags) and pushes it to tagRef's registry with its tags, or with push
// false keeps it in the OCI layout under stateDir.
func (b *Builder) publish(ctx context.Context, stateDir string, push bool, repo string, tagRef name.Reference, artifact artifact, res *Result, gitTag string) error {
	digest, err := artifact.Digest()
	if err != nil {
		return err
	}
	res.Digest = digest.String()
	res.Image = repo + ":" + res.Tag + "@" + res.Digest
	res.Tags = []string{res.Tag}
	if gitTag != "" {
		res.Tags = append(res.Tags, gitTag)
	}
	if push {
		if err := b.push(ctx, res.Service, tagRef, artifact, res.Tags[1:]); err != nil {
			return err
		}
		res.Pushed = true
		b.log(res.Service, "pushed "+res.Image)
	} else {
		if err := saveLocal(stateDir, tagRef, artifact); err != nil {
			return err
		}
		b.log(res.Service, "built "+res.Image+" (kept in .berth/oci, not pushed)")
	}
	return nil
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

// push uploads the image or index under its content tag (layers the
// registry has are skipped, base layers are mounted across repositories)
// and adds the extra tags.
func (b *Builder) push(ctx context.Context, svc string, ref name.Reference, a artifact, extra []string) error {
	opts, err := b.Remote.Options(ctx)
	if err != nil {
		return err
	}
	updates := make(chan v1.Update, 16)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for u := range updates {
			if b.Observer != nil {
				b.Observer.Push(svc, u)
			}
		}
	}()
	popts := append(slices.Clone(opts), remote.WithProgress(updates))
	switch a := a.(type) {
	case v1.Image:
		err = remote.Write(ref, a, popts...)
	case v1.ImageIndex:
		err = remote.WriteIndex(ref, a, popts...)
	}
	<-done
	if err != nil {
		return &PushError{Ref: ref.String(), Err: b.Remote.Explain(err, ref.String())}
	}
	for _, t := range extra {
		tag := ref.Context().Tag(t)
		var tg remote.Taggable
		switch a := a.(type) {
		case v1.Image:
			tg = a
		case v1.ImageIndex:
			tg = a
		}
		if err := remote.Tag(tag, tg, opts...); err != nil {
			return &PushError{Ref: tag.String(), Err: b.Remote.Explain(err, tag.String())}
		}
	}
	return nil
}

// PushError is a failed upload.
type PushError struct {
	Ref string
	Err error
}

func (e *PushError) Error() string { return fmt.Sprintf("pushing %s: %v", e.Ref, e.Err) }
func (e *PushError) Unwrap() error { return e.Err }

// have reports whether a recorded build is still where it was put: in
// the registry, or in the local layout.
func (b *Builder) have(ctx context.Context, stateDir string, r *Record) (bool, error) {
	if !r.Pushed {
		lp, err := layout.FromPath(filepath.Join(stateDir, "oci"))
		if err != nil {
			return false, err
		}
		h, err := v1.NewHash(r.Digest)
		if err != nil {
			return false, err
		}
		_, err = lp.Blob(h)
		return err == nil, err
	}
	ref, err := b.Remote.Reference(r.Image)
	if err != nil {
		return false, err
	}
	opts, err := b.Remote.Options(ctx)
	if err != nil {
		return false, err
	}
	_, err = remote.Head(ref, opts...)
	return err == nil, err
}

// saveLocal keeps an image in the OCI layout .berth/oci, replacing an
// earlier image of the same reference.
func saveLocal(stateDir string, ref name.Reference, a artifact) error {
	dir := filepath.Join(stateDir, "oci")
	lp, err := layout.FromPath(dir)
	if err != nil {
		if lp, err = layout.Write(dir, empty.Index); err != nil {
			return err
		}
	}
	ann := layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": ref.String()})
	byName := match.Annotation("org.opencontainers.image.ref.name", ref.String())
	switch a := a.(type) {
	case v1.Image:
		return lp.ReplaceImage(a, byName, ann)
	case v1.ImageIndex:
		return lp.ReplaceIndex(a, byName, ann)
	}
	return nil
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

// Push uploads images built with --push=false (kept in .berth/oci) to the
// registry and records them as pushed. A service whose sources changed
// since its build is an error: build it again.
func (b *Builder) Push(ctx context.Context, p *config.Project, only []string) ([]Result, error) {
	services, err := buildServices(p, only)
	if err != nil {
		return nil, err
	}
	if p.Registry == "" {
		return nil, fmt.Errorf("berth.yaml has no registry: to push to; set `registry: HOST/PATH`")
	}
	state := StateDirOf(p)
	recs, err := LoadRecords(state)
	if err != nil {
		return nil, err
	}
	var results []Result
	var errs []error
	for _, svc := range services {
		r, err := b.pushRecorded(ctx, p, svc, recs)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", svc, err))
			continue
		}
		results = append(results, *r)
	}
	if err := recs.Save(state); err != nil {
		return nil, err
	}
	return results, errors.Join(errs...)
}

func (b *Builder) pushRecorded(ctx context.Context, p *config.Project, svc string, recs *Records) (*Result, error) {
	tag, err := ContentTag(p, svc)
	if err != nil {
		return nil, err
	}
	rec, ok := recs.Services[svc]
	if !ok || rec.Tag != tag {
		return nil, fmt.Errorf("no build of the current sources to push; run berth build %s", svc)
	}
	res := &Result{Service: svc, Tag: tag, Digest: rec.Digest, Builder: rec.Builder}
	repo := Repository(p, svc)
	res.Image = repo + ":" + tag + "@" + rec.Digest
	if rec.Pushed {
		if ok, _ := b.have(ctx, StateDirOf(p), &rec); ok {
			res.UpToDate, res.Pushed = true, true
			b.log(svc, "up to date: "+rec.Image)
			return res, nil
		}
	}
	lp, err := layout.FromPath(filepath.Join(StateDirOf(p), "oci"))
	if err != nil {
		return nil, fmt.Errorf("the local build is gone (%v); run berth build %s", err, svc)
	}
	h, err := v1.NewHash(rec.Digest)
	if err != nil {
		return nil, err
	}
	var a artifact
	if len(rec.Platforms) > 1 {
		a, err = lp.ImageIndex()
		if err == nil {
			a, err = a.(v1.ImageIndex).ImageIndex(h)
		}
	} else {
		a, err = lp.Image(h)
	}
	if err != nil {
		return nil, fmt.Errorf("the local build %s is gone from .berth/oci (%v); run berth build %s", rec.Digest, err, svc)
	}
	ref, err := b.Remote.Reference(repo + ":" + tag)
	if err != nil {
		return nil, err
	}
	var extra []string
	if t := gitinfo.Tag(ctx, p.Dir); t != "" {
		extra = append(extra, t)
	}
	if err := b.push(ctx, svc, ref, a, extra); err != nil {
		return nil, err
	}
	b.log(svc, "pushed "+res.Image)
	rec.Pushed, rec.Image = true, res.Image
	recs.Services[svc] = rec
	res.Pushed = true
	return res, nil
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
