package deploy

import (
	"context"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/kubernetes"

	"github.com/berth-dev/berth/internal/kube"
	"github.com/berth-dev/berth/internal/release"
)

// Cluster is what a deploy does to the cluster: the seam between the
// deploy package and the API server. *kube.Client implements it; tests
// use a recording fake.
type Cluster interface {
	// EnsureNamespace creates the namespace unless it exists and says
	// whether it did; RemoveNamespace deletes it again.
	EnsureNamespace(ctx context.Context, name string, labels map[string]string) (bool, error)
	RemoveNamespace(ctx context.Context, name string) error

	// Check is a server-side dry run of every object: what the API server
	// would refuse is a *kube.RefusedError naming every such object.
	Check(ctx context.Context, objs []*unstructured.Unstructured, opts kube.ApplyOptions) ([]kube.Result, error)
	// Apply server-side applies objs.
	Apply(ctx context.Context, objs []*unstructured.Unstructured, opts kube.ApplyOptions) ([]kube.Result, error)
	// Prune deletes stale objects; claims only when opts names them.
	Prune(ctx context.Context, stale []kube.Ref, opts kube.PruneOptions) ([]kube.Result, error)
	// Wait watches objects until they are ready, one fails, or the
	// timeout runs out (a *kube.WaitError).
	Wait(ctx context.Context, refs []kube.Ref, opts kube.WaitOptions) error
	// Diff says how applying objs and pruning stale would change the
	// cluster.
	Diff(ctx context.Context, objs []*unstructured.Unstructured, stale []kube.Ref, opts kube.ApplyOptions) ([]kube.Diff, error)
	// Scale sets the replicas of a workload and returns the count before.
	Scale(ctx context.Context, r kube.Ref, replicas int32) (before int32, err error)

	// VolumeChanges compares the claims and claim templates of objs with
	// the cluster's.
	VolumeChanges(ctx context.Context, objs []*unstructured.Unstructured) ([]kube.VolumeChange, error)
	// ClaimsOf lists the claims that pruning refs could delete.
	ClaimsOf(ctx context.Context, refs []kube.Ref) ([]kube.Claim, error)
	// AppClaims are the claims in namespace labelled as app's, those
	// earlier prunes kept included.
	AppClaims(ctx context.Context, namespace, app string) ([]kube.Ref, error)
	// ExpandClaim grows a claim to size and says whether it changed it.
	ExpandClaim(ctx context.Context, claim kube.Ref, size string) (bool, error)
	// OrphanStatefulSet deletes a StatefulSet, its pods orphaned.
	OrphanStatefulSet(ctx context.Context, r kube.Ref, timeout time.Duration) error
	// ReplacePodsMissingVolumes replaces, one at a time, the pods of a
	// StatefulSet that lack a volume of its template.
	ReplacePodsMissingVolumes(ctx context.Context, r kube.Ref, timeout time.Duration, report func(pod string, missing []string)) error

	// HasStorageClass reports whether the cluster has a StorageClass;
	// StorageClassNames lists them.
	HasStorageClass(ctx context.Context, name string) (bool, error)
	StorageClassNames(ctx context.Context) ([]string, error)
	// SecretData reads a Secret's data; found is false when it does not
	// exist.
	SecretData(ctx context.Context, namespace, name string) (data map[string][]byte, found bool, err error)
}

// Locker takes an app's deploy lock, which serializes the deploys, undos
// and scales of the app.
type Locker interface {
	// Lock takes the lock of app in namespace for holder ("alice@laptop
	// pid 4242 (berth deploy)"), lasting ttl unless renewed. While another
	// holder has it, the error is a *release.LockedError. ctx's deadline
	// bounds the taking; cancelling ctx stops the renewal.
	Lock(ctx context.Context, namespace, app, holder string, ttl time.Duration) (Lease, error)
	// WaitLock is Lock, trying again while another holder has the lock,
	// until ctx is done.
	WaitLock(ctx context.Context, namespace, app, holder string, ttl time.Duration) (Lease, error)
}

// Lease is a held deploy lock, renewed until Release.
type Lease interface {
	// Lost is closed when the lock is lost: taken over by another holder,
	// deleted, or not renewed in time.
	Lost() <-chan struct{}
	// Check returns why the lock was lost, or nil while it is held; it
	// confirms with the API server a lease not renewed lately.
	Check(ctx context.Context) error
	// Release gives the lock up.
	Release(ctx context.Context) error
}

// WaitPrinter shows the health wait (progress.Printer does).
type WaitPrinter interface {
	// Begin names every object the wait is for, before the first Update.
	Begin([]kube.Ref)
	Update(kube.Progress)
	// Done finishes the view.
	Done()
}

// Leases is the Locker of Kubernetes Leases (release.Acquire).
type Leases struct {
	Client kubernetes.Interface
}

var _ Locker = Leases{}

var _ Lease = (*release.Lock)(nil)

// Lock takes the lock with release.Acquire.
func (l Leases) Lock(ctx context.Context, namespace, app, holder string, ttl time.Duration) (Lease, error) {
	lock, err := release.Acquire(ctx, l.Client, namespace, app, holder, ttl)
	if err != nil {
		return nil, err
	}
	return lock, nil
}

// WaitLock takes the lock with release.WaitAcquire.
func (l Leases) WaitLock(ctx context.Context, namespace, app, holder string, ttl time.Duration) (Lease, error) {
	lock, err := release.WaitAcquire(ctx, l.Client, namespace, app, holder, ttl)
	if err != nil {
		return nil, err
	}
	return lock, nil
}
