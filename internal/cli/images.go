package cli

import (
	"github.com/berth-dev/berth/internal/build"
	"github.com/berth-dev/berth/internal/config"
)

// resolveImages gives every built service the image of its last build
// (pinned by digest) or its content-tagged reference, then applies
// --set-image overrides (build.WithOverrides). An override for a service
// berth.yaml does not have is a usage error: every command taking
// --set-image resolves here.
func resolveImages(p *config.Project, overrides map[string]string) (images map[string]string, unbuilt []string, err error) {
	if err := checkSetImages(p, overrides); err != nil {
		return nil, nil, err
	}
	return build.WithOverrides(p, overrides)
}

// checkSetImages refuses, as a usage error, a --set-image override for a
// service berth.yaml does not have.
func checkSetImages(p *config.Project, overrides map[string]string) error {
	return usage(build.CheckOverrides(p, overrides))
}

// parseSetImages reads --set-image SERVICE=IMAGE pairs; a malformed one is
// a usage error.
func parseSetImages(pairs []string) (map[string]string, error) {
	images, err := build.ParseOverrides(pairs)
	return images, usage(err)
}
