// Package testcluster gives a test package its own local Kubernetes control
// plane: the sandbox of scripts/sandbox (real etcd, kube-apiserver,
// kube-controller-manager and kube-scheduler of the pinned Kubernetes version,
// plus kwok faking the kubelets of three Nodes). Nothing is executed in Pods:
// kwok marks them Running and Ready, so Deployments roll out, become
// Available and roll back as on a real cluster. See docs/sandbox.md.
//
// # Use
//
// One sandbox per test package, started in TestMain and stopped after the
// tests:
//
//	var cluster *testcluster.Cluster
//
//	func TestMain(m *testing.M) { os.Exit(testcluster.Main(m, &cluster)) }
//
//	func TestDeploy(t *testing.T) {
//		c := testcluster.Require(t, cluster) // skips or fails when there is no sandbox
//		ns := c.Namespace(t)                 // fresh namespace, deleted after the test
//		cs := c.Clientset(t)
//		...
//	}
//
// Tests that do not call Require run whether or not a sandbox is there.
// Require's verdict when there is none:
//
//   - The sandbox binaries are not built (scripts/sandbox build) and CI is not
//     set: the test is skipped, with a message saying how to build them. On a
//     developer machine `go test ./...` stays fast and green without them.
//   - CI=true (or BERTH_SANDBOX_BUILD=1): Main builds the binaries first
//     (about 8 minutes cold on 2 cores, instant when cached in
//     ~/.cache/berth-sandbox), so CI never silently skips; if the sandbox
//     still cannot start, the tests fail.
//   - The binaries are there but the sandbox fails to start: the tests fail,
//     with the sandbox's output.
//   - go test -short: no sandbox is started and the tests are skipped, also
//     under CI (-short is an explicit choice).
//
// Each sandbox uses free ports and its own temporary folder, so packages run
// in parallel by `go test ./...` (and a developer's own `scripts/sandbox up`)
// do not collide. It costs about 10 s to start and about 600 MB of memory
// while it runs. The sandbox stops itself when the test binary exits, even
// if Main does not get to stop it (a panic or a -timeout). When tests fail,
// Main keeps the sandbox's folder (component logs under logs/) and prints
// where it is; set BERTH_SANDBOX_KEEP=1 to keep it always.
//
// Start and Stop can also be used directly, outside TestMain.
//
// # A real node
//
// MainRealNode (or StartRealNode in one test) starts the same control plane
// with one real node instead of the kwok Nodes (scripts/sandbox up
// --real-node): containerd, the kubelet, kube-proxy and CoreDNS run on this
// machine, containers really run, and Cluster.Registry is a local registry
// holding the base images busybox:1 and pause:1. It needs root and the
// packages of scripts/test-deps: without them the tests skip, and fail under
// CI. There is one real node per machine; test binaries that want one take
// turns (RealNodeLock).
package testcluster
