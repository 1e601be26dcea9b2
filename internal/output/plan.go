package output

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/berth-dev/berth/internal/target"
)

// Plan writes what a DigitalOcean berth up would create and its monthly
// price, as berth up --plan shows it.
func Plan(w io.Writer, p *target.Plan) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
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
	return tw.Flush()
}
