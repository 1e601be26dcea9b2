package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/kube"
	"github.com/berth-dev/berth/internal/output"
	"github.com/berth-dev/berth/internal/prompt"
)

// DeleteOptions are the inputs of `berth delete`.
type DeleteOptions struct {
	cmdBase
	// App is the app named as an argument ("": berth.yaml's).
	App         string
	Volumes     bool
	KeepHistory bool
	Yes         bool
	// alsoClaims are deleted by someone else (helm uninstall for down
	// --charts) but listed and confirmed with the app's.
	alsoClaims []kube.Ref
}

// NewCmdDelete builds `berth delete`.
func NewCmdDelete(f *Factory, runF func(context.Context, *DeleteOptions) error) *cobra.Command {
	o := &DeleteOptions{cmdBase: newBase(f)}
	cmd := &cobra.Command{
		Use:               "delete [APP]",
		Short:             "Delete the application from the cluster (claims kept unless --volumes)",
		Args:              cobra.MaximumNArgs(1),
		RunE:              runE(o, runF),
		ValidArgsFunction: f.completeApps,
	}
	addDeleteFlags(cmd.Flags(), o)
	return cmd
}

// addDeleteFlags adds the flags of delete and down.
func addDeleteFlags(fl *pflag.FlagSet, o *DeleteOptions) {
	fl.BoolVar(&o.Volumes, "volumes", false, "also delete PersistentVolumeClaims (their data is lost)")
	fl.BoolVar(&o.KeepHistory, "keep-history", false, "keep the release records (berth history, helm history)")
	fl.BoolVarP(&o.Yes, "yes", "y", false, "do not ask for confirmation")
}

// Complete takes the app argument.
func (o *DeleteOptions) Complete(_ *cobra.Command, args []string) error {
	if len(args) == 1 {
		o.App = args[0]
	}
	return nil
}

// Run deletes the app with the deploy package's Delete, asking first.
func (o *DeleteOptions) Run(ctx context.Context) error {
	app, ns, c, err := o.f.AppOnCluster(o.App)
	if err != nil {
		return err
	}
	do := deploy.DeleteOptions{App: app, Namespace: ns, Volumes: o.Volumes, KeepHistory: o.KeepHistory, AlsoClaims: o.alsoClaims, Confirm: o.confirm}
	// What berth.yaml renders now goes too; when no berth.yaml is read or
	// it does not render, the current revision's objects are all there is.
	if p := o.f.projectIfLoads(o.App); p != nil {
		if res, err := renderProject(p, ns, nil, false); err == nil {
			do.Rendered = res.Objects
		}
	}
	d := &deploy.Deployer{Cluster: c, Records: newRecords(c, ns), Out: o.Out, Log: o.ErrOut}
	out, err := d.Delete(ctx, do)
	if out != nil {
		for _, r := range out.Results {
			fmt.Fprintln(o.Out, output.DeletedLine(r))
		}
	}
	switch {
	case err != nil:
		return err
	case out.Nothing && o.App != "":
		// A named app with nothing to delete is likely a typo: say which apps there are.
		return deploy.NotDeployed(ctx, d.Records, app, ns)
	case out.Nothing:
		fmt.Fprintf(o.ErrOut, "nothing to delete for %s in namespace %s\n", app, ns)
	default:
		fmt.Fprintf(o.ErrOut, "deleted %s from namespace %s\n", app, ns)
	}
	return nil
}

// confirm asks before plan is deleted: with claims, one question for both
// the objects and the claims' data; else y/N when stderr is a terminal,
// --yes elsewhere.
func (o *DeleteOptions) confirm(ctx context.Context, plan deploy.DeletePlan) error {
	if len(plan.Claims) > 0 {
		what := fmt.Sprintf("berth delete removes %s (%d objects) from namespace %s, and with ", plan.App, len(plan.Refs), plan.Namespace)
		return confirmVolumes(o.f, plan.App, "--volumes", what, o.Yes)(ctx, plan.Claims)
	}
	if o.Yes {
		return nil
	}
	what := "its claims are kept"
	if o.Volumes {
		what = "ITS VOLUMES AND THEIR DATA TOO"
	}
	ask := prompt.Prompter{In: o.In, Out: o.ErrOut, IsTerminal: func() (int, bool) { return 0, o.f.stderrTTY && o.In != nil }}
	yes, err := ask.Confirm(fmt.Sprintf("Delete %s (%d objects) from namespace %s; %s. Continue?", plan.App, len(plan.Refs), plan.Namespace, what))
	var nt *prompt.NoTerminalError
	switch {
	case errors.As(err, &nt):
		return usageErrorf("berth delete removes %s from namespace %s; pass --yes to confirm", plan.App, plan.Namespace)
	case !yes:
		return fmt.Errorf("not deleted")
	}
	return nil
}
