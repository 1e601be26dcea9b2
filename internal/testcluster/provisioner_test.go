package testcluster

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"
)

// TestProvisionVolumeDirWritable checks that a provisioned volume's
// directory exists before the pod starts and is writable by any uid
// (mode 0777, whatever the umask), since fsGroup does not apply to
// hostPath volumes; and that an existing directory keeps its mode.
func TestProvisionVolumeDirWritable(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	class := DefaultStorageClass
	claim := func(name string) *corev1.PersistentVolumeClaim {
		return &corev1.PersistentVolumeClaim{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID("uid-default-" + name)},
			Spec: corev1.PersistentVolumeClaimSpec{
				StorageClassName: &class,
				AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
				Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{
					corev1.ResourceStorage: resource.MustParse("1Gi"),
				}},
			},
			Status: corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimPending},
		}
	}
	existing := filepath.Join(root, "default", "kept")
	if err := os.MkdirAll(existing, 0o700); err != nil {
		t.Fatal(err)
	}
	cs := fake.NewClientset(claim("data-redis-0"), claim("kept"))
	if err := EnsureDefaultStorageClass(ctx, cs); err != nil {
		t.Fatal(err)
	}
	provisionOnce(ctx, cs, root)

	tests := []struct {
		claim string
		mode  os.FileMode
	}{
		{"data-redis-0", 0o777},
		{"kept", 0o700},
	}
	for _, tt := range tests {
		t.Run(tt.claim, func(t *testing.T) {
			dir := filepath.Join(root, "default", tt.claim)
			fi, err := os.Stat(dir)
			if err != nil {
				t.Fatalf("volume directory: %v", err)
			}
			if !fi.IsDir() || fi.Mode().Perm() != tt.mode {
				t.Errorf("%s: mode %v, want a directory with %v", dir, fi.Mode(), tt.mode)
			}
			pv, err := cs.CoreV1().PersistentVolumes().Get(ctx, "pvc-uid-default-"+tt.claim, metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if got := pv.Spec.HostPath.Path; got != dir {
				t.Errorf("hostPath %q, want %q", got, dir)
			}
		})
	}
}
