package deploy

import (
	"context"

	"github.com/berth-dev/berth/internal/render"
)

// Renders is how many times a deploy of o by d would render the project:
// the render with the options read from the history (renderOptions), and
// again when planOptions says the plan needs other options.
func Renders(ctx context.Context, d *Deployer, o Options) (int, error) {
	h, err := d.Records.History(ctx, o.Project.Name)
	if err != nil {
		return 0, err
	}
	st := readState(h)
	ropts := d.renderOptions(o.Project, o, st)
	res, err := render.Render(o.Project, ropts)
	if err != nil {
		return 0, err
	}
	_, _, _, again, err := planOptions(o.Project, o, ropts, res.Parsed(), st)
	if again {
		return 2, err
	}
	return 1, err
}
