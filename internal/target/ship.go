package target

import (
	"context"
	"maps"
	"slices"

	"github.com/berth-dev/berth/internal/build"
	"github.com/berth-dev/berth/internal/config"
)

// Shipper builds the images of a project and gets them to a target's
// cluster through its Publisher (berth up).
type Shipper struct {
	// Publisher is the target's (Prepared.Publisher).
	Publisher Publisher
	// Builder makes the builder to start from (its observer and epoch);
	// it is called only when there is something to build, and its error
	// stops Ship.
	Builder func() (build.Builder, error)
	// Overrides are images given instead of builds (--set-image):
	// service → image.
	Overrides map[string]string
	// Step, when set, is told the Publisher's summary of the services
	// about to be built, before the build.
	Step func(summary string)
	// Built, when set, is called when the build ended (done or failed),
	// before publishing.
	Built func()
}

// Services are the services of p Ship builds: those with a build and no
// override, sorted.
func (s *Shipper) Services(p *config.Project) []string {
	var built []string
	for name, svc := range p.Services {
		if svc.Build != nil && s.Overrides[name] == "" {
			built = append(built, name)
		}
	}
	slices.Sort(built)
	return built
}

// Ship builds the Services of p with the Publisher's builder and
// publishes the results. It returns the project to deploy (p, or the
// Publisher's copy) and service → image, the overrides included.
func (s *Shipper) Ship(ctx context.Context, p *config.Project) (*config.Project, map[string]string, error) {
	images := map[string]string{}
	if built := s.Services(p); len(built) > 0 {
		base, err := s.Builder()
		if err != nil {
			return p, nil, err
		}
		b, push := s.Publisher.Builder(base)
		if s.Step != nil {
			s.Step(s.Publisher.Summary(built))
		}
		results, err := b.Build(ctx, p, build.Options{Services: built, Push: push})
		if s.Built != nil {
			s.Built()
		}
		if err != nil {
			return p, nil, err
		}
		q, shipped, err := s.Publisher.Publish(ctx, p, results)
		if err != nil {
			return p, nil, err
		}
		p, images = q, shipped
	}
	maps.Copy(images, s.Overrides)
	return p, images, nil
}
