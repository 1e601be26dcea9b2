package build

import (
	"context"
	"maps"
	"sync"
)

// PinAll pins the images of services (Pin, all at once): it returns a
// copy of images with each service that the registry has as REPO:TAG@DIGEST,
// and the services it does not have (or could not be asked about), in the
// order given. images is not changed. ctx bounds the questions.
func PinAll(ctx context.Context, rem Remote, images map[string]string, services []string) (pinned map[string]string, missing []string) {
	refs := make([]string, len(services))
	var wg sync.WaitGroup
	for i, svc := range services {
		wg.Go(func() { refs[i], _ = Pin(ctx, rem, images[svc]) })
	}
	wg.Wait()
	pinned = maps.Clone(images)
	if pinned == nil {
		pinned = map[string]string{}
	}
	for i, svc := range services {
		if refs[i] == "" {
			missing = append(missing, svc)
			continue
		}
		pinned[svc] = refs[i]
	}
	return pinned, missing
}
