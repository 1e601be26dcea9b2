package cli

import (
	"fmt"
	"os"
	"os/user"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/kube"
	"github.com/berth-dev/berth/internal/version"
)

// rollFlags are the flags of the commands that roll the app out (deploy,
// apply, up and undo), with deploy.RollOptions' meaning.
type rollFlags struct {
	DryRun       string
	Force        bool
	PruneVolumes bool
	// Recreate applies changes of a StatefulSet's volumeClaimTemplates.
	Recreate bool
	// Yes confirms the claims --prune-volumes deletes.
	Yes        bool
	Wait       bool
	Timeout    time.Duration
	WaitLock   time.Duration
	HistoryMax int
}

// add adds the flags but --yes. applies is what --dry-run=none does,
// pruned the claims --prune-volumes deletes, bounded what --timeout
// bounds.
func (r *rollFlags) add(fl *pflag.FlagSet, applies, pruned, bounded string) {
	fl.StringVar(&r.DryRun, "dry-run", "none", `"server" sends a dry run to the API server, "client" only reports, "none" `+applies)
	fl.BoolVar(&r.Force, "force-conflicts", false, "take over fields another tool (kubectl scale/edit, a controller) owns")
	fl.BoolVar(&r.PruneVolumes, "prune-volumes", false, "also delete PersistentVolumeClaims "+pruned+" (their data is lost)")
	fl.BoolVar(&r.Recreate, "recreate-statefulset", false, "apply a change of a StatefulSet's volumes: expand its claims, delete it with its pods orphaned, create it again")
	fl.BoolVar(&r.Wait, "wait", true, "wait until every workload is healthy")
	fl.DurationVar(&r.Timeout, "timeout", 5*time.Minute, "how long the rollout may take: "+bounded+", health wait and prune (the record is written after it)")
	fl.DurationVar(&r.WaitLock, "wait-lock", 0, "wait this long for another berth deploying the app to finish (0: fail at once, naming it)")
	fl.IntVar(&r.HistoryMax, "history-max", deploy.DefaultHistoryMax, "revisions to keep (the current and the last good one are always kept)")
}

// addYes adds --yes, for the claims --prune-volumes lists.
func (r *rollFlags) addYes(fl *pflag.FlagSet) {
	fl.BoolVarP(&r.Yes, "yes", "y", false, "delete the claims --prune-volumes lists without asking")
}

// check checks the values and turns --dry-run into kube's name for it.
func (r *rollFlags) check() error {
	switch r.DryRun {
	case "none", "":
		r.DryRun = kube.DryRunNone
	case kube.DryRunClient, kube.DryRunServer:
	default:
		return usageErrorf(`--dry-run must be "none", "server" or "client", not %q`, r.DryRun)
	}
	if r.Timeout <= 0 {
		return usageErrorf("--timeout must be positive")
	}
	if r.WaitLock < 0 {
		return usageErrorf("--wait-lock must not be negative")
	}
	return nil
}

// waits reports whether the rollout waits for health: not in a dry run.
func (r *rollFlags) waits() bool { return r.Wait && r.DryRun == kube.DryRunNone }

// options are the flags as deploy.RollOptions for app; claims that
// --prune-volumes deletes are confirmed as confirmVolumes does.
func (r *rollFlags) options(f *Factory, app string) deploy.RollOptions {
	return deploy.RollOptions{
		DryRun: r.DryRun, Force: r.Force, PruneVolumes: r.PruneVolumes, RecreateStatefulSets: r.Recreate,
		ConfirmVolumes: confirmVolumes(f, app, "--prune-volumes", "", r.Yes),
		Wait:           r.waits(), Timeout: r.Timeout, HistoryMax: r.HistoryMax, Holder: holder(), WaitLock: r.WaitLock,
	}
}

// caller is what a revision records about who made it: the user
// (user@host) and berth's version.
func caller() deploy.Meta {
	return deploy.Meta{User: whoami(), BerthVersion: version.Get().Version}
}

// holder names this berth process to another that finds the app locked.
func holder() string {
	return fmt.Sprintf("%s pid %d (berth %s)", whoami(), os.Getpid(), strings.Join(os.Args[1:], " "))
}

func whoami() string {
	name := "unknown"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	host, _ := os.Hostname()
	return name + "@" + host
}
