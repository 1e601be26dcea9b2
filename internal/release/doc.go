// Package release records berth's deploys as Helm v3 releases, and holds the
// per-app deploy lock.
//
// # Records
//
// Every deploy is one revision of a Helm release named after the app, stored
// by Helm's own storage code (helm.sh/helm/v3/pkg/storage, Secrets driver)
// in the app's namespace: a Secret sh.helm.release.v1.APP.vN of type
// helm.sh/release.v1, labelled owner=helm, name, status and version. So the
// Helm 3 CLI works on berth apps: helm list, helm history APP, helm get
// values|manifest APP, helm rollback APP N.
//
//	lock, err := release.Acquire(ctx, client, ns, app, holder, 30*time.Second)
//	defer lock.Release(context.WithoutCancel(ctx))
//	s := release.NewStore(client, ns)
//	rel, err := s.Begin(ctx, app, ch, values, manifest, meta) // vN, pending-install or pending-upgrade
//	// ... apply and wait ...
//	err = s.Succeed(ctx, rel)              // deployed; earlier deployed revisions superseded
//	err = s.Fail(ctx, rel, "timed out")    // or failed, with the reason as description
//	pruned, err := s.Prune(ctx, app, release.DefaultHistoryMax)
//
// Store's methods:
//
//	Begin(ctx, app, ch, values, manifest, meta) (*hrelease.Release, error)
//	Succeed(ctx, rel) error
//	Fail(ctx, rel, reason) error
//	Current(ctx, app) (*hrelease.Release, error)   // last deployed, nil when none
//	Get(ctx, app, version) (*hrelease.Release, error)
//	Meta(ctx, app, version) (Meta, error)
//	History(ctx, app) ([]Revision, error)           // oldest first, with Meta
//	RecoverPending(ctx, app) ([]*hrelease.Release, error)
//	Prune(ctx, app, max) ([]int, error)
//	Delete(ctx, app) ([]int, error)
//
// A revision holds the chart (with its default values), the values it was
// rendered with (Release.Config, shown by helm get values), the rendered
// manifest and, as Info.Description (the DESCRIPTION column of helm
// history), the cause of the deploy; Fail replaces it with the reason.
//
// What Helm's release cannot represent, Meta (images, cause, commit, berth
// version, user, replica counts set by berth scale), is kept as JSON in the
// annotation berth.dev/meta of the revision's chart metadata, which is
// stored inside the release. So every writer of the release keeps it:
// berth's and Helm's status updates re-encode the whole release, and helm
// rollback to N copies N's chart, hence N's Meta, into the revision it
// writes (its description, "Rollback to N", tells it apart). A revision
// Helm installs or upgrades with another chart has no Meta.
//
// Label-safe values are also release labels (Release.Labels, stored as
// labels of the Secret, kept by Helm's updates and copied by helm rollback to
// the revision it writes): app.kubernetes.io/managed-by=berth, and
// berth.dev/commit and berth.dev/berth-version when they are valid label
// values, so helm list --selector berth.dev/commit=SHA finds them. Helm
// reserves the label names name, owner, status, version, createdAt and
// modifiedAt; Release.Labels returned by this package never hold them.
//
// Statuses follow Helm: the first revision is pending-install, later ones
// pending-upgrade; Succeed makes it deployed and every earlier deployed
// revision superseded, Fail makes it failed. Revisions left pending by a
// berth that was killed are marked failed with the description "interrupted"
// by RecoverPending, which Begin calls first. Prune keeps at most max
// revisions (0: no limit, as helm --history-max), but never deletes the
// current deployed revision, the last good one before it (the newest
// superseded one: the rollback target), the newest revision or a pending
// one.
//
// A revision records no secret values: Begin drops the data and
// stringData of every Secret of the manifest (RedactManifest) and blanks
// secrets.NAME.data in the values and the chart's default values
// (RedactValues). The live Secret holds the only copy; package deploy
// fills recorded Secrets from it on undo.
//
// Errors from a missing revision match driver.ErrReleaseNotFound with
// errors.Is.
//
// # Lock
//
// Acquire takes the deploy lock of an app: a coordination.k8s.io/v1 Lease
// named berth-lock-APP in the app's namespace, with the holder's identity
// (such as "alice@laptop pid 4242 (berth deploy)"), the acquire and renew
// times and the lease duration. While another holder's lease has not expired,
// Acquire returns a *LockedError saying who holds it, since when, and when
// it expires unless renewed. An expired lease (its holder was killed) is
// taken over with an update conditional on the resourceVersion read, so of
// several takers exactly one wins and the others get a *LockedError. The
// Lock renews itself every ttl/3 until Release or until the context given to
// Acquire is done; when it cannot (taken over, deleted, or not renewed for a
// whole ttl), Lost is closed and Err says why. Release deletes the Lease
// only when it is still this holder's. WaitAcquire retries until the
// context is done.
//
// Begin requires the lock: it returns an error matching ErrNotLocked when
// the app's Lease is not held, because RecoverPending would otherwise mark a
// revision that another berth is still deploying as failed. The check sees
// that some berth holds the lock, not that the caller does.
//
// Times are compared with the local clock; holders whose clocks differ by
// more than a fraction of ttl may take a lease over early or late.
package release
