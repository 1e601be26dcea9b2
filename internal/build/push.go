package build

// Publishing built images: pushing them with their tags, keeping them in
// .berth/oci with --push=false, and pushing those later (berth push).

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/gitinfo"
)

// publish names a built artifact in res (digest, image repo:TAG@DIGEST,
// tags) and pushes it to tagRef's registry with its tags, or with push
// false keeps it in the run's OCI layout oci.
func (b *Builder) publish(ctx context.Context, oci *local, push bool, repo string, tagRef name.Reference, artifact artifact, res *Result, gitTag string) error {
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
		if err := oci.save(tagRef, artifact); err != nil {
			return err
		}
		b.log(res.Service, "built "+res.Image+" (kept in .berth/oci, not pushed)")
	}
	return nil
}

// push uploads the image or index under its content tag (layers the
// registry has are skipped, base layers are mounted across repositories)
// and adds the extra tags.
func (b *Builder) push(ctx context.Context, svc string, ref name.Reference, a artifact, extra []string) error {
	opts, err := b.Remote.Options(ctx)
	if err != nil {
		return err
	}
	// A push that lost a race with another push of the same new blob is
	// tried again: the blob is there by then, or goes up again.
	for attempt := 1; ; attempt++ {
		if err = b.upload(svc, ref, a, opts); err == nil || attempt == uploadAttempts || !racedUpload(err) {
			break
		}
	}
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

// uploadAttempts is how often push tries an upload that lost a race.
const uploadAttempts = 3

// upload writes the image or index once, its progress to the Observer.
func (b *Builder) upload(svc string, ref name.Reference, a artifact, opts []remote.Option) error {
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
	var err error
	switch a := a.(type) {
	case v1.Image:
		err = remote.Write(ref, a, popts...)
	case v1.ImageIndex:
		err = remote.WriteIndex(ref, a, popts...)
	}
	<-done
	return err
}

// racedUpload reports an upload that lost a race with another push of the
// same new blob to the same repository (two CI jobs, or parallel deploys):
// docker-registry 2.8 then refuses the blob upload (DIGEST_INVALID,
// BLOB_UPLOAD_*) or the manifest that names it (MANIFEST_BLOB_UNKNOWN).
func racedUpload(err error) bool {
	var te *transport.Error
	if !errors.As(err, &te) {
		return false
	}
	for _, d := range te.Errors {
		switch d.Code {
		case transport.ManifestBlobUnknownErrorCode, transport.BlobUnknownErrorCode, transport.DigestInvalidErrorCode,
			transport.BlobUploadInvalidErrorCode, transport.BlobUploadUnknownErrorCode:
			return true
		}
	}
	return false
}

// PushError is a failed upload.
type PushError struct {
	Ref string
	Err error
}

func (e *PushError) Error() string { return fmt.Sprintf("pushing %s: %v", e.Ref, e.Err) }

func (e *PushError) Unwrap() error { return e.Err }

// have reports whether a recorded build is still where it was put: in
// the registry, or in the local layout oci.
func (b *Builder) have(ctx context.Context, oci *local, r *Record) (bool, error) {
	if !r.Pushed {
		return oci.has(r.Digest)
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

// Push uploads images built with --push=false (kept in .berth/oci) to the
// registry and records them as pushed. A service whose sources changed
// since its build is an error: build it again.
func (b *Builder) Push(ctx context.Context, p *config.Project, only []string) ([]Result, error) {
	services, err := buildServices(p, only)
	if err != nil {
		return nil, err
	}
	if p.Registry == "" {
		return nil, &NoRegistryError{Msg: "berth.yaml has no registry: to push to; set `registry: HOST/PATH`"}
	}
	state := StateDirOf(p)
	recs, err := LoadRecords(state)
	if err != nil {
		return nil, err
	}
	// One service after another: nothing writes the layout meanwhile.
	oci := newLocal(state)
	var results []Result
	var errs []error
	for _, svc := range services {
		r, err := b.pushRecorded(ctx, p, svc, recs, oci)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", svc, err))
			continue
		}
		results = append(results, *r)
	}
	if err := UpdateRecords(state, recs.Services); err != nil {
		return nil, err
	}
	return results, errors.Join(errs...)
}

func (b *Builder) pushRecorded(ctx context.Context, p *config.Project, svc string, recs *Records, oci *local) (*Result, error) {
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
		if ok, _ := b.have(ctx, oci, &rec); ok {
			res.UpToDate, res.Pushed = true, true
			b.log(svc, "up to date: "+rec.Image)
			return res, nil
		}
	}
	lp, err := layout.FromPath(oci.dir)
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
