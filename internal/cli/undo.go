package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/kube"
	"github.com/berth-dev/berth/internal/registry"
	"github.com/berth-dev/berth/internal/version"
)

// UndoOptions are the inputs of berth undo.
type UndoOptions struct {
	genericiooptions.IOStreams
	ToRevision   int
	DryRun       string
	Force        bool
	PruneVolumes bool
	Recreate     bool
	Yes          bool
	Wait         bool
	Timeout      time.Duration
	WaitLock     time.Duration
	HistoryMax   int

	format string
	f      *Factory
}

// NewCmdUndo builds berth undo.
func NewCmdUndo(f *Factory, runF func(context.Context, *UndoOptions) error) *cobra.Command {
	o := &UndoOptions{IOStreams: f.IOStreams, f: f}
	cmd := &cobra.Command{
		Use:   "undo [--to-revision N]",
		Short: "Roll the whole app back to an earlier revision, as a new revision",
		Args:  noArgs,
		RunE:  runE(o, runF),
	}
	fl := cmd.Flags()
	fl.IntVar(&o.ToRevision, "to-revision", 0, "the revision to return to (default: the last good one before the newest)")
	_ = cmd.RegisterFlagCompletionFunc("to-revision", f.completeRevisions)
	fl.StringVar(&o.DryRun, "dry-run", "none", `"server" sends a dry run to the API server, "client" only reports, "none" rolls back`)
	fl.BoolVar(&o.Force, "force-conflicts", false, "take over fields another tool (kubectl scale/edit, a controller) owns")
	fl.BoolVar(&o.PruneVolumes, "prune-volumes", false, "also delete PersistentVolumeClaims the revision did not have (their data is lost)")
	fl.BoolVarP(&o.Yes, "yes", "y", false, "delete the claims --prune-volumes lists without asking")
	fl.BoolVar(&o.Recreate, "recreate-statefulset", false, "apply a change of a StatefulSet's volumes: expand its claims, delete it with its pods orphaned, create it again")
	fl.BoolVar(&o.Wait, "wait", true, "wait until every workload is healthy")
	fl.DurationVar(&o.Timeout, "timeout", 5*time.Minute, "how long the rollout may take: apply, health wait and prune (the record is written after it)")
	fl.DurationVar(&o.WaitLock, "wait-lock", 0, "wait this long for another berth deploying the app to finish (0: fail at once, naming it)")
	fl.IntVar(&o.HistoryMax, "history-max", deploy.DefaultHistoryMax, "revisions to keep (the current and the last good one are always kept)")
	return cmd
}

// Complete reads and checks the flags.
func (o *UndoOptions) Complete(*cobra.Command, []string) error {
	var err error
	if o.format, err = outputFormat(o.f, "text", "json", "yaml"); err != nil {
		return err
	}
	if o.DryRun, err = dryRunMode(o.DryRun); err != nil {
		return err
	}
	switch {
	case o.ToRevision < 0:
		return usageErrorf("--to-revision must be a revision number (see berth history)")
	case o.Timeout <= 0:
		return usageErrorf("--timeout must be positive")
	}
	return nil
}

// Run rolls back.
func (o *UndoOptions) Run(ctx context.Context) error {
	start := time.Now()
	p, c, ns, err := o.f.ProjectOnCluster()
	if err != nil {
		return err
	}
	wait := o.Wait && o.DryRun == kube.DryRunNone
	d := newDeployer(o.f, c, ns, o.IOStreams, o.format != "text", wait)
	outcome, err := d.Undo(ctx, deploy.UndoOptions{
		RollOptions: deploy.RollOptions{
			DryRun: o.DryRun, Force: o.Force, PruneVolumes: o.PruneVolumes, RecreateStatefulSets: o.Recreate,
			ConfirmVolumes: confirmVolumes(o.f, p.Name, "--prune-volumes", "", o.Yes),
			Wait:           wait, Timeout: o.Timeout, HistoryMax: o.HistoryMax, Holder: holder(), WaitLock: o.WaitLock,
		},
		App: p.Name, Namespace: ns, ToRevision: o.ToRevision,
		Meta:   deploy.Meta{User: whoami(), BerthVersion: version.Get().Version},
		Images: &registry.Checker{},
	})
	run := rolloutRun{command: "undo", app: p.Name, namespace: ns, start: start}
	return run.report(o.f, o.IOStreams, o.format, outcome, err, o.DryRun, func(state string) string {
		return fmt.Sprintf("%s %s to revision %d, as revision %d in namespace %s: %s (%s)", o.f.paint("rolled back", green), p.Name, outcome.RolledBack, outcome.Revision, ns, state, time.Since(start).Round(100*time.Millisecond))
	})
}

// dryRunMode checks a --dry-run value and returns kube's name for it.
func dryRunMode(v string) (string, error) {
	switch v {
	case "none", "":
		return kube.DryRunNone, nil
	case kube.DryRunClient, kube.DryRunServer:
		return v, nil
	}
	return "", usageErrorf(`--dry-run must be "none", "server" or "client", not %q`, v)
}
