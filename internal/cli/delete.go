package cli

import (
	"context"
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
	appArg
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

// Run deletes the app with the deploy package's Delete, asking first.
func (o *DeleteOptions) Run(ctx context.Context) error {
	app, ns, c, err := o.f.AppOnCluster(o.App)
	if err != nil {
		return err
	}
	do := deploy.DeleteOptions{App: app, Namespace: ns, Volumes: o.Volumes, KeepHistory: o.KeepHistory, AlsoClaims: o.alsoClaims, Confirm: o.confirm, Holder: holder()}
	// What berth.yaml renders now goes too; when no berth.yaml is read or
	// it does not render, the current revision's objects are all there is.
	if p := o.f.projectIfLoads(o.App); p != nil {
		if res, err := renderProject(p, ns, nil, false); err == nil {
			do.Rendered = res.Objects
		}
	}
	d := &deploy.Deployer{Cluster: c, Locker: deploy.Leases{Client: c.Clientset}, Records: newRecords(c, ns), Out: o.Out, Log: o.ErrOut}
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

// confirm asks before plan is deleted (prompt.ConfirmDelete): y/N when
// stderr is a terminal (the answer may be piped in), --yes elsewhere; the
// claims' question is the Factory's.
func (o *DeleteOptions) confirm(ctx context.Context, plan deploy.DeletePlan) error {
	ask := prompt.Prompter{In: o.In, Out: o.ErrOut, IsTerminal: func() (int, bool) { return 0, o.f.stderrTTY && o.In != nil }}
	claims := func(what string) deploy.ConfirmVolumes {
		return confirmVolumes(o.f, plan.App, "--volumes", what, o.Yes)
	}
	return noTerminalUsage(ask.ConfirmDelete(ctx, plan, claims, o.Volumes, o.Yes))
}
