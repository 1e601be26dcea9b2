package deploy_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/kube"
)

// fakeCluster is a recording fake of deploy.Cluster, named as such: it
// keeps the applied objects in memory and records every write, in order
// ("apply deployment.apps/web created", "prune service/db", …). Applying
// an object as it is changes nothing and is no write.
type fakeCluster struct {
	mu         sync.Mutex
	objects    map[string]*unstructured.Unstructured // by kube.Ref.Key
	namespaces map[string]bool
	writes     []string
	// storageClasses and secrets are what the cluster has.
	storageClasses []string
	secrets        map[string]map[string][]byte // by name
	// refuse, when set, is what Check returns.
	refuse error
	// waitFor, when set, is what Wait does (nil: every object is ready).
	waitFor func(ctx context.Context, refs []kube.Ref) error
	// before, when set, runs before each operation ("apply", "wait",
	// "prune", "scale", …) and may fail it; "ready" is the end of a
	// successful wait.
	before func(ctx context.Context, op string) error
}

var _ deploy.Cluster = (*fakeCluster)(nil)

func newFakeCluster() *fakeCluster {
	return &fakeCluster{objects: map[string]*unstructured.Unstructured{}, namespaces: map[string]bool{}, secrets: map[string]map[string][]byte{}}
}

func (c *fakeCluster) run(ctx context.Context, op string) error {
	if c.before != nil {
		if err := c.before(ctx, op); err != nil {
			return err
		}
	}
	return ctx.Err()
}

func (c *fakeCluster) write(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writes = append(c.writes, fmt.Sprintf(format, args...))
}

// Writes returns the writes so far and forgets them.
func (c *fakeCluster) Writes() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	w := c.writes
	c.writes = nil
	return w
}

// object returns the applied object kind/name, or nil.
func (c *fakeCluster) object(kind, name string) *unstructured.Unstructured {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, o := range c.objects {
		if o.GetKind() == kind && o.GetName() == name {
			return o
		}
	}
	return nil
}

func (c *fakeCluster) EnsureNamespace(ctx context.Context, name string, _ map[string]string) (bool, error) {
	if err := c.run(ctx, "namespace"); err != nil {
		return false, err
	}
	c.mu.Lock()
	exists := c.namespaces[name]
	c.namespaces[name] = true
	c.mu.Unlock()
	if !exists {
		c.write("create namespace/%s", name)
	}
	return !exists, nil
}

func (c *fakeCluster) RemoveNamespace(ctx context.Context, name string) error {
	c.mu.Lock()
	delete(c.namespaces, name)
	c.mu.Unlock()
	c.write("delete namespace/%s", name)
	return nil
}

// results says what applying objs would do, without doing it.
func (c *fakeCluster) results(objs []*unstructured.Unstructured, dryRun string) []kube.Result {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]kube.Result, len(objs))
	for i, o := range objs {
		ref := kube.RefOf(o)
		live := c.objects[ref.Key()]
		r := kube.Result{Ref: ref, Action: kube.Created, DryRun: dryRun, Object: o, Live: live}
		switch {
		case live == nil:
		case reflect.DeepEqual(live.Object, o.Object):
			r.Action = kube.Unchanged
		default:
			r.Action = kube.Configured
		}
		out[i] = r
	}
	return out
}

func (c *fakeCluster) Check(ctx context.Context, objs []*unstructured.Unstructured, _ kube.ApplyOptions) ([]kube.Result, error) {
	if err := c.run(ctx, "check"); err != nil {
		return nil, err
	}
	if c.refuse != nil {
		return nil, c.refuse
	}
	return c.results(objs, kube.DryRunServer), nil
}

func (c *fakeCluster) Apply(ctx context.Context, objs []*unstructured.Unstructured, opts kube.ApplyOptions) ([]kube.Result, error) {
	var results []kube.Result
	for i, r := range c.results(objs, opts.DryRun) {
		if opts.DryRun == kube.DryRunNone {
			if err := c.run(ctx, "apply"); err != nil {
				return results, err
			}
			if r.Action != kube.Unchanged {
				c.mu.Lock()
				c.objects[r.Ref.Key()] = objs[i].DeepCopy()
				c.mu.Unlock()
				c.write("apply %s %s", r.Ref, r.Action)
			}
		}
		if opts.Report != nil {
			opts.Report(r)
		}
		results = append(results, r)
	}
	return results, nil
}

func (c *fakeCluster) Prune(ctx context.Context, stale []kube.Ref, opts kube.PruneOptions) ([]kube.Result, error) {
	var results []kube.Result
	for _, r := range slices.Backward(stale) {
		if err := c.run(ctx, "prune"); err != nil {
			return results, err
		}
		if r.Kind == "PersistentVolumeClaim" && !(opts.Volumes && slices.Contains(opts.Claims, r)) {
			results = append(results, kube.Result{Ref: r, Action: kube.Kept, DryRun: opts.DryRun, Note: "it holds data"})
			continue
		}
		if opts.DryRun == kube.DryRunNone {
			c.mu.Lock()
			delete(c.objects, r.Key())
			c.mu.Unlock()
			c.write("prune %s", r)
		}
		results = append(results, kube.Result{Ref: r, Action: kube.Pruned, DryRun: opts.DryRun})
	}
	return results, nil
}

func (c *fakeCluster) Wait(ctx context.Context, refs []kube.Ref, _ kube.WaitOptions) error {
	if err := c.run(ctx, "wait"); err != nil {
		return &kube.WaitError{Err: err}
	}
	if c.waitFor != nil {
		return c.waitFor(ctx, refs)
	}
	if c.before != nil {
		// "ready": every object became ready.
		return c.before(ctx, "ready")
	}
	return nil
}

func (c *fakeCluster) Diff(ctx context.Context, objs []*unstructured.Unstructured, stale []kube.Ref, _ kube.ApplyOptions) ([]kube.Diff, error) {
	var out []kube.Diff
	for _, r := range c.results(objs, kube.DryRunServer) {
		if r.Action != kube.Unchanged {
			out = append(out, kube.Diff{Ref: r.Ref, Change: string(r.Action)})
		}
	}
	for _, r := range stale {
		out = append(out, kube.Diff{Ref: r, Change: "pruned"})
	}
	return out, nil
}

func (c *fakeCluster) Scale(ctx context.Context, r kube.Ref, replicas int32) (int32, error) {
	if err := c.run(ctx, "scale"); err != nil {
		return 0, err
	}
	c.mu.Lock()
	o := c.objects[r.Key()]
	c.mu.Unlock()
	if o == nil {
		return 0, fmt.Errorf("%s not found", r)
	}
	c.mu.Lock()
	// Decoded YAML: numbers are float64.
	before, _, _ := unstructured.NestedFloat64(o.Object, "spec", "replicas")
	_ = unstructured.SetNestedField(o.Object, float64(replicas), "spec", "replicas")
	c.mu.Unlock()
	c.write("scale %s to %d", r, replicas)
	return int32(before), nil
}

func (c *fakeCluster) VolumeChanges(context.Context, []*unstructured.Unstructured) ([]kube.VolumeChange, error) {
	return nil, nil
}

func (c *fakeCluster) ClaimsOf(_ context.Context, refs []kube.Ref) ([]kube.Claim, error) {
	var out []kube.Claim
	for _, r := range refs {
		if r.Kind == "PersistentVolumeClaim" {
			out = append(out, kube.Claim{Ref: r})
		}
	}
	return out, nil
}

// AppClaims are the applied claims labelled as app's, in namespace, with
// those a prune kept (which stay applied here); sorted by name.
func (c *fakeCluster) AppClaims(ctx context.Context, namespace, app string) ([]kube.Ref, error) {
	if err := c.run(ctx, "claims"); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []kube.Ref
	for _, o := range c.objects {
		l := o.GetLabels()
		if o.GetKind() == "PersistentVolumeClaim" && o.GetNamespace() == namespace && l["app.kubernetes.io/name"] == app && l["app.kubernetes.io/instance"] == app {
			out = append(out, kube.RefOf(o))
		}
	}
	slices.SortFunc(out, func(a, b kube.Ref) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

func (c *fakeCluster) ExpandClaim(_ context.Context, claim kube.Ref, size string) (bool, error) {
	c.write("expand %s to %s", claim, size)
	return true, nil
}

func (c *fakeCluster) OrphanStatefulSet(_ context.Context, r kube.Ref, _ time.Duration) error {
	c.write("orphan %s", r)
	return nil
}

func (c *fakeCluster) ReplacePodsMissingVolumes(context.Context, kube.Ref, time.Duration, func(string, []string)) error {
	return nil
}

func (c *fakeCluster) HasStorageClass(_ context.Context, name string) (bool, error) {
	return slices.Contains(c.storageClasses, name), nil
}

func (c *fakeCluster) StorageClassNames(context.Context) ([]string, error) {
	return c.storageClasses, nil
}

func (c *fakeCluster) SecretData(_ context.Context, _, name string) (map[string][]byte, bool, error) {
	if o := c.object("Secret", name); o != nil {
		data := map[string][]byte{}
		m, _, _ := unstructured.NestedStringMap(o.Object, "data")
		for k, v := range m {
			b, err := base64.StdEncoding.DecodeString(v)
			if err != nil {
				return nil, false, err
			}
			data[k] = b
		}
		return data, true, nil
	}
	d, ok := c.secrets[name]
	return d, ok, nil
}

// fakeLease is a deploy.Lease that is lost when a test says so.
type fakeLease struct {
	mu       sync.Mutex
	lost     chan struct{}
	err      error
	released bool
}

func newFakeLease() *fakeLease { return &fakeLease{lost: make(chan struct{})} }

// lose loses the lease, as a takeover by holder would.
func (l *fakeLease) lose(holder string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err == nil {
		l.err = fmt.Errorf("deploy lock of shop lost: taken over by %s", holder)
		close(l.lost)
	}
}

func (l *fakeLease) Lost() <-chan struct{} { return l.lost }

func (l *fakeLease) Check(context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

func (l *fakeLease) Release(context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.released = true
	return nil
}

// fakeLocker hands out one lease per Lock, the newest in lease.
type fakeLocker struct {
	mu    sync.Mutex
	lease *fakeLease
	taken int
}

// Lock hands out a new lease. As release.Lock's, it is no longer renewed,
// so lost, once ctx is cancelled (by an interruption).
func (l *fakeLocker) Lock(ctx context.Context, _, _, _ string, _ time.Duration) (deploy.Lease, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lease != nil && !l.lease.released {
		return nil, errors.New("fake lock: taken and not released")
	}
	lease := newFakeLease()
	context.AfterFunc(ctx, func() {
		if errors.Is(ctx.Err(), context.Canceled) {
			lease.mu.Lock()
			defer lease.mu.Unlock()
			if lease.err == nil {
				lease.err = fmt.Errorf("deploy lock of shop no longer renewed: %w", context.Cause(ctx))
				close(lease.lost)
			}
		}
	})
	l.lease = lease
	l.taken++
	return l.lease, nil
}

func (l *fakeLocker) WaitLock(ctx context.Context, ns, app, holder string, ttl time.Duration) (deploy.Lease, error) {
	return l.Lock(ctx, ns, app, holder, ttl)
}

// current is the lease handed out last.
func (l *fakeLocker) current() *fakeLease {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lease
}
