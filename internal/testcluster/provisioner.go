package testcluster

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// The sandbox has no storage: no CSI driver, no cloud disks. Provisioner
// stands in for the outermost boundary only, the storage backend: it
// creates a hostPath PersistentVolume for each claim as a dynamic
// provisioner would, and the real kube-controller-manager binds them. A
// claim naming a StorageClass that does not exist stays Pending, as on a
// real cluster.
const (
	// ProvisionerName is the provisioner of the sandbox's default class.
	ProvisionerName = "berth.dev/sandbox-hostpath"
	// DefaultStorageClass is the sandbox's default StorageClass, named like minikube's.
	DefaultStorageClass = "standard"
	// NoProvisioner is a provisioner name the sandbox never serves: claims
	// of its classes stay Pending without an error, as under a provisioner
	// that is not running (every other class is served).
	NoProvisioner = "berth.dev/not-running"
	provisionedBy = "pv.kubernetes.io/provisioned-by"
	selectedNode  = "volume.kubernetes.io/selected-node"
)

// EnsureDefaultStorageClass creates the sandbox's default StorageClass.
func EnsureDefaultStorageClass(ctx context.Context, cs kubernetes.Interface) error {
	mode := storagev1.VolumeBindingImmediate
	sc := &storagev1.StorageClass{
		ObjectMeta: metav1.ObjectMeta{
			Name:        DefaultStorageClass,
			Annotations: map[string]string{"storageclass.kubernetes.io/is-default-class": "true"},
		},
		Provisioner:       ProvisionerName,
		VolumeBindingMode: &mode,
	}
	_, err := cs.StorageV1().StorageClasses().Create(ctx, sc, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating the default storage class: %w", err)
	}
	return nil
}

// Provision runs the provisioner until ctx ends: every interval it gives
// each pending claim of an existing StorageClass a volume (after the
// scheduler picked a node, for WaitForFirstConsumer classes) and deletes
// released volumes whose policy is Delete.
func Provision(ctx context.Context, cs kubernetes.Interface, root string, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		provisionOnce(ctx, cs, root)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func provisionOnce(ctx context.Context, cs kubernetes.Interface, root string) {
	claims, err := cs.CoreV1().PersistentVolumeClaims("").List(ctx, metav1.ListOptions{})
	if err != nil {
		return
	}
	for i := range claims.Items {
		pvc := &claims.Items[i]
		if pvc.Status.Phase != corev1.ClaimPending || pvc.Spec.VolumeName != "" || pvc.Spec.StorageClassName == nil || *pvc.Spec.StorageClassName == "" {
			continue
		}
		sc, err := cs.StorageV1().StorageClasses().Get(ctx, *pvc.Spec.StorageClassName, metav1.GetOptions{})
		if err != nil || sc.Provisioner == NoProvisioner {
			continue // no such class, or nothing serves it: the claim stays Pending, as on a real cluster
		}
		if sc.VolumeBindingMode != nil && *sc.VolumeBindingMode == storagev1.VolumeBindingWaitForFirstConsumer && pvc.Annotations[selectedNode] == "" {
			continue
		}
		dir := filepath.Join(root, pvc.Namespace, pvc.Name)
		if err := volumeDir(dir); err != nil {
			continue // the claim stays Pending; the next round tries again
		}
		reclaim := corev1.PersistentVolumeReclaimDelete
		if sc.ReclaimPolicy != nil {
			reclaim = *sc.ReclaimPolicy
		}
		pv := &corev1.PersistentVolume{
			ObjectMeta: metav1.ObjectMeta{
				Name:        "pvc-" + string(pvc.UID),
				Annotations: map[string]string{provisionedBy: ProvisionerName},
			},
			Spec: corev1.PersistentVolumeSpec{
				Capacity:                      corev1.ResourceList{corev1.ResourceStorage: pvc.Spec.Resources.Requests[corev1.ResourceStorage]},
				AccessModes:                   pvc.Spec.AccessModes,
				PersistentVolumeReclaimPolicy: reclaim,
				StorageClassName:              sc.Name,
				ClaimRef:                      &corev1.ObjectReference{Kind: "PersistentVolumeClaim", APIVersion: "v1", Namespace: pvc.Namespace, Name: pvc.Name, UID: pvc.UID},
				PersistentVolumeSource: corev1.PersistentVolumeSource{
					HostPath: &corev1.HostPathVolumeSource{Path: dir},
				},
			},
		}
		_, _ = cs.CoreV1().PersistentVolumes().Create(ctx, pv, metav1.CreateOptions{})
	}
	volumes, err := cs.CoreV1().PersistentVolumes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return
	}
	for _, pv := range volumes.Items {
		if pv.Annotations[provisionedBy] == ProvisionerName && pv.Status.Phase == corev1.VolumeReleased && pv.Spec.PersistentVolumeReclaimPolicy == corev1.PersistentVolumeReclaimDelete {
			_ = cs.CoreV1().PersistentVolumes().Delete(ctx, pv.Name, metav1.DeleteOptions{})
		}
	}
}

// volumeDir creates a volume's directory world-writable (mode 0777, the
// umask does not apply), as rancher's local-path-provisioner does: a pod's
// fsGroup does not apply to hostPath volumes, so a container running as
// any uid (Redis runs as 999) must be able to write to a fresh volume on
// the real node. An existing directory keeps its mode (its data stays).
func volumeDir(dir string) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating the volume directory: %w", err)
	}
	if err := os.Chmod(dir, 0o777); err != nil { //nolint:gosec // world-writable on purpose: any container uid writes to it
		return fmt.Errorf("making the volume directory writable: %w", err)
	}
	return nil
}
