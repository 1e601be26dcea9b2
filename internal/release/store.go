package release

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chartutil"
	hrelease "helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage"
	"helm.sh/helm/v3/pkg/storage/driver"
	helmtime "helm.sh/helm/v3/pkg/time"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/kubernetes"
)

// DefaultHistoryMax is how many revisions Prune keeps by default, as Helm's
// --history-max.
const DefaultHistoryMax = 10

// Interrupted is the description RecoverPending gives the revisions it marks
// failed.
const Interrupted = "interrupted"

// MetaAnnotation is the annotation of a revision's chart (Chart.Metadata,
// stored inside the release) that holds Meta as JSON.
const MetaAnnotation = "berth.dev/meta"

// Labels berth adds to a release (Release.Labels), when the value is a valid
// label value.
const (
	LabelManagedBy    = "app.kubernetes.io/managed-by"
	LabelCommit       = "berth.dev/commit"
	LabelBerthVersion = "berth.dev/berth-version"
)

// Meta is what berth knows about a revision beyond what Helm stores.
type Meta struct {
	// Images are the references deployed, by service, with their digest
	// when known.
	Images map[string]string `json:"images,omitempty"`
	// Cause says why the revision was deployed; it is also the release's
	// description until the deploy fails.
	Cause        string `json:"cause,omitempty"`
	Commit       string `json:"commit,omitempty"`
	BerthVersion string `json:"berthVersion,omitempty"`
	User         string `json:"user,omitempty"`
	// Scaled are the replica counts berth scale set, by service; the next
	// deploy keeps them unless told to reset.
	Scaled map[string]Scale `json:"scaled,omitempty"`
}

// Scale is a replica count set by berth scale.
type Scale struct {
	Replicas int32 `json:"replicas"`
	// Config is what berth.yaml said when the count was set: when
	// berth.yaml says something else later, berth.yaml wins.
	Config int32 `json:"config"`
}

// Revision is one recorded revision with berth's metadata.
type Revision struct {
	Release *hrelease.Release
	// Meta is empty for revisions Helm installed or upgraded with another
	// chart; a helm rollback to N copies N's (see the package
	// documentation).
	Meta Meta
}

// Store reads and writes the release records of the apps of one namespace.
type Store struct {
	// client is nil for a Store on a driver of its own (NewStoreDriver).
	client    kubernetes.Interface
	namespace string
	drv       driver.Driver
}

// NewStore returns a Store of the releases in namespace.
func NewStore(client kubernetes.Interface, namespace string) *Store {
	return &Store{client: client, namespace: namespace}
}

// NewStoreDriver returns a Store of the releases in namespace kept by d,
// such as Helm's driver.NewMemory() in tests. It checks no deploy lock
// (there are no Leases beside d): its callers serialize themselves. A
// *driver.Memory is set to namespace.
func NewStoreDriver(d driver.Driver, namespace string) *Store {
	if m, ok := d.(*driver.Memory); ok {
		m.SetNamespace(namespace)
	}
	return &Store{namespace: namespace, drv: d}
}

// storage returns Helm's storage on the Store's driver, or on a Secrets
// driver whose client works with ctx.
func (s *Store) storage(ctx context.Context) *storage.Storage {
	if s.drv != nil {
		return storage.Init(s.drv)
	}
	c := &secretClient{SecretInterface: s.client.CoreV1().Secrets(s.namespace), ctx: ctx}
	return storage.Init(driver.NewSecrets(c))
}

func validApp(app string) error {
	if err := chartutil.ValidateReleaseName(app); err != nil {
		return fmt.Errorf("app name %q cannot be a Helm release name: %w", app, err)
	}
	return nil
}

// Begin records revision N+1 of app, where N is its newest revision, as
// pending-install when it is the first and pending-upgrade otherwise. It
// holds the chart ch (with its default values), the values it was rendered
// with, the rendered manifest and meta. Begin first marks revisions left
// pending as failed (RecoverPending), so the caller must hold the app's
// Lock; Begin fails with ErrNotLocked when nobody does.
func (s *Store) Begin(ctx context.Context, app string, ch *chart.Chart, values map[string]any, manifest string, meta Meta) (*hrelease.Release, error) {
	if err := validApp(app); err != nil {
		return nil, err
	}
	if ch == nil {
		return nil, errors.New("recording a revision without a chart")
	}
	if err := ch.Validate(); err != nil {
		return nil, fmt.Errorf("recording a revision of %s: invalid chart: %w", app, err)
	}
	if err := s.checkLocked(ctx, app); err != nil {
		return nil, err
	}
	// No secret values in the record (see RedactManifest).
	manifest, err := RedactManifest(manifest)
	if err != nil {
		return nil, fmt.Errorf("recording a revision of %s: %w", app, err)
	}
	values = RedactValues(values)
	redacted := *ch
	redacted.Values = RedactValues(ch.Values)
	ch, err = meta.stamp(&redacted)
	if err != nil {
		return nil, err
	}
	st := s.storage(ctx)
	h, err := history(st, app)
	if err != nil {
		return nil, err
	}
	if _, err := recoverPending(st, h); err != nil {
		return nil, err
	}
	now := helmtime.Now()
	rel := &hrelease.Release{
		Name:      app,
		Namespace: s.namespace,
		Chart:     ch,
		Config:    values,
		Manifest:  manifest,
		Version:   1,
		Labels:    meta.labels(),
		Info: &hrelease.Info{
			FirstDeployed: now,
			LastDeployed:  now,
			Status:        hrelease.StatusPendingInstall,
			Description:   meta.description(),
		},
	}
	if len(h) > 0 {
		last := h[len(h)-1]
		rel.Version = last.Version + 1
		rel.Info.Status = hrelease.StatusPendingUpgrade
		if last.Info != nil && !last.Info.FirstDeployed.IsZero() {
			rel.Info.FirstDeployed = last.Info.FirstDeployed
		}
	}
	if err := st.Create(rel); err != nil {
		return nil, fmt.Errorf("recording revision %d of %s: %w", rel.Version, app, err)
	}
	return rel, nil
}

// Succeed marks rel deployed, and every earlier deployed revision of its
// app superseded.
func (s *Store) Succeed(ctx context.Context, rel *hrelease.Release) error {
	if rel == nil || rel.Info == nil {
		return errors.New("marking a revision deployed: no revision")
	}
	st := s.storage(ctx)
	// Deployed first, superseded after: if berth dies in between, two
	// revisions are deployed (the newer one is current and the next Succeed
	// tidies up) rather than none.
	rel.Info.Status = hrelease.StatusDeployed
	if err := st.Update(rel); err != nil {
		return fmt.Errorf("marking revision %d of %s deployed: %w", rel.Version, rel.Name, err)
	}
	deployed, err := st.DeployedAll(rel.Name)
	if err != nil && !errors.Is(err, driver.ErrNoDeployedReleases) {
		return fmt.Errorf("reading the deployed revisions of %s: %w", rel.Name, err)
	}
	for _, d := range deployed {
		if d.Version >= rel.Version {
			continue
		}
		d.Info.Status = hrelease.StatusSuperseded
		d.Labels = withoutSystemLabels(d.Labels)
		if err := st.Update(d); err != nil {
			return fmt.Errorf("marking revision %d of %s superseded: %w", d.Version, rel.Name, err)
		}
	}
	return nil
}

// Fail marks rel failed, with reason as its description.
func (s *Store) Fail(ctx context.Context, rel *hrelease.Release, reason string) error {
	if rel == nil || rel.Info == nil {
		return errors.New("marking a revision failed: no revision")
	}
	st := s.storage(ctx)
	rel.SetStatus(hrelease.StatusFailed, reason)
	if err := st.Update(rel); err != nil {
		return fmt.Errorf("marking revision %d of %s failed: %w", rel.Version, rel.Name, err)
	}
	return nil
}

// Current returns the last deployed revision of app, or nil when none is
// deployed.
func (s *Store) Current(ctx context.Context, app string) (*hrelease.Release, error) {
	if err := validApp(app); err != nil {
		return nil, err
	}
	st := s.storage(ctx)
	rel, err := st.Deployed(app)
	if errors.Is(err, driver.ErrNoDeployedReleases) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the deployed revision of %s: %w", app, err)
	}
	rel.Labels = withoutSystemLabels(rel.Labels)
	return rel, nil
}

// Get returns revision version of app. When there is none, the error
// matches driver.ErrReleaseNotFound.
func (s *Store) Get(ctx context.Context, app string, version int) (*hrelease.Release, error) {
	if err := validApp(app); err != nil {
		return nil, err
	}
	st := s.storage(ctx)
	rel, err := st.Get(app, version)
	if err != nil {
		return nil, fmt.Errorf("reading revision %d of %s: %w", version, app, err)
	}
	return rel, nil
}

// Meta returns berth's metadata of revision version of app. When there is
// no such revision, the error matches driver.ErrReleaseNotFound.
func (s *Store) Meta(ctx context.Context, app string, version int) (Meta, error) {
	rel, err := s.Get(ctx, app, version)
	if err != nil {
		return Meta{}, err
	}
	m, err := MetaOf(rel)
	if err != nil {
		return Meta{}, fmt.Errorf("reading revision %d of %s: %w", version, app, err)
	}
	return m, nil
}

// History returns every recorded revision of app, oldest first, with
// berth's metadata; none is not an error.
func (s *Store) History(ctx context.Context, app string) ([]Revision, error) {
	if err := validApp(app); err != nil {
		return nil, err
	}
	rels, err := history(s.storage(ctx), app)
	if err != nil {
		return nil, err
	}
	out := make([]Revision, 0, len(rels))
	for _, rel := range rels {
		m, err := MetaOf(rel)
		if err != nil {
			return nil, fmt.Errorf("reading revision %d of %s: %w", rel.Version, app, err)
		}
		out = append(out, Revision{Release: rel, Meta: m})
	}
	return out, nil
}

// RecoverPending marks the revisions of app left pending (by a berth or a
// helm that was killed) as failed, with the description "interrupted", and
// returns them. Call it only while holding the app's Lock: a revision that
// another berth is deploying is pending too.
func (s *Store) RecoverPending(ctx context.Context, app string) ([]*hrelease.Release, error) {
	if err := validApp(app); err != nil {
		return nil, err
	}
	st := s.storage(ctx)
	h, err := history(st, app)
	if err != nil {
		return nil, err
	}
	return recoverPending(st, h)
}

// recoverPending marks the pending revisions of h failed, in storage and
// in h.
func recoverPending(st *storage.Storage, h []*hrelease.Release) ([]*hrelease.Release, error) {
	var recovered []*hrelease.Release
	for _, rel := range h {
		if rel.Info == nil || !rel.Info.Status.IsPending() {
			continue
		}
		rel.SetStatus(hrelease.StatusFailed, Interrupted)
		if err := st.Update(rel); err != nil {
			return recovered, fmt.Errorf("marking interrupted revision %d of %s failed: %w", rel.Version, rel.Name, err)
		}
		recovered = append(recovered, rel)
	}
	return recovered, nil
}

// Prune deletes the oldest revisions of app until at most max are left
// (max 0: no limit), and returns the versions it deleted. It never deletes
// the current deployed revision, the last good one before it (the newest
// superseded revision), the newest revision or a pending one, even when
// that leaves more than max.
func (s *Store) Prune(ctx context.Context, app string, max int) ([]int, error) {
	if err := validApp(app); err != nil {
		return nil, err
	}
	if max <= 0 {
		return nil, nil
	}
	st := s.storage(ctx)
	h, err := history(st, app)
	if err != nil {
		return nil, err
	}
	keep := protected(h)
	var deleted []int
	for _, rel := range h {
		if len(h)-len(deleted) <= max {
			break
		}
		if keep[rel.Version] {
			continue
		}
		if _, err := st.Delete(app, rel.Version); err != nil && !errors.Is(err, driver.ErrReleaseNotFound) {
			return deleted, fmt.Errorf("pruning revision %d of %s: %w", rel.Version, app, err)
		}
		deleted = append(deleted, rel.Version)
	}
	return deleted, nil
}

// protected returns the versions Prune keeps whatever max is; h is sorted
// oldest first.
func protected(h []*hrelease.Release) map[int]bool {
	keep := map[int]bool{}
	if len(h) == 0 {
		return keep
	}
	keep[h[len(h)-1].Version] = true
	current, lastGood := 0, 0
	for _, rel := range h {
		switch {
		case rel.Info == nil:
		case rel.Info.Status == hrelease.StatusDeployed:
			current = rel.Version
		case rel.Info.Status.IsPending():
			keep[rel.Version] = true
		}
	}
	for _, rel := range h {
		if rel.Info != nil && rel.Info.Status == hrelease.StatusSuperseded && (current == 0 || rel.Version < current) {
			lastGood = rel.Version
		}
	}
	keep[current] = current != 0
	keep[lastGood] = lastGood != 0
	delete(keep, 0)
	return keep
}

// Delete deletes every revision of app and returns their versions.
func (s *Store) Delete(ctx context.Context, app string) ([]int, error) {
	if err := validApp(app); err != nil {
		return nil, err
	}
	st := s.storage(ctx)
	h, err := history(st, app)
	if err != nil {
		return nil, err
	}
	var deleted []int
	for _, rel := range h {
		if _, err := st.Delete(app, rel.Version); err != nil && !errors.Is(err, driver.ErrReleaseNotFound) {
			return deleted, fmt.Errorf("deleting revision %d of %s: %w", rel.Version, app, err)
		}
		deleted = append(deleted, rel.Version)
	}
	return deleted, nil
}

// history returns the revisions of app sorted by version, with Helm's
// system labels removed from their labels; none is not an error.
func history(st *storage.Storage, app string) ([]*hrelease.Release, error) {
	h, err := st.History(app)
	if errors.Is(err, driver.ErrReleaseNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the history of %s: %w", app, err)
	}
	for _, rel := range h {
		rel.Labels = withoutSystemLabels(rel.Labels)
	}
	slices.SortFunc(h, func(a, b *hrelease.Release) int { return a.Version - b.Version })
	return h, nil
}

// withoutSystemLabels returns labels without the names Helm's driver
// reserves. The driver's Get removes them but its List and Query do not,
// and a release updated with them would carry the old createdAt forward.
func withoutSystemLabels(labels map[string]string) map[string]string {
	out := make(map[string]string, len(labels))
	for k, v := range labels {
		if !slices.Contains(driver.GetSystemLabels(), k) {
			out[k] = v
		}
	}
	return out
}

// stamp returns a copy of ch whose metadata carries m. Only the metadata
// is copied: the templates and files are shared.
func (m Meta) stamp(ch *chart.Chart) (*chart.Chart, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encoding the revision's metadata: %w", err)
	}
	c := *ch
	md := *ch.Metadata
	md.Annotations = maps.Clone(md.Annotations)
	if md.Annotations == nil {
		md.Annotations = map[string]string{}
	}
	md.Annotations[MetaAnnotation] = string(b)
	c.Metadata = &md
	return &c, nil
}

// MetaOf returns berth's metadata of a revision: empty for one Helm wrote
// with a chart of its own.
func MetaOf(rel *hrelease.Release) (Meta, error) {
	var m Meta
	if rel == nil || rel.Chart == nil || rel.Chart.Metadata == nil {
		return m, nil
	}
	s := rel.Chart.Metadata.Annotations[MetaAnnotation]
	if s == "" {
		return m, nil
	}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return Meta{}, fmt.Errorf("decoding chart annotation %s: %w", MetaAnnotation, err)
	}
	return m, nil
}

// labels returns the release labels for m: only valid label values.
func (m Meta) labels() map[string]string {
	l := map[string]string{LabelManagedBy: "berth"}
	for k, v := range map[string]string{LabelCommit: m.Commit, LabelBerthVersion: m.BerthVersion} {
		if v != "" && len(validation.IsValidLabelValue(v)) == 0 {
			l[k] = v
		}
	}
	return l
}

// description is what helm history shows for a revision berth deploys.
func (m Meta) description() string {
	if c := strings.TrimSpace(m.Cause); c != "" {
		return c
	}
	return "berth deploy"
}
