package cli

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/internal/output"
	"github.com/berth-dev/berth/internal/rollout"
)

// ListOptions are the inputs of berth list.
type ListOptions struct {
	cmdBase
	AllNamespaces bool
}

// NewCmdList builds berth list.
func NewCmdList(f *Factory, runF func(context.Context, *ListOptions) error) *cobra.Command {
	o := &ListOptions{cmdBase: newBase(f, "table", "json", "yaml")}
	cmd := &cobra.Command{
		Use:   "list [-A]",
		Short: "List the apps berth manages in the namespace, or in all of them",
		Args:  noArgs,
		RunE:  runE(o, runF),
	}
	cmd.Flags().BoolVarP(&o.AllNamespaces, "all-namespaces", "A", false, "list the apps of every namespace")
	return cmd
}

// Run lists the apps.
func (o *ListOptions) Run(ctx context.Context) error {
	ns, c, err := o.f.namespaceOnCluster(o.f.Namespace())
	if err != nil {
		return err
	}
	if o.AllNamespaces {
		ns = ""
	}
	apps, err := rollout.Apps(ctx, newRecords(c, ns))
	if err != nil {
		return err
	}
	if o.format != "table" {
		return output.Data(o.Out, o.format, output.NewAppList(apps))
	}
	return output.AppTable(o.Out, apps, time.Now())
}
