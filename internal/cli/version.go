package cli

import (
	"context"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/berth-dev/berth/internal/output"
	"github.com/berth-dev/berth/internal/version"
)

// VersionOptions are the inputs of `berth version`.
type VersionOptions struct {
	genericiooptions.IOStreams
	format string
	f      *Factory
}

// NewCmdVersion builds `berth version`.
func NewCmdVersion(f *Factory, runF func(context.Context, *VersionOptions) error) *cobra.Command {
	o := &VersionOptions{IOStreams: f.IOStreams, f: f}
	return &cobra.Command{
		Use:     "version",
		Short:   "Print berth's version, commit and build date",
		Example: "  berth version\n  berth version -o json",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if o.format, err = outputFormat(f, "text", "json", "yaml"); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return o.Run(cmd.Context())
		},
	}
}

// Run prints the version.
func (o *VersionOptions) Run(ctx context.Context) error {
	info := version.Get()
	switch o.format {
	case "json", "yaml":
		return output.Data(o.Out, o.format, output.Versioned("Version", info))
	default:
		output.Version(o.Out, info)
	}
	return nil
}
