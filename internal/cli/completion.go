package cli

import (
	"os"
	"slices"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/rollout"
)

// Shell completion: cobra's completion command with berth's examples, and
// the functions that offer berth.yaml's services, environments and the
// recorded revisions as arguments and flag values.

// completeEnvironments offers the environments of berth.yaml for -e.
func (f *Factory) completeEnvironments(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	p, err := f.LoadProjectEnv("")
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return p.EnvironmentNames(), cobra.ShellCompDirectiveNoFileComp
}

// completeServices offers the services not yet in args: berth.yaml's,
// or with --app (or when berth.yaml does not load) those of the app's
// newest revision in the cluster.
func (f *Factory) completeServices(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	var names []string
	app, _ := cmd.Flags().GetString("app")
	if p, err := f.LoadProjectEnv(""); err == nil && app == "" {
		names = p.ServiceNames()
	} else if app, ns, c, err := f.AppOnCluster(app); err == nil {
		names, _ = deploy.RecordedServices(cmd.Context(), newRecords(c, ns), app)
	}
	return slices.DeleteFunc(names, func(n string) bool { return slices.Contains(args, n) }), cobra.ShellCompDirectiveNoFileComp
}

// completeOneService offers services for commands that take one.
func (f *Factory) completeOneService(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return f.completeServices(cmd, args, toComplete)
}

// completeServiceCounts offers SERVICE= for berth scale.
func (f *Factory) completeServiceCounts(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	names, dir := f.completeServices(cmd, nil, toComplete)
	return deploy.ReplicaChoices(names, args), dir | cobra.ShellCompDirectiveNoSpace
}

// completeRevisions offers the app's recorded revisions, with their
// status, for --revision and --to-revision.
func (f *Factory) completeRevisions(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	app := ""
	if len(args) > 0 {
		app = args[0]
	}
	app, ns, c, err := f.AppOnCluster(app)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	h, err := newRecords(c, ns).History(cmd.Context(), app)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return rollout.RevisionChoices(h), cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveKeepOrder
}

// completeSecrets offers the secrets of berth.yaml and their keys.
func (f *Factory) completeSecrets(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	data, err := os.ReadFile(f.ConfigPath())
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	names, _ := config.SecretNames(f.ConfigPath(), data)
	return names, cobra.ShellCompDirectiveNoFileComp
}
