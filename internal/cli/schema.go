package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/internal/config"
)

// SchemaOptions are the inputs of `berth schema`.
type SchemaOptions struct {
	cmdBase
}

// NewCmdSchema builds `berth schema`.
func NewCmdSchema(f *Factory, runF func(context.Context, *SchemaOptions) error) *cobra.Command {
	o := &SchemaOptions{cmdBase: newBase(f)}
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema of berth.yaml",
		Args:  noArgs,
		RunE:  runE(o, runF),
	}
}

// Run prints the schema.
func (o *SchemaOptions) Run(ctx context.Context) error {
	_, err := o.Out.Write(config.Schema())
	return err
}
