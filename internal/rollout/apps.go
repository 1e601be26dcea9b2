package rollout

import (
	"context"

	"github.com/berth-dev/berth/internal/release"
	"github.com/berth-dev/berth/internal/render"
)

// Lister lists the apps of a namespace, or of all (release.Store).
type Lister interface {
	List(ctx context.Context) ([]release.Summary, error)
}

var _ Lister = (*release.Store)(nil)

// Apps lists the apps berth manages (berth list), each with the images
// its services run in its newest revision, as berth history shows them.
func Apps(ctx context.Context, l Lister) ([]release.Summary, error) {
	apps, err := l.List(ctx)
	if err != nil {
		return nil, err
	}
	for i := range apps {
		apps[i].Images = serviceImages(render.ParseManifest(apps[i].Manifest))
	}
	return apps, nil
}
