package cli

import (
	"maps"
	"slices"
	"strings"

	"github.com/berth-dev/berth/internal/build"
	"github.com/berth-dev/berth/internal/config"
)

// resolveImages gives every built service the image of its last build
// (pinned by digest) or its content-tagged reference, then applies
// --set-image overrides. unbuilt names services whose current sources
// have no recorded build. An override for a service berth.yaml does not
// have is a usage error: every command taking --set-image resolves here.
func resolveImages(p *config.Project, overrides map[string]string) (images map[string]string, unbuilt []string, err error) {
	if err := checkSetImages(p, overrides); err != nil {
		return nil, nil, err
	}
	return build.WithOverrides(p, overrides)
}

// checkSetImages refuses, as a usage error, a --set-image override for a
// service berth.yaml does not have.
func checkSetImages(p *config.Project, overrides map[string]string) error {
	for _, name := range slices.Sorted(maps.Keys(overrides)) {
		if _, ok := p.Services[name]; !ok {
			return usageErrorf("--set-image %s=%s: berth.yaml has no service %q (services: %s)",
				name, overrides[name], name, strings.Join(slices.Sorted(maps.Keys(p.Services)), ", "))
		}
	}
	return nil
}
