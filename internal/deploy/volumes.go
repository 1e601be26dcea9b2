package deploy

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/berth-dev/berth/internal/kube"
)

// ConfirmVolumes approves the deletion of claims, and with them the data
// of their volumes, before anything is written; it returns an error to
// refuse.
type ConfirmVolumes func(ctx context.Context, claims []kube.Claim) error

// volumeWork is what a rollout does to volumes besides the apply: claims
// to grow and StatefulSets to recreate before it, and the claims its prune
// may delete.
type volumeWork struct {
	expand   []expansion
	recreate []kube.Ref
	// replacePods are recreated StatefulSets with a new volume: their pods
	// are replaced one at a time after the apply, within timeout.
	replacePods []kube.Ref
	timeout     time.Duration
	// pruneClaims were confirmed for deletion.
	pruneClaims []kube.Ref
}

type expansion struct {
	claim kube.Ref
	size  string
}

// recreateTimeout bounds the wait for an orphaned StatefulSet to go.
const recreateTimeout = time.Minute

// checkVolumes compares pl's claims and claim templates with the cluster's
// and gets the claims a prune would delete confirmed, all before anything
// is written: a change Kubernetes cannot make, a claim template change
// without RecreateStatefulSets, or claims to delete that are not confirmed
// refuse the rollout. A dry run asks for no confirmation.
func (d *Deployer) checkVolumes(ctx context.Context, st *state, pl *plan, o RollOptions) (*volumeWork, error) {
	changes, err := d.Cluster.VolumeChanges(ctx, pl.objs)
	if err != nil {
		return nil, err
	}
	if err := refusal(changes, o.RecreateStatefulSets); err != nil {
		return nil, err
	}
	w := &volumeWork{timeout: o.Timeout}
	if w.timeout <= 0 {
		w.timeout = 5 * time.Minute
	}
	for _, ch := range changes {
		switch {
		case ch.NeedsRecreate():
			if !slices.Contains(w.recreate, ch.Object) {
				w.recreate = append(w.recreate, ch.Object)
			}
			if ch.Kind == kube.VolumeExpanded {
				for _, cl := range ch.Claims {
					w.expand = append(w.expand, expansion{claim: cl, size: ch.To})
				}
			}
			if ch.Kind == kube.VolumeTemplateAdded && !slices.Contains(w.replacePods, ch.Object) {
				w.replacePods = append(w.replacePods, ch.Object)
			}
			if ch.Kind == kube.VolumeTemplateGone && len(ch.Claims) > 0 {
				fmt.Fprintf(d.Log, "%s: volume %s is no longer in berth.yaml; its claims %s are kept with their data\n", ch.Object, ch.Volume, refNames(ch.Claims))
			}
		case ch.Kind == kube.VolumeExpanded:
			fmt.Fprintf(d.Log, "%s: growing from %s to %s (its storage class allows expansion)\n", ch.Object, ch.From, ch.To)
		}
	}
	if !o.PruneVolumes {
		return w, nil
	}
	claims, err := d.Cluster.ClaimsOf(ctx, kube.Stale(st.applied, pl.refs))
	if err != nil {
		return nil, err
	}
	if len(claims) == 0 {
		return w, nil
	}
	if o.DryRun == kube.DryRunNone {
		if o.ConfirmVolumes == nil {
			return nil, &VolumeDeletionError{Claims: claims}
		}
		if err := o.ConfirmVolumes(ctx, claims); err != nil {
			return nil, err
		}
	}
	for _, cl := range claims {
		w.pruneClaims = append(w.pruneClaims, cl.Ref)
	}
	return w, nil
}

// refusal is the VolumeChangeError of changes, or nil when all of them can
// be made (with recreate, those of claim templates too).
func refusal(changes []kube.VolumeChange, recreate bool) error {
	verr := &VolumeChangeError{}
	for _, ch := range changes {
		switch {
		case ch.Problem != "":
			verr.Refused = append(verr.Refused, ch)
		case ch.NeedsRecreate():
			verr.Recreate = append(verr.Recreate, ch)
		}
	}
	if len(verr.Refused) > 0 || (len(verr.Recreate) > 0 && !recreate) {
		return verr
	}
	return nil
}

// apply grows the claims and recreates the StatefulSets of w, then applies
// objs; a dry run says what it would do and leaves the StatefulSets to
// recreate out of the apply (the API server would refuse them).
func (d *Deployer) apply(ctx context.Context, w *volumeWork, objs []*unstructured.Unstructured, opts kube.ApplyOptions) ([]kube.Result, error) {
	if opts.DryRun != kube.DryRunNone {
		for _, e := range w.expand {
			fmt.Fprintf(d.Log, "%s would be expanded to %s (%s dry run)\n", e.claim, e.size, opts.DryRun)
		}
		for _, r := range w.recreate {
			fmt.Fprintf(d.Log, "%s would be deleted with its pods orphaned and created again with the new volumeClaimTemplates (%s dry run)\n", r, opts.DryRun)
		}
		for _, r := range w.replacePods {
			fmt.Fprintf(d.Log, "%s: its pods would be replaced one at a time to get the new volumes (%s dry run)\n", r, opts.DryRun)
		}
		return d.Cluster.Apply(ctx, without(objs, w.recreate), opts)
	}
	for _, e := range w.expand {
		changed, err := d.Cluster.ExpandClaim(ctx, e.claim, e.size)
		if err != nil {
			return nil, err
		}
		if changed {
			fmt.Fprintf(d.Out, "%s expanded to %s\n", e.claim, e.size)
		}
	}
	for _, r := range w.recreate {
		fmt.Fprintf(d.Log, "%s: deleting it with its pods orphaned (they keep running, and keep their claims) to create it again with the new volumeClaimTemplates (--recreate-statefulset)\n", r)
		if err := d.Cluster.OrphanStatefulSet(ctx, r, recreateTimeout); err != nil {
			return nil, err
		}
	}
	results, err := d.Cluster.Apply(ctx, objs, opts)
	if err != nil {
		return results, err
	}
	for _, r := range w.replacePods {
		err := d.Cluster.ReplacePodsMissingVolumes(ctx, r, w.timeout, func(pod string, missing []string) {
			fmt.Fprintf(d.Log, "%s: replacing pod %s, which lacks volume %s (the StatefulSet controller cannot add a volume to a running pod)\n", r, pod, strings.Join(missing, ", "))
		})
		if err != nil {
			return results, err
		}
	}
	return results, nil
}

func without(objs []*unstructured.Unstructured, refs []kube.Ref) []*unstructured.Unstructured {
	if len(refs) == 0 {
		return objs
	}
	var out []*unstructured.Unstructured
	for _, o := range objs {
		if !slices.ContainsFunc(refs, func(r kube.Ref) bool { return r.Key() == kube.RefOf(o).Key() }) {
			out = append(out, o)
		}
	}
	return out
}

func refNames(refs []kube.Ref) string {
	names := make([]string, len(refs))
	for i, r := range refs {
		names[i] = r.Name
	}
	return strings.Join(names, ", ")
}

// VolumeChangeError is a rollout refused before anything was written:
// claims or claim templates changed in a way Kubernetes does not apply.
type VolumeChangeError struct {
	// Refused are changes no flag makes possible (shrinking, another access
	// mode or storage class, growing on a class that does not allow it).
	Refused []kube.VolumeChange
	// Recreate are changes of a StatefulSet's volumeClaimTemplates, which
	// the API server forbids on a live StatefulSet: they need
	// --recreate-statefulset.
	Recreate []kube.VolumeChange
}

func (e *VolumeChangeError) Error() string {
	var b strings.Builder
	b.WriteString("nothing was applied: ")
	list := func(chs []kube.VolumeChange) {
		for _, ch := range chs {
			b.WriteString("\n  - " + ch.String())
		}
	}
	if len(e.Refused) > 0 {
		b.WriteString("Kubernetes cannot make these volume changes:")
		list(e.Refused)
		if len(e.Recreate) > 0 {
			b.WriteString("\nand these need the StatefulSet recreated (--recreate-statefulset):")
			list(e.Recreate)
		}
		return b.String()
	}
	b.WriteString("the API server forbids changing the volumeClaimTemplates of an existing StatefulSet, and berth.yaml changes them:")
	list(e.Recreate)
	return b.String()
}

// Hint gives the supported ways out.
func (e *VolumeChangeError) Hint() string {
	var hs []string
	kinds := map[kube.VolumeChangeKind]bool{}
	for _, ch := range append(append([]kube.VolumeChange{}, e.Refused...), e.Recreate...) {
		kinds[ch.Kind] = true
	}
	if len(e.Refused) > 0 {
		hs = append(hs, "put the refused values back in berth.yaml (the live claim's size, access mode and storage class), or")
		if kinds[kube.VolumeExpanded] {
			hs = append(hs, "to grow a volume, its storage class needs allowVolumeExpansion: true (a class defined under storageClasses in berth.yaml, or kubectl patch storageclass NAME -p '{\"allowVolumeExpansion\":true}' when its driver can resize), or")
		}
		hs = append(hs, "give the volume a new name in berth.yaml: berth creates a new, empty claim with the new settings and keeps the old one with its data (copy the data over yourself); for a StatefulSet that also needs --recreate-statefulset")
		return strings.Join(hs, "\n")
	}
	var claims []string
	var sets []string
	for _, ch := range e.Recreate {
		if !slices.Contains(sets, ch.Object.Name) {
			sets = append(sets, ch.Object.Name)
		}
		if ch.Kind == kube.VolumeExpanded {
			for _, cl := range ch.Claims {
				claims = append(claims, cl.Name+" to "+ch.To)
			}
		}
	}
	how := "re-run with --recreate-statefulset: berth "
	if len(claims) > 0 {
		how += "expands the existing claims (" + strings.Join(claims, ", ") + "; their storage class allows it), then "
	}
	how += "deletes statefulset " + strings.Join(sets, ", ") + " with its pods orphaned (they keep running with their claims, as kubectl delete --cascade=orphan) and creates it again with the new volumeClaimTemplates; the new StatefulSet adopts the pods"
	if kinds[kube.VolumeTemplateAdded] || kinds[kube.VolumeTemplateGone] {
		how += "; berth then replaces the pods one at a time, lowest ordinal first, to give them the new volumes (the controller cannot add a volume to a running pod); claims of a removed volume are kept"
	}
	hs = append(hs, how)
	if kinds[kube.VolumeExpanded] {
		hs = append(hs, "or give the volume a new name in berth.yaml (also with --recreate-statefulset): new, empty claims of the new size, the old ones kept with their data (copy it over yourself)",
			"or keep the old size in berth.yaml")
	} else {
		hs = append(hs, "or put the old volumes back in berth.yaml")
	}
	return strings.Join(hs, "\n")
}

// VolumeDeletionError is a rollout or delete that would delete claims
// nobody confirmed; nothing was written.
type VolumeDeletionError struct {
	// Flag is what asked for the deletion (--prune-volumes, --volumes).
	Flag   string
	Claims []kube.Claim
}

func (e *VolumeDeletionError) Error() string {
	flag := e.Flag
	if flag == "" {
		flag = "--prune-volumes"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "nothing was changed: %s would delete %d claims and the data of their volumes:", flag, len(e.Claims))
	for _, cl := range e.Claims {
		b.WriteString("\n  - " + cl.String())
	}
	return b.String()
}

// Hint says how to confirm.
func (e *VolumeDeletionError) Hint() string {
	return "pass --yes to delete exactly these (a terminal asks for the app's name instead), or leave the flag out to keep them"
}

// PrintClaims lists claims to delete, one a line.
func PrintClaims(w io.Writer, claims []kube.Claim) {
	for _, cl := range claims {
		fmt.Fprintf(w, "  - %s\n", cl)
	}
}
