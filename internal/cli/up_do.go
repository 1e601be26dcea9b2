package cli

import (
	"fmt"

	"github.com/berth-dev/berth/internal/output"
	"github.com/berth-dev/berth/internal/target"
)

// printPlan prints what a DigitalOcean up would create and its price
// (berth up --plan).
func (o *UpOptions) printPlan(p *target.Plan) error {
	if o.format != "text" {
		return output.Data(o.Out, o.format, output.Versioned("Plan", p))
	}
	if err := output.Plan(o.Out, p); err != nil {
		return err
	}
	fmt.Fprintln(o.ErrOut, "plan only: nothing was created or changed")
	return nil
}
