package cli

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/internal/diagnose"
	"github.com/berth-dev/berth/internal/output"
	"github.com/berth-dev/berth/internal/status"
)

// StatusOptions are the inputs of `berth status`.
type StatusOptions struct {
	cmdBase
	appArg
}

// NewCmdStatus builds `berth status`.
func NewCmdStatus(f *Factory, runF func(context.Context, *StatusOptions) error) *cobra.Command {
	o := &StatusOptions{cmdBase: newBase(f, "table", "json", "yaml")}
	return &cobra.Command{
		Use:               "status [APP]",
		Short:             "Show the application's workloads, images, endpoints and revision",
		Args:              cobra.MaximumNArgs(1),
		RunE:              runE(o, runF),
		ValidArgsFunction: f.completeApps,
	}
}

// Run reads the live state and prints it.
func (o *StatusOptions) Run(ctx context.Context) error {
	app, ns, c, err := o.f.AppOnCluster(o.App)
	if err != nil {
		return err
	}
	r := &status.Reader{Client: c.Clientset, Records: newRecords(c, ns), Diagnoser: diagnose.Explainer{Client: c.Clientset}, Charts: chartInstaller(o.f, 0)}
	var st *status.App
	// berth.yaml, when it loads, says which services and charts to expect;
	// else the newest revision's manifest does.
	if p := o.f.projectIfLoads(o.App); p != nil {
		st, err = r.Read(ctx, p, ns)
	} else {
		st, err = r.ReadApp(ctx, app, ns)
	}
	if err != nil {
		return err
	}
	if o.format != "table" {
		st.APIVersion = output.APIVersion
		return output.Data(o.Out, o.format, st)
	}
	output.Status(o.Out, st, time.Now())
	return nil
}
