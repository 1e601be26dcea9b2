package cli

import (
	"cmp"
	"context"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/kube"
	"github.com/berth-dev/berth/internal/render"
)

// AppOnCluster resolves the app a day-2 command works on and connects to
// its cluster. Given app, no berth.yaml is read: the namespace is -n, else
// the kube context's, else "default". Without it, berth.yaml names the app
// and its namespace (-e's), read with config.Identify: the ${VAR}s only
// deploying needs need not be set.
func (f *Factory) AppOnCluster(app string) (string, string, *kube.Client, error) {
	ns := f.Namespace()
	if app == "" {
		id, err := config.Identify(f.ConfigPath(), config.Options{Env: f.Env, LookupEnv: f.LookupEnv})
		if err != nil {
			return "", "", nil, err
		}
		app = id.Name
		ns = cmp.Or(ns, id.Namespace)
	}
	ns, c, err := f.namespaceOnCluster(ns)
	return app, ns, c, err
}

// namespaceOnCluster connects to the cluster and resolves namespace ns:
// given, else the kube context's, else "default".
func (f *Factory) namespaceOnCluster(ns string) (string, *kube.Client, error) {
	c, err := f.KubeClient()
	if err != nil {
		return "", nil, err
	}
	return cmp.Or(ns, c.Namespace, render.DefaultNamespace), c, nil
}

// workloadOnCluster resolves service's Deployment or StatefulSet from the
// newest revision of the app (AppOnCluster's), for the per-service day-2
// commands: no berth.yaml variables needed.
func (f *Factory) workloadOnCluster(ctx context.Context, app, service string) (string, kube.Ref, *kube.Client, error) {
	app, ns, c, err := f.AppOnCluster(app)
	if err != nil {
		return "", kube.Ref{}, nil, err
	}
	ref, err := deploy.RecordedWorkload(ctx, newRecords(c, ns), app, ns, service)
	if err != nil {
		return "", kube.Ref{}, nil, err
	}
	return app, ref, c, nil
}

// addAppFlag adds --app, the app of a per-service command (default:
// berth.yaml's).
func (f *Factory) addAppFlag(cmd *cobra.Command, app *string) {
	cmd.Flags().StringVar(app, "app", "", "the app the service belongs to (default: berth.yaml's name); with -n, no berth.yaml is read")
	_ = cmd.RegisterFlagCompletionFunc("app", f.completeApps)
}

// projectIfLoads is berth.yaml when no app is named and it loads (its
// variables set), else nil: what berth.yaml adds to a day-2 command
// (the services and charts to expect) is optional.
func (f *Factory) projectIfLoads(app string) *config.Project {
	if app != "" {
		return nil
	}
	p, _ := f.LoadProject()
	return p
}

// completeApps offers the apps berth manages in the namespace (-n, else
// the kube context's) for [APP] and --app.
func (f *Factory) completeApps(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 && cmd.Flags().Lookup("app") == nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	ns, c, err := f.namespaceOnCluster(f.Namespace())
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	apps, _ := newRecords(c, ns).Apps(cmd.Context())
	return apps, cobra.ShellCompDirectiveNoFileComp
}
