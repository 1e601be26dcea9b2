package kube

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
)

// Action is what applying did to an object, in kubectl's words.
type Action string

// Actions.
const (
	Created    Action = "created"
	Configured Action = "configured"
	Unchanged  Action = "unchanged"
	Pruned     Action = "pruned"
	Kept       Action = "kept"
	// Scaled is berth scale's: the replica count changed.
	Scaled Action = "scaled"
)

// DryRun modes, as kubectl's --dry-run.
const (
	DryRunNone   = ""
	DryRunClient = "client"
	DryRunServer = "server"
)

// Result is the outcome for one object.
type Result struct {
	Ref    Ref    `json:"object"`
	Action Action `json:"result"`
	DryRun string `json:"dryRun,omitempty"`
	// Note explains a kept object.
	Note string `json:"note,omitempty"`
	// Object is the live object after apply (nil for dry-run=client and prune).
	Object *unstructured.Unstructured `json:"-"`
	// Live is the object before a server dry run (nil when it does not
	// exist, and after a real apply).
	Live *unstructured.Unstructured `json:"-"`
}

// String reads like kubectl: deployment.apps/web configured (server dry run).
func (r Result) String() string {
	s := r.Ref.String() + " " + string(r.Action)
	if r.DryRun != "" {
		s += " (" + r.DryRun + " dry run)"
	}
	if r.Note != "" {
		s += ": " + r.Note
	}
	return s
}

// ApplyOptions tune Apply.
type ApplyOptions struct {
	// Force takes over fields other field managers own.
	Force bool
	// DryRun is DryRunNone, DryRunClient or DryRunServer.
	DryRun string
	// Parallel bounds the objects applied at once (default 32).
	Parallel int
	// Report is called for each applied object, round by round in the objects' order.
	Report func(Result)
	// TakeFrom are field managers whose fields berth takes back without
	// Force: Helm ("helm"), when helm rollback or upgrade wrote the same
	// release. Conflicts with any other manager still fail. Fields that
	// berth's own updates own (berth rollout undo, restart; the field
	// manager berth, operation Update) are always taken back: the next
	// deploy applies berth.yaml again.
	TakeFrom []string
	// Selector, when set, lists the existing objects of each kind with one
	// request (e.g. app.kubernetes.io/instance=APP) instead of reading them
	// one by one; objects the list does not hold are still read singly.
	Selector string
	// Checked are the results of Check for these objects: an object its
	// dry run left as it was (content and field owners alike) is not sent
	// again, its result is unchanged.
	Checked []Result
}

// Apply server-side applies objects round by round (see level), objects of
// a round in parallel. An object's result compares its resourceVersion
// before and after: a new object is created, a changed one configured, one
// the apply did not change unchanged.
//
// A server dry run is Check's: every object is sent at once, and what the
// API server would refuse is a *RefusedError naming every such object.
func (c *Client) Apply(ctx context.Context, objs []*unstructured.Unstructured, opts ApplyOptions) ([]Result, error) {
	if opts.Parallel <= 0 {
		opts.Parallel = 32
	}
	var mu sync.Mutex
	results := make([]Result, len(objs))
	report := func(i int, r Result) {
		mu.Lock()
		defer mu.Unlock()
		results[i] = r
	}
	var checked map[string]Result
	switch {
	case opts.DryRun == DryRunServer:
		rs, err := c.Check(ctx, objs, opts)
		if err != nil {
			return nil, err
		}
		copy(results, rs)
		checked = map[string]Result{}
		for _, r := range rs {
			checked[r.Ref.Key()] = r
		}
	case len(opts.Checked) > 0:
		checked = map[string]Result{}
		for _, r := range opts.Checked {
			if r.Action == Unchanged && sameManagers(r.Live, r.Object) {
				checked[r.Ref.Key()] = Result{Ref: r.Ref, Action: Unchanged, Object: r.Live}
			}
		}
	}
	for lv := 0; lv <= 2; lv++ {
		var round []*unstructured.Unstructured
		for _, o := range objs {
			if level(o.GetKind()) == lv {
				round = append(round, o)
			}
		}
		var known map[string]*unstructured.Unstructured
		if len(round) > 0 && !allIn(round, checked) {
			var err error
			if known, err = c.listExisting(ctx, round, opts.Selector); err != nil {
				return compact(results), err
			}
		}
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(opts.Parallel)
		for i, o := range objs {
			if level(o.GetKind()) != lv {
				continue
			}
			if r, ok := checked[RefOf(o).Key()]; ok {
				report(i, r)
				continue
			}
			g.Go(func() error {
				r, err := c.applyOne(gctx, o, opts, known)
				if err != nil {
					return err
				}
				report(i, r)
				return nil
			})
		}
		err := g.Wait()
		// Report a round in the objects' order, as kubectl prints.
		for i, o := range objs {
			if level(o.GetKind()) == lv && results[i].Action != "" && opts.Report != nil {
				opts.Report(results[i])
			}
		}
		if err != nil {
			return compact(results), err
		}
	}
	return results, nil
}

// allIn reports whether every object has a result in checked.
func allIn(objs []*unstructured.Unstructured, checked map[string]Result) bool {
	for _, o := range objs {
		if _, ok := checked[RefOf(o).Key()]; !ok {
			return false
		}
	}
	return true
}

// sameManagers reports whether two versions of an object have the same
// field owners (the times of their writes aside).
func sameManagers(a, b *unstructured.Unstructured) bool {
	if a == nil || b == nil {
		return false
	}
	strip := func(u *unstructured.Unstructured) []metav1.ManagedFieldsEntry {
		mf := u.GetManagedFields()
		for i := range mf {
			mf[i].Time = nil
		}
		return mf
	}
	return equality.Semantic.DeepEqual(strip(a), strip(b))
}

func compact(rs []Result) []Result {
	out := rs[:0]
	for _, r := range rs {
		if r.Action != "" {
			out = append(out, r)
		}
	}
	return out
}

// Resource returns the dynamic client for an object's kind and namespace.
func (c *Client) Resource(r Ref) (dynamic.ResourceInterface, error) {
	m, err := c.Mapper.RESTMapping(r.GVK().GroupKind(), r.Version)
	if err != nil {
		if meta.IsNoMatchError(err) {
			c.Mapper.Reset() // a CRD may have just been created
			m, err = c.Mapper.RESTMapping(r.GVK().GroupKind(), r.Version)
		}
		if err != nil {
			return nil, fmt.Errorf("the cluster does not serve %s: %w", r.GVK(), err)
		}
	}
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		return c.Dynamic.Resource(m.Resource).Namespace(r.Namespace), nil
	}
	return c.Dynamic.Resource(m.Resource), nil
}

// listExisting lists, per kind and namespace of objs, the objects the
// selector matches, by Ref.Key.
//
// It returns nil without a selector: then every object is read singly.
func (c *Client) listExisting(ctx context.Context, objs []*unstructured.Unstructured, selector string) (map[string]*unstructured.Unstructured, error) {
	if selector == "" {
		return nil, nil
	}
	known := map[string]*unstructured.Unstructured{}
	seen := map[string]bool{}
	for _, o := range objs {
		ref := RefOf(o)
		k := ref.Group + "/" + ref.Kind + "/" + ref.Namespace
		if seen[k] {
			continue
		}
		seen[k] = true
		res, err := c.Resource(ref)
		if err != nil {
			return nil, err
		}
		var list *unstructured.UnstructuredList
		err = retryTransient(ctx, RetryFor, func() (err error) {
			list, err = res.List(ctx, metav1.ListOptions{LabelSelector: selector})
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("listing %ss: %w", strings.ToLower(ref.Kind), err)
		}
		for i := range list.Items {
			item := &list.Items[i]
			r := Ref{Group: ref.Group, Kind: ref.Kind, Namespace: item.GetNamespace(), Name: item.GetName()}
			known[r.Key()] = item
		}
	}
	return known, nil
}

func (c *Client) applyOne(ctx context.Context, o *unstructured.Unstructured, opts ApplyOptions, known map[string]*unstructured.Unstructured) (Result, error) {
	ref := RefOf(o)
	res, err := c.Resource(ref)
	if err != nil {
		return Result{}, err
	}
	before := known[ref.Key()]
	if known == nil {
		err = retryTransient(ctx, RetryFor, func() (err error) {
			before, err = res.Get(ctx, ref.Name, metav1.GetOptions{})
			return err
		})
		switch {
		case apierrors.IsNotFound(err):
			before = nil
		case err != nil:
			return Result{}, fmt.Errorf("reading %s: %w", ref, err)
		}
	}
	existed := before != nil
	r := Result{Ref: ref, DryRun: opts.DryRun}
	if opts.DryRun == DryRunClient {
		r.Action = Configured
		if !existed {
			r.Action = Created
		}
		return r, nil
	}
	data, err := json.Marshal(o.Object)
	if err != nil {
		return Result{}, err
	}
	po := metav1.PatchOptions{FieldManager: FieldManager, Force: &opts.Force}
	if opts.DryRun == DryRunServer {
		po.DryRun = []string{metav1.DryRunAll}
	}
	// A server-side apply is idempotent: after a broken connection or an
	// API server restart it is sent again.
	var after *unstructured.Unstructured
	attempts := 0
	patch := func() error {
		return retryTransient(ctx, RetryFor, func() (err error) {
			attempts++
			after, err = res.Patch(ctx, ref.Name, types.ApplyPatchType, data, po)
			return err
		})
	}
	err = patch()
	if apierrors.IsConflict(err) && !opts.Force && onlyWith(err, append([]string{FieldManager}, opts.TakeFrom...)) {
		force := true
		po.Force = &force
		err = patch()
	}
	if err != nil {
		if apierrors.IsConflict(err) {
			return Result{}, conflictError(ref, err)
		}
		return Result{}, fmt.Errorf("applying %s: %w", ref, err)
	}
	r.Object = after
	if opts.DryRun == DryRunServer {
		r.Live = before
	}
	switch {
	case !existed && known != nil && otherManagers(after, attempts > 1):
		// Not in the listing, yet other tools manage fields of it: it
		// existed without berth's labels (created by kubectl or a chart).
		r.Action = Configured
	case !existed:
		r.Action = Created
	case opts.DryRun == DryRunNone && before.GetResourceVersion() == after.GetResourceVersion(), sameContent(before, after):
		// A server dry run may answer with the old resourceVersion
		// whatever it changes: there only the content tells.
		r.Action = Unchanged
	case opts.DryRun == DryRunServer && sameBeyondMetadata(before, after) && sameAsLive(ctx, res, after):
		// The copy read before was stale: a controller wrote to the
		// object's metadata since (the deployment controller's revision
		// annotation), and the dry run started from that newer object.
		// Only then is it read again: a changed spec is a change.
		r.Action = Unchanged
	default:
		r.Action = Configured
	}
	return r, nil
}

// ConflictError is a server-side apply conflict: another field manager
// owns fields berth sets.
type ConflictError struct {
	Ref    Ref
	Fields []string // e.g. ".spec.replicas owned by \"kubectl-scale\""
	Err    error
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("applying %s: fields are owned by another tool: %s", e.Ref, strings.Join(e.Fields, "; "))
}

func (e *ConflictError) Unwrap() error { return e.Err }

// Hint explains the usual cause and the way out.
func (e *ConflictError) Hint() string {
	return "someone changed these fields with another tool (kubectl scale, edit, apply or rollout undo, a controller);\n" +
		"re-run with --force-conflicts to take them back for berth.yaml, or change berth.yaml to match and leave them to the other tool"
}

// HelmFieldManager is the field manager of Helm's writes.
const HelmFieldManager = "helm"

var conflictManager = regexp.MustCompile(`^conflict with "([^"]+)"`)

// onlyWith reports whether every field conflict of err is with one of
// managers.
func onlyWith(err error, managers []string) bool {
	var se apierrors.APIStatus
	if len(managers) == 0 || !errors.As(err, &se) || se.Status().Details == nil {
		return false
	}
	n := 0
	for _, cause := range se.Status().Details.Causes {
		if cause.Type != metav1.CauseTypeFieldManagerConflict {
			continue
		}
		m := conflictManager.FindStringSubmatch(cause.Message)
		if m == nil || !slices.Contains(managers, m[1]) {
			return false
		}
		n++
	}
	return n > 0
}

func conflictError(ref Ref, err error) error {
	ce := &ConflictError{Ref: ref, Err: err}
	var se apierrors.APIStatus
	if errors.As(err, &se) && se.Status().Details != nil {
		for _, cause := range se.Status().Details.Causes {
			if cause.Type == metav1.CauseTypeFieldManagerConflict {
				ce.Fields = append(ce.Fields, fmt.Sprintf("%s (%s)", cause.Field, cause.Message))
			}
		}
	}
	if len(ce.Fields) == 0 {
		ce.Fields = []string{err.Error()}
	}
	return ce
}

// EnsureNamespace creates the namespace when it does not exist and reports
// whether it did.
func (c *Client) EnsureNamespace(ctx context.Context, name string, labels map[string]string) (bool, error) {
	_, err := c.Clientset.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
	if err == nil {
		return false, nil
	}
	if !apierrors.IsNotFound(err) {
		return false, fmt.Errorf("reading namespace %s: %w", name, err)
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
	if _, err := c.Clientset.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{FieldManager: FieldManager}); err != nil && !apierrors.IsAlreadyExists(err) {
		return false, fmt.Errorf("creating namespace %s: %w", name, err)
	}
	return true, nil
}

// RemoveNamespace deletes a namespace EnsureNamespace created and waits
// until it is gone, so that a deploy refused before its first write leaves
// nothing behind and the next one can create it again.
func (c *Client) RemoveNamespace(ctx context.Context, name string) error {
	err := c.Clientset.CoreV1().Namespaces().Delete(ctx, name, metav1.DeleteOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("deleting namespace %s: %w", name, err)
	}
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		_, err := c.Clientset.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return true, nil
		}
		return false, err
	})
	if err != nil {
		return fmt.Errorf("namespace %s is still being deleted: %w", name, err)
	}
	return nil
}

// otherManagers reports whether a field manager other than berth manages
// part of the object: it existed already (created by kubectl or a chart).
// When the apply was sent again (its first answer lost to a broken
// connection), berth's own first request may have created it, and
// controllers may have written to it since (status, the deployment
// controller's revision annotation): then only managers that wrote before
// berth's apply count. The times are the API server's.
func otherManagers(u *unstructured.Unstructured, resent bool) bool {
	var own *metav1.Time
	for _, mf := range u.GetManagedFields() {
		if mf.Manager == FieldManager && mf.Operation == metav1.ManagedFieldsOperationApply {
			own = mf.Time
		}
	}
	for _, mf := range u.GetManagedFields() {
		switch {
		case mf.Manager == FieldManager:
		case !resent:
			return true
		case mf.Subresource == "status":
		case own == nil || mf.Time == nil || mf.Time.Before(own):
			return true
		}
	}
	return false
}

// sameContent compares two versions of an object without what controllers
// change on their own (status, and the bookkeeping metadata that follows
// it): a status update between berth's read and its apply does not make
// the apply a change.
// sameAsLive reports whether a server dry run's result has the content
// of the object as it is now (read again).
func sameAsLive(ctx context.Context, res dynamic.ResourceInterface, after *unstructured.Unstructured) bool {
	live, err := res.Get(ctx, after.GetName(), metav1.GetOptions{})
	return err == nil && sameContent(live, after)
}

func sameContent(a, b *unstructured.Unstructured) bool {
	return equality.Semantic.DeepEqual(stripped(a, false), stripped(b, false))
}

// sameBeyondMetadata reports whether a and b differ at most in their
// metadata (and status).
func sameBeyondMetadata(a, b *unstructured.Unstructured) bool {
	return equality.Semantic.DeepEqual(stripped(a, true), stripped(b, true))
}

// stripped is u's content without status and server bookkeeping
// (resourceVersion, managedFields), or without all of its metadata.
func stripped(u *unstructured.Unstructured, noMetadata bool) map[string]any {
	m := u.DeepCopy().Object
	delete(m, "status")
	if md, ok := m["metadata"].(map[string]any); ok && !noMetadata {
		delete(md, "resourceVersion")
		delete(md, "managedFields")
	} else {
		delete(m, "metadata")
	}
	return m
}
