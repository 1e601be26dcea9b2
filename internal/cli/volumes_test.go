package cli

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes"

	"github.com/berth-dev/berth/internal/testcluster"
)

// expandableClass creates a StorageClass of the sandbox's provisioner with
// allowVolumeExpansion (the sandbox's default class, standard, has none),
// named after the test's namespace, and deletes it after the test.
func expandableClass(t *testing.T, cs kubernetes.Interface, ns string) string {
	t.Helper()
	yes := true
	mode := storagev1.VolumeBindingImmediate
	sc := &storagev1.StorageClass{
		ObjectMeta:           metav1.ObjectMeta{Name: "expand-" + ns},
		Provisioner:          testcluster.ProvisionerName,
		AllowVolumeExpansion: &yes,
		VolumeBindingMode:    &mode,
	}
	if _, err := cs.StorageV1().StorageClasses().Create(t.Context(), sc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cs.StorageV1().StorageClasses().Delete(t.Context(), sc.Name, metav1.DeleteOptions{})
	})
	return sc.Name
}

// revisions counts the release records of app (Helm's Secrets).
func revisions(t *testing.T, cs kubernetes.Interface, ns, app string) int {
	t.Helper()
	list, err := cs.CoreV1().Secrets(ns).List(t.Context(), metav1.ListOptions{LabelSelector: "owner=helm,name=" + app})
	if err != nil {
		t.Fatal(err)
	}
	return len(list.Items)
}

// versions are the resourceVersions of the objects the volume tests
// watch, by kind/name: a refused deploy must leave every one as it was.
func versions(t *testing.T, cs kubernetes.Interface, ns string) map[string]string {
	t.Helper()
	ctx := t.Context()
	out := map[string]string{}
	claims, err := cs.CoreV1().PersistentVolumeClaims(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range claims.Items {
		out["pvc/"+c.Name] = c.ResourceVersion
	}
	sets, err := cs.AppsV1().StatefulSets(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sets.Items {
		out["statefulset/"+s.Name] = s.ResourceVersion
	}
	deps, err := cs.AppsV1().Deployments(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range deps.Items {
		out["deployment/"+d.Name] = d.ResourceVersion
	}
	out["revisions"] = fmt.Sprint(revisions(t, cs, ns, "shop"))
	return out
}

// settledVersions are versions once the cluster's controllers have
// stopped touching the objects (the same twice, a second apart): a pod
// that goes after a prune updates its claim, and that write is not
// berth's. The check that a refused command writes nothing starts here.
func settledVersions(t *testing.T, cs kubernetes.Interface, ns string) map[string]string {
	t.Helper()
	last := versions(t, cs, ns)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		time.Sleep(time.Second)
		now := versions(t, cs, ns)
		if maps.Equal(now, last) {
			return now
		}
		last = now
	}
	t.Fatalf("the objects kept changing for 30s: %v", last)
	return nil
}

func claimSize(t *testing.T, cs kubernetes.Interface, ns, name string) string {
	t.Helper()
	pvc, err := cs.CoreV1().PersistentVolumeClaims(ns).Get(t.Context(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	q := pvc.Spec.Resources.Requests[corev1.ResourceStorage]
	return q.String()
}

func podUIDs(t *testing.T, cs kubernetes.Interface, ns, service string) map[string]string {
	t.Helper()
	pods, err := cs.CoreV1().Pods(ns).List(t.Context(), metav1.ListOptions{LabelSelector: "app.kubernetes.io/component=" + service})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, p := range pods.Items {
		if p.DeletionTimestamp == nil {
			out[p.Name] = string(p.UID)
		}
	}
	return out
}

func wantAll(t *testing.T, what, got string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("%s: want %q in\n%s", what, w, got)
		}
	}
}

const statefulApp = `apiVersion: berth/v1
name: shop
services:
  db:
    image: mongo:6
    stateful: true
    replicas: 2
    volumes:
      - name: data
        mountPath: /data/db
        size: 1Gi
        storageClass: CLASS
`

// TestRecreateStatefulSetGrowsVolumes: a larger volume of a StatefulSet
// (a volumeClaimTemplates change, which the API server forbids) is refused
// before anything is written, naming the field and both ways out; with
// --recreate-statefulset the claims are expanded, the StatefulSet is
// deleted with its pods orphaned and created again, and the pods keep
// running (same UIDs) under the new one.
//
// The sandbox has no kubelet and no CSI resizer: an expanded claim shows
// the new request in its spec while status.capacity stays at the old size,
// so the test checks the spec, which is what berth writes.
func TestRecreateStatefulSetGrowsVolumes(t *testing.T) {
	t.Parallel()
	c, ns, flags := onCluster(t)
	cs := c.Clientset(t)
	ctx := t.Context()
	class := expandableClass(t, cs, ns)
	file := writeConfig(t, strings.Replace(statefulApp, "CLASS", class, 1))
	deploy := func(extra ...string) (string, string, int) {
		return run(t, nil, append(append([]string{"deploy", "-f", file, "--timeout", "1m", "--cause", "test"}, extra...), flags...)...)
	}
	if _, stderr, code := deploy(); code != 0 {
		t.Fatalf("first deploy: exit %d\n%s", code, stderr)
	}
	old, err := cs.AppsV1().StatefulSets(ns).Get(ctx, "db", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pods := podUIDs(t, cs, ns, "db")
	if len(pods) != 2 {
		t.Fatalf("pods of db: %v", pods)
	}

	edit(t, file, "size: 1Gi", "size: 2Gi")
	before := versions(t, cs, ns)
	_, stderr, code := deploy()
	if code != ExitFailure {
		t.Fatalf("template change without --recreate-statefulset: exit %d\n%s", code, stderr)
	}
	wantAll(t, "refusal", stderr,
		"nothing was applied",
		"statefulset.apps/db, volume data: size increase (spec.volumeClaimTemplates[data].spec.resources.requests.storage 1Gi -> 2Gi)",
		"--recreate-statefulset", "data-db-0 to 2Gi", "data-db-1 to 2Gi", "orphaned", "new name")
	if after := versions(t, cs, ns); !maps.Equal(before, after) {
		t.Errorf("the refused deploy wrote something:\nbefore %v\nafter  %v", before, after)
	}

	// berth diff says what deploy says.
	_, stderr, code = run(t, nil, append([]string{"diff", "-f", file}, flags...)...)
	if code != ExitFailure || !strings.Contains(stderr, "spec.volumeClaimTemplates[data].spec.resources.requests.storage 1Gi -> 2Gi") || !strings.Contains(stderr, "--recreate-statefulset") {
		t.Errorf("diff of a template change: exit %d\n%s", code, stderr)
	}
	// A server dry run says what it would do and writes nothing.
	_, stderr, code = deploy("--recreate-statefulset", "--dry-run=server")
	if code != 0 {
		t.Fatalf("--recreate-statefulset --dry-run=server: exit %d\n%s", code, stderr)
	}
	wantAll(t, "dry run", stderr, "persistentvolumeclaim/data-db-0 would be expanded to 2Gi (server dry run)", "statefulset.apps/db would be deleted with its pods orphaned")
	if after := versions(t, cs, ns); !maps.Equal(before, after) {
		t.Errorf("the dry run wrote something:\nbefore %v\nafter  %v", before, after)
	}

	stdout, stderr, code := deploy("--recreate-statefulset")
	if code != 0 {
		t.Fatalf("--recreate-statefulset: exit %d\n%s\n%s", code, stdout, stderr)
	}
	wantAll(t, "recreate", stdout, "persistentvolumeclaim/data-db-0 expanded to 2Gi", "persistentvolumeclaim/data-db-1 expanded to 2Gi", "statefulset.apps/db created")
	for _, claim := range []string{"data-db-0", "data-db-1"} {
		if got := claimSize(t, cs, ns, claim); got != "2Gi" {
			t.Errorf("%s requests %s, want 2Gi", claim, got)
		}
	}
	sts, err := cs.AppsV1().StatefulSets(ns).Get(ctx, "db", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sts.UID == old.UID {
		t.Errorf("statefulset db was not recreated")
	}
	if q := sts.Spec.VolumeClaimTemplates[0].Spec.Resources.Requests[corev1.ResourceStorage]; q.Cmp(resource.MustParse("2Gi")) != 0 {
		t.Errorf("template requests %s", q.String())
	}
	// The pods ran on: orphaned, then adopted by the new StatefulSet.
	waitFor(t, "the new statefulset to adopt the pods", func() bool {
		list, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app.kubernetes.io/component=db"})
		if err != nil || len(list.Items) != 2 {
			return false
		}
		for _, p := range list.Items {
			if pods[p.Name] != string(p.UID) || !slices.ContainsFunc(p.OwnerReferences, func(o metav1.OwnerReference) bool { return o.UID == sts.UID }) {
				return false
			}
		}
		return true
	})
	// berth.yaml and the cluster agree again: a redeploy changes nothing.
	stdout, _ = mustRun(t, append([]string{"deploy", "-f", file, "--timeout", "1m", "--cause", "test"}, flags...)...)
	wantAll(t, "redeploy", stdout, "statefulset.apps/db unchanged")
}

// TestRecreateStatefulSetNewVolume: a new volume of a StatefulSet is a
// volumeClaimTemplates change too: refused without the flag, recreated
// with it, and its pods are replaced to get the new claims (the controller
// cannot add a volume to a running pod); undo to the revision without the
// volume is checked the same way and, with the flag, keeps its claims.
func TestRecreateStatefulSetNewVolume(t *testing.T) {
	t.Parallel()
	c, ns, flags := onCluster(t)
	cs := c.Clientset(t)
	file := writeConfig(t, strings.Replace(statefulApp, "        storageClass: CLASS\n", "", 1))
	deploy := func(extra ...string) (string, string, int) {
		return run(t, nil, append(append([]string{"deploy", "-f", file, "--timeout", "1m", "--cause", "test"}, extra...), flags...)...)
	}
	mustRun(t, append([]string{"deploy", "-f", file, "--timeout", "1m"}, flags...)...)
	pods := podUIDs(t, cs, ns, "db")
	edit(t, file, "        size: 1Gi\n", "        size: 1Gi\n      - name: logs\n        mountPath: /logs\n        size: 1Gi\n")
	before := versions(t, cs, ns)
	_, stderr, code := deploy()
	if code != ExitFailure {
		t.Fatalf("new volume without --recreate-statefulset: exit %d\n%s", code, stderr)
	}
	wantAll(t, "refusal", stderr, "statefulset.apps/db, volume logs: new volume (spec.volumeClaimTemplates[logs])", "--recreate-statefulset")
	if after := versions(t, cs, ns); !maps.Equal(before, after) {
		t.Errorf("the refused deploy wrote something:\nbefore %v\nafter  %v", before, after)
	}
	_, stderr, code = deploy("--recreate-statefulset")
	if code != 0 {
		t.Fatalf("--recreate-statefulset: exit %d\n%s", code, stderr)
	}
	wantAll(t, "recreate", stderr, "replacing pod db-0, which lacks volume logs", "replacing pod db-1, which lacks volume logs")
	list, err := cs.CoreV1().Pods(ns).List(t.Context(), metav1.ListOptions{LabelSelector: "app.kubernetes.io/component=db"})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range list.Items {
		if pods[p.Name] == string(p.UID) || !slices.ContainsFunc(p.Spec.Volumes, func(v corev1.Volume) bool { return v.Name == "logs" }) {
			t.Errorf("pod %s was not replaced with the logs volume", p.Name)
		}
	}

	// Undo to the revision without the volume: the same check, the same way out.
	undo := func(extra ...string) (string, string, int) {
		return run(t, nil, append(append([]string{"undo", "-f", file, "--timeout", "1m"}, extra...), flags...)...)
	}
	before = versions(t, cs, ns)
	_, stderr, code = undo()
	if code != ExitFailure || !strings.Contains(stderr, "statefulset.apps/db, volume logs: removed volume") {
		t.Fatalf("undo to a revision without the volume, without --recreate-statefulset: exit %d\n%s", code, stderr)
	}
	if after := versions(t, cs, ns); !maps.Equal(before, after) {
		t.Errorf("the refused undo wrote something:\nbefore %v\nafter  %v", before, after)
	}
	_, stderr, code = undo("--recreate-statefulset")
	if code != 0 {
		t.Fatalf("undo --recreate-statefulset: exit %d\n%s", code, stderr)
	}
	wantAll(t, "removed volume", stderr, "volume logs is no longer in berth.yaml; its claims logs-db-0, logs-db-1 are kept")
	for _, claim := range []string{"logs-db-0", "logs-db-1", "data-db-0", "data-db-1"} {
		if _, err := cs.CoreV1().PersistentVolumeClaims(ns).Get(t.Context(), claim, metav1.GetOptions{}); err != nil {
			t.Errorf("claim %s: %v", claim, err)
		}
	}
}

const volumesApp = `apiVersion: berth/v1
name: shop
services:
  web:
    image: nginx:1.27
    env: {MODE: one}
  files:
    image: minio:1
    strategy: Recreate
    volumes:
      - name: data
        mountPath: /data
        size: 2Gi
      - name: blobs
        mountPath: /blobs
        size: 1Gi
        storageClass: CLASS
  db:
    image: mongo:6
    stateful: true
    volumes:
      - name: data
        mountPath: /data/db
        size: 1Gi
`

// TestVolumeChangesRefused: shrinking a claim, changing its access mode or
// storage class (standalone claims and claim templates alike), and growing
// a claim whose class does not allow expansion are refused with the reason
// before anything is written (web's env change is not applied either, no
// revision is recorded); growing one whose class allows it is applied.
func TestVolumeChangesRefused(t *testing.T) {
	t.Parallel()
	c, ns, flags := onCluster(t)
	cs := c.Clientset(t)
	class := expandableClass(t, cs, ns)
	base := strings.Replace(volumesApp, "CLASS", class, 1)
	mustRun(t, append([]string{"deploy", "-f", writeConfig(t, base), "--timeout", "1m"}, flags...)...)
	for _, tc := range []struct {
		name  string
		edits []string
		flags []string
		want  []string
	}{
		{"shrink", []string{"size: 2Gi", "size: 1Gi"}, nil,
			[]string{"persistentvolumeclaim/files-data: size decrease (spec.resources.requests.storage 2Gi -> 1Gi): a volume cannot shrink"}},
		{"grow without expansion", []string{"size: 2Gi", "size: 3Gi"}, nil,
			[]string{"persistentvolumeclaim/files-data: size increase (spec.resources.requests.storage 2Gi -> 3Gi): storage class standard (of claim files-data) does not allow volume expansion", "allowVolumeExpansion: true"}},
		{"access mode", []string{"        size: 2Gi\n", "        size: 2Gi\n        accessMode: ReadWriteMany\n"}, nil,
			[]string{"persistentvolumeclaim/files-data: accessModes (spec.accessModes ReadWriteOnce -> ReadWriteMany): the access mode of an existing claim cannot change"}},
		{"storage class", []string{"        size: 2Gi\n", "        size: 2Gi\n        storageClass: " + class + "\n"}, nil,
			[]string{"persistentvolumeclaim/files-data: storageClassName (spec.storageClassName standard -> " + class + ")", "new name"}},
		{"template shrink", []string{"        mountPath: /data/db\n        size: 1Gi\n", "        mountPath: /data/db\n        size: 512Mi\n"}, []string{"--recreate-statefulset"},
			[]string{"statefulset.apps/db, volume data: size decrease (spec.volumeClaimTemplates[data].spec.resources.requests.storage 1Gi -> 512Mi)"}},
		{"template access mode", []string{"        mountPath: /data/db\n", "        mountPath: /data/db\n        accessMode: ReadWriteOncePod\n"}, []string{"--recreate-statefulset"},
			[]string{"statefulset.apps/db, volume data: accessModes (spec.volumeClaimTemplates[data].spec.accessModes ReadWriteOnce -> ReadWriteOncePod)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := writeConfig(t, base)
			edit(t, file, append([]string{"MODE: one", "MODE: two"}, tc.edits...)...)
			before := versions(t, cs, ns)
			_, stderr, code := run(t, nil, append(append([]string{"deploy", "-f", file, "--timeout", "1m"}, tc.flags...), flags...)...)
			if code != ExitFailure {
				t.Fatalf("exit %d, want %d\n%s", code, ExitFailure, stderr)
			}
			wantAll(t, "refusal", stderr, append([]string{"nothing was applied", "hint:"}, tc.want...)...)
			if after := versions(t, cs, ns); !maps.Equal(before, after) {
				t.Errorf("the refused deploy wrote something:\nbefore %v\nafter  %v", before, after)
			}
		})
	}
	// A class that allows expansion: the claim grows in place (in its
	// spec; the sandbox has no resizer to update status.capacity).
	file := writeConfig(t, base)
	edit(t, file, "        size: 1Gi\n        storageClass: "+class, "        size: 3Gi\n        storageClass: "+class)
	_, stderr := mustRun(t, append([]string{"deploy", "-f", file, "--timeout", "1m"}, flags...)...)
	wantAll(t, "expansion", stderr, "persistentvolumeclaim/files-blobs: growing from 1Gi to 3Gi")
	if got := claimSize(t, cs, ns, "files-blobs"); got != "3Gi" {
		t.Errorf("files-blobs requests %s, want 3Gi", got)
	}
}

const webOnly = "apiVersion: berth/v1\nname: shop\nservices:\n  web:\n    image: nginx:1.27\n"

const withVolumes = webOnly + `  files:
    image: minio:1
    strategy: Recreate
    volumes: [{name: data, mountPath: /data, size: 1Gi}]
  db:
    image: mongo:6
    stateful: true
    volumes: [{name: data, mountPath: /data/db, size: 1Gi}]
`

// TestVolumesNeverDeletedUnasked walks every path that removes objects:
// deploy's prune, undo to a revision without the volumes, delete (with a
// typed confirmation on a terminal). Claims go only when asked, and then
// only after berth listed each with its volume and reclaim policy and --yes
// or the app's name confirmed; without either, nothing is changed.
func TestVolumesNeverDeletedUnasked(t *testing.T) {
	t.Parallel()
	c, ns, flags := onCluster(t)
	cs := c.Clientset(t)
	ctx := t.Context()
	small, full := writeConfig(t, webOnly), writeConfig(t, withVolumes)
	mustRun(t, append([]string{"deploy", "-f", small, "--timeout", "1m"}, flags...)...)
	mustRun(t, append([]string{"deploy", "-f", full, "--timeout", "1m"}, flags...)...)
	claimList := []string{
		"persistentvolumeclaim/files-data (1Gi, class standard): bound to persistentvolume/pvc-",
		"persistentvolumeclaim/data-db-0 (1Gi, class standard",
		"reclaim policy Delete: the volume and its data are deleted too",
	}
	refused := func(what string, args ...string) {
		t.Helper()
		before := settledVersions(t, cs, ns)
		_, stderr, code := run(t, nil, append(args, flags...)...)
		if code != ExitFailure {
			t.Fatalf("%s: exit %d\n%s", what, code, stderr)
		}
		wantAll(t, what, stderr, append([]string{"nothing was changed", "would delete 2 claims", "--yes"}, claimList...)...)
		if after := versions(t, cs, ns); !maps.Equal(before, after) {
			t.Errorf("%s wrote something:\nbefore %v\nafter  %v", what, before, after)
		}
	}
	refused("deploy --prune-volumes", "deploy", "-f", small, "--prune-volumes")
	refused("undo --prune-volumes", "undo", "-f", small, "--prune-volumes")

	// Undo without the flag: the objects go, the claims stay.
	stdout, _ := mustRun(t, append([]string{"undo", "-f", small}, flags...)...)
	wantAll(t, "undo", stdout, "deployment.apps/files pruned", "persistentvolumeclaim/files-data kept", "persistentvolumeclaim/data-db-0 kept")
	// Let the pruned pods go first: their going updates the claims.
	waitFor(t, "the pruned pods to go", func() bool {
		list, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app.kubernetes.io/component in (files,db)"})
		return err == nil && len(list.Items) == 0
	})

	// Delete finds the claims the prune kept, though no revision names them.
	refused("delete --volumes", "delete", "-f", small, "--volumes")
	_, stderr, code := runTTY(t, "nope\n", append([]string{"delete", "-f", small, "--volumes"}, flags...)...)
	if code == 0 || !strings.Contains(stderr, "Type the app's name to delete them (shop)") {
		t.Errorf("delete with the wrong name typed: exit %d\n%s", code, stderr)
	}
	for _, claim := range []string{"files-data", "data-db-0"} {
		if _, err := cs.CoreV1().PersistentVolumeClaims(ns).Get(ctx, claim, metav1.GetOptions{}); err != nil {
			t.Errorf("claim %s deleted without confirmation: %v", claim, err)
		}
	}
	stdout, stderr, code = runTTY(t, "shop\n", append([]string{"delete", "-f", small, "--volumes"}, flags...)...)
	if code != 0 {
		t.Fatalf("delete with the name typed: exit %d\n%s", code, stderr)
	}
	wantAll(t, "delete", stderr, claimList...)
	wantAll(t, "delete", stdout, "persistentvolumeclaim/files-data deleted", "persistentvolumeclaim/data-db-0 deleted", "deployment.apps/web deleted")
	waitFor(t, "the claims to go", func() bool {
		list, err := cs.CoreV1().PersistentVolumeClaims(ns).List(ctx, metav1.ListOptions{})
		return err == nil && len(list.Items) == 0
	})
}

// TestPruneVolumesYesAndDown: --prune-volumes --yes deletes exactly the
// listed claims; berth down (berth delete on the target) refuses
// --volumes without --yes outside a terminal, and deletes with it.
func TestPruneVolumesYesAndDown(t *testing.T) {
	t.Parallel()
	c, ns, flags := onCluster(t)
	cs := c.Clientset(t)
	ctx := t.Context()
	small, full := writeConfig(t, webOnly), writeConfig(t, withVolumes)
	mustRun(t, append([]string{"deploy", "-f", full, "--timeout", "1m"}, flags...)...)
	stdout, stderr := mustRun(t, append([]string{"deploy", "-f", small, "--prune-volumes", "--yes"}, flags...)...)
	wantAll(t, "deploy --prune-volumes --yes", stderr, "--prune-volumes deletes 2 claims", "persistentvolumeclaim/files-data (1Gi, class standard)",
		"persistentvolumeclaim/data-db-0 (1Gi, class standard, of statefulset db): bound to persistentvolume/pvc-")
	wantAll(t, "deploy --prune-volumes --yes", stdout, "persistentvolumeclaim/files-data pruned", "persistentvolumeclaim/data-db-0 pruned")
	waitFor(t, "the pruned claims to go", func() bool {
		list, err := cs.CoreV1().PersistentVolumeClaims(ns).List(ctx, metav1.ListOptions{})
		return err == nil && len(list.Items) == 0
	})

	mustRun(t, append([]string{"deploy", "-f", full, "--timeout", "1m"}, flags...)...)
	_, stderr, code := run(t, nil, append([]string{"down", "-f", full, "--volumes"}, flags...)...)
	if code != ExitFailure || !strings.Contains(stderr, "--volumes would delete 2 claims") || !strings.Contains(stderr, "persistentvolumeclaim/data-db-0") {
		t.Errorf("down --volumes without --yes: exit %d\n%s", code, stderr)
	}
	if _, err := cs.AppsV1().Deployments(ns).Get(ctx, "files", metav1.GetOptions{}); err != nil {
		t.Errorf("the refused down deleted files: %v", err)
	}
	mustRun(t, append([]string{"down", "-f", full, "--volumes", "--yes"}, flags...)...)
	waitFor(t, "the claims to go", func() bool {
		list, err := cs.CoreV1().PersistentVolumeClaims(ns).List(ctx, metav1.ListOptions{})
		return err == nil && len(list.Items) == 0
	})
}

// runTTY runs berth with a terminal (a pseudo-terminal) as stdin, typing
// input into it.
func runTTY(t *testing.T, input string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	master, slave := openPTY(t)
	if _, err := master.WriteString(input); err != nil {
		t.Fatal(err)
	}
	streams, _, out, errOut := genericiooptions.NewTestIOStreams()
	streams.In = slave
	f := NewFactory(streams)
	f.LookupEnv = func(string) (string, bool) { return "", false }
	cmd := NewRootCmd(f)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(t.Context())
	if err != nil {
		PrintError(errOut, err, false)
	}
	return out.String(), errOut.String(), ExitCode(err)
}

func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("opening a pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { master.Close() })
	if err := unix.IoctlSetPointerInt(int(master.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetUint32(int(master.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	slave, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { slave.Close() })
	return master, slave
}

// TestKeptClaimsNameTheFlag: a claim kept because it holds data says
// which flag of the command that was run would delete it: --prune-volumes
// for deploy, --volumes for delete.
func TestKeptClaimsNameTheFlag(t *testing.T) {
	t.Parallel()
	_, _, flags := onCluster(t)
	small, full := writeConfig(t, webOnly), writeConfig(t, withVolumes)
	mustRun(t, append([]string{"deploy", "-f", full, "--timeout", "1m"}, flags...)...)
	stdout, _ := mustRun(t, append([]string{"deploy", "-f", small, "--timeout", "1m"}, flags...)...)
	wantAll(t, "deploy", stdout,
		"persistentvolumeclaim/files-data kept: it holds data; berth deletes claims only with --prune-volumes\n",
		"persistentvolumeclaim/data-db-0 kept: volume of statefulset db; berth deletes claims only with --prune-volumes\n")

	mustRun(t, append([]string{"deploy", "-f", full, "--timeout", "1m"}, flags...)...)
	stdout, _ = mustRun(t, append([]string{"delete", "-f", full, "--yes"}, flags...)...)
	wantAll(t, "delete", stdout,
		"persistentvolumeclaim/files-data kept: it holds data; berth deletes claims only with --volumes\n",
		"persistentvolumeclaim/data-db-0 kept: volume of statefulset db; berth deletes claims only with --volumes\n")
	if strings.Contains(stdout, "--prune-volumes") {
		t.Errorf("delete names deploy's --prune-volumes:\n%s", stdout)
	}
}
