package cli

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/internal/config"
)

// Shell completion: cobra's completion command with berth's examples, and
// the functions that offer berth.yaml's services, environments and the
// recorded revisions as arguments and flag values.

// addCompletionCmd adds cobra's completion command now rather than when
// it runs (after addFileFlag: it takes no berth.yaml), so that addHelp
// gives it and its subcommands examples (help/completion*.txtar).
func addCompletionCmd(root *cobra.Command) {
	root.InitDefaultCompletionCmd()
}

// completeEnvironments offers the environments of berth.yaml for -e.
func (f *Factory) completeEnvironments(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	p, err := f.LoadProjectEnv("")
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var names []string
	for name := range p.Environments {
		names = append(names, name)
	}
	return names, cobra.ShellCompDirectiveNoFileComp
}

// completeServices offers the services of berth.yaml as arguments.
func (f *Factory) completeServices(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	p, err := f.LoadProjectEnv("")
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var names []string
	for name := range p.Services {
		if !slices.Contains(args, name) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names, cobra.ShellCompDirectiveNoFileComp
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
	var out []string
	for _, n := range names {
		if !slices.ContainsFunc(args, func(a string) bool { return strings.HasPrefix(a, n+"=") }) {
			out = append(out, n+"=")
		}
	}
	return out, dir | cobra.ShellCompDirectiveNoSpace
}

// completeRevisions offers the app's recorded revisions, with their
// status, for --revision and --to-revision.
func (f *Factory) completeRevisions(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	p, c, ns, err := f.ProjectOnCluster()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	revs, err := newRecords(c, ns).History(cmd.Context(), p.Name)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for i := len(revs) - 1; i >= 0; i-- {
		r := revs[i].Release
		out = append(out, fmt.Sprintf("%d\t%s", r.Version, r.Info.Status))
	}
	return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveKeepOrder
}

// completeSecrets offers the secrets of berth.yaml and their keys.
func (f *Factory) completeSecrets(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	data, err := os.ReadFile(f.ConfigPath())
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	texts, err := config.SecretTexts(f.ConfigPath(), data)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	seen := map[string]bool{}
	var out []string
	for _, st := range texts {
		for _, name := range []string{st.Secret, st.Secret + "." + st.Key} {
			if !seen[name] {
				seen[name] = true
				out = append(out, name)
			}
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}
