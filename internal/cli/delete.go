package cli

import (
	"bufio"
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/kube"
	"github.com/berth-dev/berth/internal/render"
)

// DeleteOptions are the inputs of `berth delete`.
type DeleteOptions struct {
	genericiooptions.IOStreams
	Volumes     bool
	KeepHistory bool
	Yes         bool
	// alsoClaims are deleted by someone else (helm uninstall for down
	// --charts) but listed and confirmed with the app's.
	alsoClaims []kube.Ref
	f          *Factory
}

// NewCmdDelete builds `berth delete`.
func NewCmdDelete(f *Factory, runF func(context.Context, *DeleteOptions) error) *cobra.Command {
	o := &DeleteOptions{IOStreams: f.IOStreams, f: f}
	cmd := &cobra.Command{
		Use:   "delete",
		Short: "Delete the application from the cluster (claims kept unless --volumes)",
		Args:  noArgs,
		RunE:  runE(o, runF),
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

// Run deletes.
func (o *DeleteOptions) Run(ctx context.Context) error {
	p, c, ns, err := o.f.ProjectOnCluster()
	if err != nil {
		return err
	}
	records := newRecords(c, ns)
	var refs []kube.Ref
	seen := map[string]bool{}
	add := func(objs []render.Object) {
		for _, r := range deploy.Refs(objs) {
			if !seen[r.Key()] {
				seen[r.Key()] = true
				refs = append(refs, r)
			}
		}
	}
	current, err := records.Current(ctx, p.Name)
	if err != nil {
		return err
	}
	if current != nil {
		add(render.ParseManifest(current.Manifest).Objects())
	}
	if res, err := renderProject(p, ns, nil, false); err == nil {
		add(res.Objects)
	}
	var claims []kube.Claim
	if o.Volumes {
		// Claims earlier prunes kept are the app's too, though no revision
		// names them any more.
		kept, err := c.AppClaims(ctx, ns, p.Name)
		if err != nil {
			return err
		}
		for _, r := range kept {
			if !seen[r.Key()] {
				seen[r.Key()] = true
				refs = append(refs, r)
			}
		}
		if claims, err = c.ClaimsOf(ctx, append(append([]kube.Ref{}, refs...), o.alsoClaims...)); err != nil {
			return err
		}
	}
	if len(refs) == 0 && len(claims) == 0 {
		fmt.Fprintf(o.ErrOut, "nothing to delete for %s in namespace %s\n", p.Name, ns)
		return nil
	}
	var confirmed []kube.Ref
	for _, cl := range claims {
		confirmed = append(confirmed, cl.Ref)
	}
	if len(claims) > 0 {
		// One question for both: the objects and the claims' data.
		what := fmt.Sprintf("berth delete removes %s (%d objects) from namespace %s, and with ", p.Name, len(refs), ns)
		if err := confirmVolumes(o.f, p.Name, "--volumes", what, o.Yes)(ctx, claims); err != nil {
			return err
		}
	} else if !o.Yes {
		if !o.f.stderrTTY || o.In == nil {
			return usageErrorf("berth delete removes %s from namespace %s; pass --yes to confirm", p.Name, ns)
		}
		what := "its claims are kept"
		if o.Volumes {
			what = "ITS VOLUMES AND THEIR DATA TOO"
		}
		fmt.Fprintf(o.ErrOut, "Delete %s (%d objects) from namespace %s; %s. Continue? [y/N] ", p.Name, len(refs), ns, what)
		answer, _ := bufio.NewReader(o.In).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
			return fmt.Errorf("not deleted")
		}
	}
	results, err := c.Prune(ctx, refs, kube.PruneOptions{Volumes: o.Volumes, Claims: confirmed, VolumesFlag: "--volumes"})
	for _, r := range results {
		fmt.Fprintln(o.Out, deletedLine(r))
	}
	if err != nil {
		return err
	}
	if !o.KeepHistory {
		if _, err := records.Delete(ctx, p.Name); err != nil {
			return fmt.Errorf("deleting the release history: %w", err)
		}
	}
	fmt.Fprintf(o.ErrOut, "deleted %s from namespace %s\n", p.Name, ns)
	return nil
}

// deletedLine words a prune result as kubectl delete does.
func deletedLine(r kube.Result) string {
	if r.Action == kube.Pruned {
		return r.Ref.String() + " deleted"
	}
	return r.String()
}
