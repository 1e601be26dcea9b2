package deploy

import (
	"context"
	"fmt"
	"slices"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/kube"
	"github.com/berth-dev/berth/internal/release"
	"github.com/berth-dev/berth/internal/render"
)

// History reads an app's revisions (release.Store, Records).
type History interface {
	History(ctx context.Context, app string) ([]release.Revision, error)
}

// RecordedWorkload is service's Deployment or StatefulSet as app's newest
// revision in namespace ns holds it: what the per-service day-2 commands
// (rollout, logs) work on, with no berth.yaml needed. No revision is a
// *NotDeployedError; a service the revision does not hold is a
// *config.UnknownServiceError naming the revision's services.
func RecordedWorkload(ctx context.Context, h History, app, ns, service string) (kube.Ref, error) {
	revs, err := h.History(ctx, app)
	if err != nil {
		return kube.Ref{}, err
	}
	if len(revs) == 0 {
		return kube.Ref{}, NotDeployed(ctx, h, app, ns)
	}
	rel := revs[len(revs)-1].Release
	for _, w := range Workloads(render.ParseManifest(rel.Manifest)) {
		if w.Service == service {
			return kube.Ref{Group: "apps", Version: "v1", Kind: w.Kind, Namespace: ns, Name: w.Name}, nil
		}
	}
	return kube.Ref{}, &config.UnknownServiceError{File: fmt.Sprintf("revision %d of app %s", rel.Version, app), Service: service, Services: recordedServices(rel.Manifest)}
}

// RecordedServices are the services of app's newest revision, sorted;
// none when it has no revision.
func RecordedServices(ctx context.Context, h History, app string) ([]string, error) {
	revs, err := h.History(ctx, app)
	if err != nil || len(revs) == 0 {
		return nil, err
	}
	return recordedServices(revs[len(revs)-1].Release.Manifest), nil
}

// recordedServices are the services of the workloads of a manifest, sorted.
func recordedServices(manifest string) []string {
	var names []string
	for _, w := range Workloads(render.ParseManifest(manifest)) {
		names = append(names, w.Service)
	}
	slices.Sort(names)
	return names
}
