// Package deploy is berth's main job, as a library: render a project,
// apply it to the cluster, wait until it is healthy, prune what the last
// revision had and this one does not, and record the revision. It is the
// action layer between the CLI and the kube, render and release packages,
// in the way Helm's pkg/action sits under helm.
//
// The cluster is reached through the Cluster seam (*kube.Client in berth,
// a recording fake in the tests), the app's deploy lock through Locker
// (Leases in berth) and the release records through Records
// (*release.Store). A rollout whose lease is lost stops before its next
// write and records its revision failed (LeaseLostError).
package deploy
