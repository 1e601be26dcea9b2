package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/internal/output"
	"github.com/berth-dev/berth/internal/version"
)

// VersionOptions are the inputs of `berth version`.
type VersionOptions struct {
	cmdBase
}

// NewCmdVersion builds `berth version`.
func NewCmdVersion(f *Factory, runF func(context.Context, *VersionOptions) error) *cobra.Command {
	o := &VersionOptions{cmdBase: newBase(f, "text", "json", "yaml")}
	return &cobra.Command{
		Use:   "version",
		Short: "Print berth's version, commit and build date",
		Args:  noArgs,
		RunE:  runE(o, runF),
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
