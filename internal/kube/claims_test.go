package kube_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-dev/berth/internal/kube"
)

// TestClaimString: the line berth shows for each claim it is asked to
// delete says what happens to the volume's data, by reclaim policy.
func TestClaimString(t *testing.T) {
	ref := kube.Ref{Version: "v1", Kind: "PersistentVolumeClaim", Name: "data-db-0"}
	for _, tc := range []struct {
		claim kube.Claim
		want  string
	}{
		{kube.Claim{Ref: ref, Size: "1Gi", StorageClass: "standard", StatefulSet: "db", Volume: "pv-1", ReclaimPolicy: "Delete"},
			"persistentvolumeclaim/data-db-0 (1Gi, class standard, of statefulset db): bound to persistentvolume/pv-1, reclaim policy Delete: the volume and its data are deleted too"},
		{kube.Claim{Ref: ref, Size: "1Gi", Volume: "pv-1", ReclaimPolicy: "Retain"},
			"persistentvolumeclaim/data-db-0 (1Gi): bound to persistentvolume/pv-1, reclaim policy Retain: the volume is kept (Released) with its data"},
		{kube.Claim{Ref: ref, Volume: "pv-1", ReclaimPolicy: "Recycle"},
			"persistentvolumeclaim/data-db-0: bound to persistentvolume/pv-1, reclaim policy Recycle: the volume is wiped"},
		{kube.Claim{Ref: ref, Volume: "pv-1"},
			"persistentvolumeclaim/data-db-0: bound to persistentvolume/pv-1, reclaim policy unknown (berth may not read persistent volumes): its data may be deleted too"},
		{kube.Claim{Ref: ref, Size: "1Gi"}, "persistentvolumeclaim/data-db-0 (1Gi): not bound to a volume"},
	} {
		if diff := cmp.Diff(tc.want, tc.claim.String()); diff != "" {
			t.Errorf("(-want +got)\n%s", diff)
		}
	}
}

// TestVolumeChangeString names the object, the volume, the field and both
// values, and whether a StatefulSet recreation can make the change.
func TestVolumeChangeString(t *testing.T) {
	sts := kube.Ref{Group: "apps", Version: "v1", Kind: "StatefulSet", Name: "db"}
	pvc := kube.Ref{Version: "v1", Kind: "PersistentVolumeClaim", Name: "files-data"}
	for _, tc := range []struct {
		ch       kube.VolumeChange
		want     string
		recreate bool
	}{
		{kube.VolumeChange{Object: sts, Volume: "data", Kind: kube.VolumeExpanded, Field: "spec.volumeClaimTemplates[data].spec.resources.requests.storage", From: "1Gi", To: "2Gi"},
			"statefulset.apps/db, volume data: size increase (spec.volumeClaimTemplates[data].spec.resources.requests.storage 1Gi -> 2Gi)", true},
		{kube.VolumeChange{Object: sts, Volume: "logs", Kind: kube.VolumeTemplateAdded, Field: "spec.volumeClaimTemplates[logs]"},
			"statefulset.apps/db, volume logs: new volume (spec.volumeClaimTemplates[logs])", true},
		{kube.VolumeChange{Object: pvc, Kind: kube.VolumeStorageClass, Field: "spec.storageClassName", From: "", To: "fast", Problem: "no"},
			`persistentvolumeclaim/files-data: storageClassName (spec.storageClassName "" -> fast): no`, false},
		{kube.VolumeChange{Object: pvc, Kind: kube.VolumeExpanded, Field: "spec.resources.requests.storage", From: "1Gi", To: "2Gi"},
			"persistentvolumeclaim/files-data: size increase (spec.resources.requests.storage 1Gi -> 2Gi)", false},
	} {
		if diff := cmp.Diff(tc.want, tc.ch.String()); diff != "" {
			t.Errorf("(-want +got)\n%s", diff)
		}
		if got := tc.ch.NeedsRecreate(); got != tc.recreate {
			t.Errorf("%s: NeedsRecreate %v, want %v", tc.want, got, tc.recreate)
		}
	}
}
