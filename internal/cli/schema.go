package cli

import (
	"context"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/berth-dev/berth/internal/config"
)

const schemaLong = `Print the JSON Schema of berth.yaml.

Editors that speak the YAML language server complete and check berth.yaml
with it. Put this line at the top of berth.yaml (berth init and
berth import compose write it):

  ` + "# yaml-language-server: $schema=" + config.SchemaURL + `

or save the schema next to it and point at the file:

  berth schema > berth.schema.json
  # yaml-language-server: $schema=./berth.schema.json`

// SchemaOptions are the inputs of `berth schema`.
type SchemaOptions struct {
	genericiooptions.IOStreams
}

// NewCmdSchema builds `berth schema`.
func NewCmdSchema(f *Factory, runF func(context.Context, *SchemaOptions) error) *cobra.Command {
	o := &SchemaOptions{IOStreams: f.IOStreams}
	return &cobra.Command{
		Use:     "schema",
		Short:   "Print the JSON Schema of berth.yaml",
		Long:    schemaLong,
		Example: "  # Save the schema for your editor\n  berth schema > berth.schema.json",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return o.Run(cmd.Context())
		},
	}
}

// Run prints the schema.
func (o *SchemaOptions) Run(ctx context.Context) error {
	_, err := o.Out.Write(config.Schema())
	return err
}
