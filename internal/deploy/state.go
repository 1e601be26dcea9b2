package deploy

import (
	"sort"
	"strings"

	"helm.sh/helm/v3/pkg/chart"
	hrelease "helm.sh/helm/v3/pkg/release"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/berth-dev/berth/internal/kube"
	"github.com/berth-dev/berth/internal/release"
	"github.com/berth-dev/berth/internal/render"
)

// plan is one revision to roll out: what to apply and what to record.
type plan struct {
	app, namespace string
	objs           []*unstructured.Unstructured
	refs           []kube.Ref
	chart          *chart.Chart
	values         map[string]any
	manifest       string
	meta           Meta
}

func newPlan(app, ns string, ch *chart.Chart, values map[string]any, m *render.Manifest, meta Meta) (*plan, error) {
	objs, err := Objects(m.Objects())
	if err != nil {
		return nil, err
	}
	return &plan{app: app, namespace: ns, objs: objs, refs: Refs(m.Objects()), chart: ch, values: values, manifest: m.String(), meta: meta}, nil
}

// state is what the release history says before a rollout.
type state struct {
	history []release.Revision
	// current is the last deployed revision, or nil.
	current *hrelease.Release
	// applied are the objects that may be on the cluster: those of the
	// current revision and of every revision after it (failed ones were
	// applied, at least in part). Pruning starts from them.
	applied []kube.Ref
	// manifests are the manifests of current and the revisions after it,
	// parsed once, by revision number.
	manifests map[int]*render.Manifest
}

func readState(h []release.Revision) *state {
	st := &state{history: h, manifests: map[int]*render.Manifest{}}
	from := 0
	for i, r := range h {
		if r.Release.Info != nil && r.Release.Info.Status == hrelease.StatusDeployed {
			st.current = r.Release
			from = i
		}
	}
	seen := map[string]bool{}
	for _, r := range h[from:] {
		m := render.ParseManifest(r.Release.Manifest)
		st.manifests[r.Release.Version] = m
		for _, ref := range Refs(m.Objects()) {
			if !seen[ref.Key()] {
				seen[ref.Key()] = true
				st.applied = append(st.applied, ref)
			}
		}
	}
	return st
}

// lastManifest is the manifest of the newest revision, which the cluster
// holds (in part, if it failed), or nil before the first.
func (st *state) lastManifest() *render.Manifest {
	if len(st.history) == 0 {
		return nil
	}
	return st.manifest(st.history[len(st.history)-1].Release)
}

// manifest is the parsed manifest of rel, parsed by readState when it is
// the current revision or one after it.
func (st *state) manifest(rel *hrelease.Release) *render.Manifest {
	if rel == nil {
		return nil
	}
	if m, ok := st.manifests[rel.Version]; ok && m.String() == rel.Manifest {
		return m
	}
	return render.ParseManifest(rel.Manifest)
}

func sortedNames[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Objects decodes rendered objects for the kube package.
func Objects(objs []render.Object) ([]*unstructured.Unstructured, error) {
	docs := make([][]byte, len(objs))
	for i, o := range objs {
		docs[i] = o.YAML
	}
	return kube.Decode(docs)
}

// InstanceSelector selects the objects berth renders for an app.
func InstanceSelector(app string) string { return "app.kubernetes.io/instance=" + app }

// Refs names rendered objects for the kube package.
func Refs(objs []render.Object) []kube.Ref {
	out := make([]kube.Ref, 0, len(objs))
	for _, o := range objs {
		group, version, ok := strings.Cut(o.APIVersion, "/")
		if !ok {
			group, version = "", o.APIVersion
		}
		out = append(out, kube.Ref{Group: group, Version: version, Kind: o.Kind, Namespace: o.Namespace, Name: o.Name})
	}
	return out
}
