package release

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	hrelease "helm.sh/helm/v3/pkg/release"
)

// Summary is one app berth manages, as its newest revision says: a row of
// berth list.
type Summary struct {
	App       string `json:"app"`
	Namespace string `json:"namespace"`
	Revision  int    `json:"revision"`
	// Status is Helm's status of the newest revision (deployed, failed,
	// pending-upgrade, …).
	Status  string    `json:"status"`
	Updated time.Time `json:"updated"`
	// Images are the images the services run, by service (filled in by
	// rollout.Apps, from Manifest).
	Images map[string]string `json:"images,omitempty"`
	// Manifest is the newest revision's manifest.
	Manifest string `json:"-"`
}

// List returns the apps berth manages in the Store's namespace (every
// namespace for a Store of namespace ""), sorted by namespace and name:
// the Helm releases berth recorded (labelled managed-by berth, or holding
// berth's metadata). Releases Helm installed with charts of its own are
// left out.
func (s *Store) List(ctx context.Context) ([]Summary, error) {
	rels, err := s.storage(ctx).ListReleases()
	if err != nil {
		if s.namespace == "" {
			return nil, fmt.Errorf("listing the release records: %w", err)
		}
		return nil, fmt.Errorf("listing the release records in namespace %s: %w", s.namespace, err)
	}
	newest := map[[2]string]*hrelease.Release{}
	for _, rel := range rels {
		if !Managed(rel) {
			continue
		}
		k := [2]string{rel.Namespace, rel.Name}
		if n, ok := newest[k]; !ok || rel.Version > n.Version {
			newest[k] = rel
		}
	}
	out := make([]Summary, 0, len(newest))
	for _, rel := range newest {
		sum := Summary{App: rel.Name, Namespace: rel.Namespace, Revision: rel.Version, Manifest: rel.Manifest}
		if rel.Info != nil {
			sum.Status, sum.Updated = rel.Info.Status.String(), rel.Info.LastDeployed.Time
		}
		out = append(out, sum)
	}
	slices.SortFunc(out, func(a, b Summary) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.App, b.App))
	})
	return out, nil
}

// Apps returns the names of the apps berth manages in the Store's
// namespace, sorted.
func (s *Store) Apps(ctx context.Context) ([]string, error) {
	l, err := s.List(ctx)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(l))
	for _, sum := range l {
		names = append(names, sum.App)
	}
	return slices.Compact(names), nil
}

// Managed reports whether berth recorded rel: its managed-by label says
// berth, or its chart holds berth's metadata (a helm rollback to a berth
// revision copies both).
func Managed(rel *hrelease.Release) bool {
	if rel == nil {
		return false
	}
	if rel.Labels[LabelManagedBy] == "berth" {
		return true
	}
	return rel.Chart != nil && rel.Chart.Metadata != nil && rel.Chart.Metadata.Annotations[MetaAnnotation] != ""
}
