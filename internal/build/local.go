package build

import (
	"fmt"
	"path/filepath"
	"sync"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/match"
	"github.com/google/go-containerregistry/pkg/v1/partial"
)

// local is the OCI layout .berth/oci as one build run uses it: the
// services of a run are built in parallel and may all keep their images
// there (--push=false, minikube's image load). go-containerregistry's
// layout package updates index.json by reading it, changing it and
// rewriting it in place (os.WriteFile, no lock), so concurrent updates
// read a half-written file ("unexpected end of JSON input") or drop each
// other's entry; mu makes the services of a run take turns at it.
type local struct {
	dir string
	mu  sync.Mutex
}

func newLocal(stateDir string) *local { return &local{dir: filepath.Join(stateDir, "oci")} }

// save keeps an image in the layout, replacing an earlier image of the
// same reference.
func (l *local) save(ref name.Reference, a artifact) error {
	// Blobs are named by their digest and the layout package writes
	// layers through a temporary file, so services write theirs at the
	// same time (base layers are downloaded then); only index.json, and
	// creating the layout, wait for the lock. ReplaceImage would walk
	// the blobs again and fetch each base layer only to find it there,
	// hence RemoveDescriptors and AppendDescriptor, as it does them.
	lp := layout.Path(l.dir)
	var desc *v1.Descriptor
	var err error
	switch a := a.(type) {
	case v1.Image:
		if err = lp.WriteImage(a); err == nil {
			desc, err = partial.Descriptor(a)
		}
	case v1.ImageIndex:
		if err = lp.WriteIndex(a); err == nil {
			desc, err = partial.Descriptor(a)
		}
	default:
		err = fmt.Errorf("cannot keep a %T in %s", a, l.dir)
	}
	if err != nil {
		return err
	}
	desc.Annotations = map[string]string{refName: ref.String()}
	l.mu.Lock()
	defer l.mu.Unlock()
	if lp, err = layout.FromPath(l.dir); err != nil {
		if lp, err = layout.Write(l.dir, empty.Index); err != nil {
			return err
		}
	}
	if err := lp.RemoveDescriptors(match.Annotation(refName, ref.String())); err != nil {
		return err
	}
	return lp.AppendDescriptor(*desc)
}

// refName is the annotation of an image's reference in index.json.
const refName = "org.opencontainers.image.ref.name"

// has reports whether the image or index of digest is in the layout. It
// reads neither index.json nor a blob (it only opens the blob), so it
// needs no lock.
func (l *local) has(digest string) (bool, error) {
	lp, err := layout.FromPath(l.dir)
	if err != nil {
		return false, err
	}
	h, err := v1.NewHash(digest)
	if err != nil {
		return false, err
	}
	rc, err := lp.Blob(h)
	if err != nil {
		return false, err
	}
	return true, rc.Close()
}
