package kube

import (
	"context"
	"fmt"

	udiff "github.com/aymanbagabas/go-udiff"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// Change kinds of a Diff.
const (
	ChangeCreate = "create"
	ChangeUpdate = "update"
	ChangeDelete = "delete"
)

// Diff is how one object would change.
type Diff struct {
	Ref    Ref    `json:"object"`
	Change string `json:"change"`
	// Unified is the unified diff of the live object against the applied one.
	Unified string `json:"diff"`
}

// Diff compares live state with what applying objs (and pruning stale)
// would leave: the server-side dry-run apply of every object that a deploy
// makes before it writes (Check, with the same opts), both sides stripped
// of managed fields, status and server bookkeeping, Secret values masked.
// What the deploy would be refused (a field conflict, an allocated node
// port, an admission policy) is Check's *RefusedError. Objects that would
// not change are left out.
func (c *Client) Diff(ctx context.Context, objs []*unstructured.Unstructured, stale []Ref, opts ApplyOptions) ([]Diff, error) {
	results, err := c.Check(ctx, objs, opts)
	if err != nil {
		return nil, err
	}
	var out []Diff
	for _, r := range results {
		d, err := diffObjects(r.Ref, r.Live, r.Object, "live", "berth")
		if err != nil {
			return nil, err
		}
		if d.Unified != "" {
			out = append(out, d)
		}
	}
	for _, ref := range stale {
		res, err := c.Resource(ref)
		if err != nil {
			return nil, err
		}
		live, err := res.Get(ctx, ref.Name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			continue
		} else if err != nil {
			return nil, fmt.Errorf("reading %s: %w", ref, err)
		}
		if ref.Kind == "PersistentVolumeClaim" {
			continue // claims are kept, see Prune
		}
		d, err := diffObjects(ref, live, nil, "live", "berth")
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// DiffObjects compares two sets of objects offline, such as the manifests
// of two revisions: objects of to in their order, then those only in from.
// Secret values are masked; objects that are equal are left out. The
// sides of each diff are labelled fromName/OBJECT and toName/OBJECT.
func DiffObjects(from, to []*unstructured.Unstructured, fromName, toName string) ([]Diff, error) {
	old := make(map[string]*unstructured.Unstructured, len(from))
	for _, o := range from {
		old[RefOf(o).Key()] = o
	}
	var out []Diff
	seen := map[string]bool{}
	for _, o := range to {
		ref := RefOf(o)
		seen[ref.Key()] = true
		d, err := diffObjects(ref, old[ref.Key()], o, fromName, toName)
		if err != nil {
			return nil, err
		}
		if d.Unified != "" {
			out = append(out, d)
		}
	}
	for _, o := range from {
		if ref := RefOf(o); !seen[ref.Key()] {
			d, err := diffObjects(ref, o, nil, fromName, toName)
			if err != nil {
				return nil, err
			}
			out = append(out, d)
		}
	}
	return out, nil
}

func diffObjects(ref Ref, live, next *unstructured.Unstructured, fromName, toName string) (Diff, error) {
	d := Diff{Ref: ref, Change: ChangeUpdate}
	switch {
	case live == nil:
		d.Change = ChangeCreate
	case next == nil:
		d.Change = ChangeDelete
	}
	a, b := clean(live), clean(next)
	if ref.Kind == "Secret" && ref.Group == "" {
		maskSecrets(a, b)
	}
	before, err := toYAML(a)
	if err != nil {
		return d, err
	}
	after, err := toYAML(b)
	if err != nil {
		return d, err
	}
	if before == after {
		return d, nil
	}
	name := ref.String()
	d.Unified = udiff.Unified(fromName+"/"+name, toName+"/"+name, before, after)
	return d, nil
}

// clean drops what the server owns, and the change-cause berth records,
// so only meaningful changes show.
func clean(u *unstructured.Unstructured) map[string]any {
	if u == nil {
		return nil
	}
	m := u.DeepCopy().Object
	delete(m, "status")
	if md, ok := m["metadata"].(map[string]any); ok {
		for _, k := range []string{"managedFields", "resourceVersion", "generation", "uid", "creationTimestamp", "selfLink"} {
			delete(md, k)
		}
		if ann, ok := md["annotations"].(map[string]any); ok {
			delete(ann, "deployment.kubernetes.io/revision")
			// The cause of the last deploy, not a change of the app.
			delete(ann, "kubernetes.io/change-cause")
			if len(ann) == 0 {
				delete(md, "annotations")
			}
		}
	}
	return m
}

// maskSecrets replaces Secret values by markers that only tell whether a
// value changed, as kubectl diff does.
func maskSecrets(before, after map[string]any) {
	for _, field := range []string{"data", "stringData"} {
		bd, _ := before[field].(map[string]any)
		ad, _ := after[field].(map[string]any)
		for k, bv := range bd {
			if av, ok := ad[k]; ok && av != bv {
				bd[k], ad[k] = "*** (before)", "*** (after)"
			} else {
				bd[k] = "***"
			}
		}
		for k, av := range ad {
			if s, _ := av.(string); s != "*** (after)" {
				ad[k] = "***"
			}
		}
	}
}

func toYAML(m map[string]any) (string, error) {
	if m == nil {
		return "", nil
	}
	out, err := yaml.Marshal(m)
	return string(out), err
}
