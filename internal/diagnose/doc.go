// Package diagnose explains why a workload is not healthy, in words a
// developer can act on: which image cannot be pulled from which registry,
// which container crashes with which exit code (and its last log lines),
// which resource no node has enough of, which StorageClass does not exist,
// which quota is full. berth prints the findings when a deploy fails or
// times out, and stops waiting early when a finding is terminal.
//
// # What is read
//
// Workload reads the live state with a few requests per workload (five
// for a Deployment whose pods cannot pull their image, checked by the
// tests), in at most four rounds, bounded by the caller's context:
//
//  1. the workload itself (GET);
//  2. in parallel: its pods (one LIST by the workload's spec.selector), the
//     namespace's Warning events (one LIST, field selector type=Warning),
//     for a Deployment its ReplicaSets (one LIST by selector), and when its
//     pods mount claims, the namespace's PersistentVolumeClaims (one LIST);
//  3. only when a finding needs it, in parallel: the Nodes (one LIST, when
//     the scheduler rejected a pod for a reason of the Nodes; else one GET
//     of the Node of a pod that cannot pull its image, for hints for
//     minikube and kind) and the StorageClasses (one LIST, when a claim is
//     Pending);
//  4. in parallel, the last lines of the logs of at most three failing
//     containers (TailLines and LimitBytes bounded, five seconds at most
//     each).
//
// Only the current revision counts: for a Deployment the pods of its newest
// ReplicaSet (the one whose deployment.kubernetes.io/revision annotation is
// the Deployment's, which owns the pods of that pod-template-hash), for a
// StatefulSet the pods of its update revision. Pods of the previous
// revision are usually the healthy ones still serving.
//
// Lookups that only add detail (events, Nodes, StorageClasses, logs) are
// skipped when the server refuses them (RBAC) or cannot serve them (a Node
// whose kubelet is unreachable cannot serve logs): the finding is given
// without that detail. Only failing to read the workload or its pods is an
// error.
//
// # Events
//
// Events are read through core/v1, not events.k8s.io/v1. Both are views
// of the same stored objects and carry the same information; core/v1 is
// what `kubectl describe` and `kubectl get events` read, so a developer
// who follows a finding up sees the same messages, and its field selectors
// (type, involvedObject.kind, involvedObject.name) are served by every
// Kubernetes version berth supports. A workload's events are one LIST of
// the namespace's Warning events filtered here by object (the workload, its
// current ReplicaSet, its current pods and its claims: pod names are not
// known in advance and field selectors have no prefix match); a claim's or
// a Service's events are one LIST with a field selector on the object.
// Events are deduplicated (the same reason and message on several pods of
// the workload is one finding), newest first, and dropped when a finding
// already explains them (a FailedScheduling event of an unschedulable pod).
//
// # Terminal findings
//
// A Finding is Terminal when waiting longer will not help, so that berth
// stops waiting at once: an image that does not exist or that the node may
// not pull, a container that keeps crashing (CrashLoopBackOff after
// [CrashLoopRestarts] restarts: a crash or two while a dependency deployed
// alongside comes up is common and heals), a missing Secret or ConfigMap
// key, a pod that no Node can ever take (every Node is excluded by its
// labels, its taints or a request larger than the Node), a claim whose
// StorageClass does not exist, a full quota, an exceeded progress deadline,
// a failed Job. A pod that waits only for capacity to free up (a rolling
// update frees it) is not terminal.
package diagnose
