package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/berth-dev/berth/internal/output"
	"github.com/berth-dev/berth/internal/target"
)

// printPlan prints what a DigitalOcean up would create and its price
// (berth up --plan).
func (o *UpOptions) printPlan(p *target.Plan) error {
	if o.format != "text" {
		return output.Data(o.Out, o.format, output.Versioned("Plan", p))
	}
	tw := tabwriter.NewWriter(o.Out, 0, 4, 2, ' ', 0)
	state := "create"
	if p.Exists {
		state = "exists, reused"
	}
	nodes := fmt.Sprintf("%d × %s ($%.2f/month each)", p.Nodes, p.Size, p.NodeMonthly)
	if p.MaxNodes > 0 {
		nodes = fmt.Sprintf("%d-%d × %s ($%.2f/month each)", p.Nodes, p.MaxNodes, p.Size, p.NodeMonthly)
	}
	fmt.Fprintf(tw, "cluster\t%s (%s, Kubernetes %s)\t%s\n", p.Cluster, p.Region, p.Version, state)
	fmt.Fprintf(tw, "nodes\t%s\t\n", nodes)
	if p.Registry != "" {
		rs := "create (starter tier)"
		if p.RegistryExists {
			rs = "exists, reused"
		}
		fmt.Fprintf(tw, "registry\t%s\t%s\n", p.Registry, rs)
	}
	fmt.Fprintf(tw, "new monthly cost\t$%.2f\t(load balancers and volumes extra)\n", p.MonthlyUSD)
	tw.Flush()
	fmt.Fprintln(o.ErrOut, "plan only: nothing was created or changed")
	return nil
}
