package deploy_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"

	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/kube"
	"github.com/berth-dev/berth/internal/release"
	"github.com/berth-dev/berth/internal/testcluster"
)

var cluster *testcluster.Cluster

// TestMain starts the sandbox for the tests that need one (Require); the
// others run without it.
func TestMain(m *testing.M) { os.Exit(testcluster.Main(m, &cluster)) }

// TestLeaseTakenOverMidDeploy takes a deploy's Lease over while the deploy
// waits for a workload that never becomes ready: the deploy stops with a
// LeaseLostError, records its revision failed and writes nothing after
// (the service it would prune is still there, the Lease stays the new
// holder's), against the sandbox's API server.
func TestLeaseTakenOverMidDeploy(t *testing.T) {
	t.Parallel()
	c := testcluster.Require(t, cluster)
	ns := c.Namespace(t)
	cfg, err := c.RESTConfig()
	if err != nil {
		t.Fatal(err)
	}
	kc, err := kube.NewClientFromConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var out, log bytes.Buffer
	d := &deploy.Deployer{Cluster: kc, Locker: deploy.Leases{Client: kc.Clientset}, Records: release.NewStore(kc.Clientset, ns), Out: &out, Log: &log}
	opts := func(text string) deploy.Options {
		return deploy.Options{Project: project(t, text), Namespace: ns, RollOptions: deploy.RollOptions{Wait: true, Timeout: 2 * time.Minute, Holder: "test " + t.Name()}}
	}
	const first = "apiVersion: berth/v1\nname: shop\nservices:\n  web:\n    image: registry.example/web:1\n  old:\n    image: registry.example/old:1\n"
	if _, err := d.Deploy(t.Context(), opts(first)); err != nil {
		t.Fatalf("first deploy: %v\n%s", err, log.String())
	}

	// The second has a db whose claim waits for a provisioner that does
	// not run, and no old: it would prune old once db is ready.
	t.Cleanup(func() {
		_ = kc.Clientset.StorageV1().StorageClasses().Delete(context.WithoutCancel(t.Context()), ns, metav1.DeleteOptions{})
	})
	second := "apiVersion: berth/v1\nname: shop\nstorageClasses:\n  " + ns + ": {provisioner: " + testcluster.NoProvisioner + "}\n" +
		"services:\n  web:\n    image: registry.example/web:1\n" +
		"  db:\n    image: registry.example/db:1\n    stateful: true\n    volumes: [{name: data, mountPath: /data, size: 1Gi, storageClass: " + ns + "}]\n"
	done := make(chan error, 1)
	start := time.Now()
	go func() {
		_, err := d.Deploy(t.Context(), opts(second))
		done <- err
	}()

	// Once db is applied, the deploy waits for it: take the Lease over.
	ctx := t.Context()
	err = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		_, err := kc.Clientset.AppsV1().StatefulSets(ns).Get(ctx, "db", metav1.GetOptions{})
		return err == nil, nil
	})
	if err != nil {
		t.Fatalf("db was never applied: %v\n%s", err, log.String())
	}
	leases := kc.Clientset.CoordinationV1().Leases(ns)
	lease, err := leases.Get(ctx, release.LeaseName("shop"), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	now := metav1.NowMicro()
	lease.Spec.HolderIdentity, lease.Spec.AcquireTime, lease.Spec.RenewTime = ptr.To("intruder"), &now, &now
	lease.Spec.LeaseDurationSeconds = ptr.To(int32(600))
	if _, err := leases.Update(ctx, lease, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}

	var derr error
	select {
	case derr = <-done:
	case <-time.After(time.Minute):
		t.Fatal("the deploy went on after its lease was taken over")
	}
	var lost *deploy.LeaseLostError
	if !errors.As(derr, &lost) {
		t.Fatalf("got %v, want a LeaseLostError\n%s", derr, log.String())
	}
	if lost.Stage != deploy.StageWait || lost.Revision != 2 || !lost.Recorded || !strings.Contains(derr.Error(), "taken over by intruder") {
		t.Errorf("LeaseLostError %+v: %v", lost, derr)
	}
	// Noticed at the next renewal, a third of the lock's TTL at most.
	if elapsed := time.Since(start); elapsed > deploy.LockTTL {
		t.Errorf("the deploy stopped %s after it began", elapsed)
	}

	h, err := release.NewStore(kc.Clientset, ns).History(ctx, "shop")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range h {
		got = append(got, string(r.Release.Info.Status))
	}
	diff(t, "revision statuses", []string{"deployed", "failed"}, got)
	if desc := h[1].Release.Info.Description; !strings.HasPrefix(desc, "stopped while waiting: deploy lock of shop lost: taken over by intruder") {
		t.Errorf("revision 2's description %q", desc)
	}
	if _, err := kc.Clientset.AppsV1().Deployments(ns).Get(ctx, "old", metav1.GetOptions{}); apierrors.IsNotFound(err) {
		t.Error("old was pruned after the lease was lost")
	} else if err != nil {
		t.Fatal(err)
	}
	lease, err = leases.Get(ctx, release.LeaseName("shop"), metav1.GetOptions{})
	if err != nil {
		t.Fatalf("the Lease of the new holder: %v", err)
	}
	if h := ptr.Deref(lease.Spec.HolderIdentity, ""); h != "intruder" {
		t.Errorf("the Lease is %s's, want the intruder's", h)
	}
}
