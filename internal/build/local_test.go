package build

import (
	"path/filepath"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/layout"

	"github.com/berth-dev/berth/internal/config"
)

// TestLocalOnlyParallel builds four services of one project at once with
// Push false (berth build --push=false, minikube's image load): their
// images all go into the one .berth/oci, and each must be in index.json
// under its name, in builds.json and in the layout afterwards. cron is
// built from worker's context, so two services write the same blobs.
func TestLocalOnlyParallel(t *testing.T) {
	t.Parallel()
	files := map[string]string{}
	p := &config.Project{Name: "shop", Services: map[string]*config.Service{}}
	for _, s := range []string{"api", "web", "worker"} {
		files[s+"/Dockerfile"] = "FROM scratch\nCOPY hello /\n"
		files[s+"/hello"] = "hi from " + s
		p.Services[s] = &config.Service{Build: &config.Build{Context: s}}
	}
	p.Services["cron"] = &config.Service{Build: &config.Build{Context: "worker"}}
	p.Dir = writeTree(t, files)
	p.File = filepath.Join(p.Dir, "berth.yaml")
	b, _ := newBuilder()
	res, err := b.Build(t.Context(), p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkLocal(t, b, p, res)
	again, err := b.Build(t.Context(), p, Options{NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	checkLocal(t, b, p, again)
}

// checkLocal checks that index.json of .berth/oci names exactly the
// images of res and that builds.json records each as kept there.
func checkLocal(t *testing.T, b *Builder, p *config.Project, res []Result) {
	t.Helper()
	state := StateDirOf(p)
	lp, err := layout.FromPath(filepath.Join(state, "oci"))
	if err != nil {
		t.Fatal(err)
	}
	idx, err := lp.ImageIndex()
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	refs := map[string]string{}
	for _, m := range im.Manifests {
		refs[m.Annotations["org.opencontainers.image.ref.name"]] = m.Digest.String()
	}
	if len(res) != len(p.Services) || len(im.Manifests) != len(p.Services) {
		t.Errorf("%d results, %d images in index.json; want %d of each", len(res), len(im.Manifests), len(p.Services))
	}
	recs, err := LoadRecords(state)
	if err != nil {
		t.Fatal(err)
	}
	oci := newLocal(state)
	for _, r := range res {
		ref := Repository(p, r.Service) + ":" + r.Tag
		if refs[ref] != r.Digest {
			t.Errorf("%s: index.json has %q for %s, want %s", r.Service, refs[ref], ref, r.Digest)
		}
		rec := recs.Services[r.Service]
		if rec.Digest != r.Digest || rec.Pushed {
			t.Errorf("%s: builds.json has %+v, want digest %s not pushed", r.Service, rec, r.Digest)
		}
		if ok, err := b.have(t.Context(), oci, &rec); !ok {
			t.Errorf("%s: build %s not in .berth/oci: %v", r.Service, r.Digest, err)
		}
	}
}
