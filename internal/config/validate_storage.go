package config

// Validating volumes and config files.

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strconv"

	"k8s.io/apimachinery/pkg/util/validation"
)

func (v *validator) configFiles(sp string, s *Service) {
	keys := map[string]string{}
	for _, mount := range sortedKeys(s.ConfigFiles) {
		cp := sp + "/configFiles/" + pointerEscape(mount)
		if !path.IsAbs(mount) {
			v.errorAtKey(cp, fmt.Sprintf("mount path %q is not absolute", mount), "configFiles maps an absolute path in the container to a local file, e.g. /etc/app/config.json: ./config.json")
			continue
		}
		if k := path.Base(mount); keys[k] != "" {
			v.errorAtKey(cp, fmt.Sprintf("mount path %q has the same file name as %q", mount, keys[k]), "config files of one service need distinct file names")
		} else {
			keys[k] = mount
		}
		src := filepath.Join(v.p.Dir, filepath.FromSlash(s.ConfigFiles[mount]))
		st, err := os.Stat(src)
		switch {
		case err != nil:
			v.errorAt(cp, fmt.Sprintf("config file %s does not exist", src), "paths are relative to berth.yaml")
		case st.IsDir():
			v.errorAt(cp, fmt.Sprintf("config file %s is a directory", src), "name a file; mount each file of a directory separately")
		case st.Size() > MaxConfigFileSize:
			v.errorAt(cp, fmt.Sprintf("config file %s is %d bytes; a ConfigMap holds at most 1 MiB", src, st.Size()), "bake large files into the image, or use a volume")
		}
	}
}

func (v *validator) volumes(sp, name string, s *Service) {
	names := map[string]int{}
	mounts := map[string]int{}
	for i, vol := range s.Volumes {
		vp := sp + "/volumes/" + strconv.Itoa(i)
		if vol.Name == ConfigFilesVolume || vol.Name == SecretFilesVolume {
			v.errorAt(vp+"/name", fmt.Sprintf("volume name %q is reserved for configFiles and secretFiles", vol.Name), "pick another name, e.g. data")
		}
		if errs := validation.IsDNS1123Label(vol.Name); len(errs) > 0 {
			v.errorAt(vp+"/name", fmt.Sprintf("invalid volume name %q: %s", vol.Name, nameProblem(errs)), "use lowercase letters, digits and '-', e.g. data")
		}
		if j, dup := names[vol.Name]; dup {
			v.errorAt(vp+"/name", fmt.Sprintf("volume name %q is already used by volumes[%d]", vol.Name, j), "give each volume its own name")
		}
		names[vol.Name] = i
		if !path.IsAbs(vol.MountPath) {
			v.errorAt(vp+"/mountPath", fmt.Sprintf("mount path %q is not absolute", vol.MountPath), "e.g. /data")
		} else if j, dup := mounts[path.Clean(vol.MountPath)]; dup {
			v.errorAt(vp+"/mountPath", fmt.Sprintf("mount path %q is already used by volumes[%d]", vol.MountPath, j), "mount each volume at its own path")
		} else {
			mounts[path.Clean(vol.MountPath)] = i
		}
		if vol.Size == "" {
			v.errorAt(vp, "volume has no size", "add `size: 1Gi` (or another quantity)")
		} else if q, ok := v.quantity(vp+"/size", vol.Size, "volume size"); ok && q.Sign() == 0 {
			v.errorAt(vp+"/size", "volume size must be above zero", "e.g. 256Mi or 10Gi")
		}
		if vol.StorageClass != "" {
			if errs := validation.IsDNS1123Subdomain(vol.StorageClass); len(errs) > 0 {
				v.errorAt(vp+"/storageClass", fmt.Sprintf("invalid storage class name %q", vol.StorageClass), "name a class from storageClasses or one that exists in the cluster")
			}
		}
		mode := orDefault(vol.AccessMode, "ReadWriteOnce")
		single := mode == "ReadWriteOnce" || mode == "ReadWriteOncePod"
		if single && !s.Stateful && s.MaxReplicas() > 1 {
			what := fmt.Sprintf("replicas: %d", s.EffectiveReplicas())
			if s.Autoscale != nil && s.Autoscale.Max > s.EffectiveReplicas() {
				what = fmt.Sprintf("autoscale.max: %d", s.Autoscale.Max)
			}
			v.errorAt(vp, fmt.Sprintf("volume %q is %s but service %q can run %d pods (%s)", vol.Name, mode, name, s.MaxReplicas(), what),
				"all replicas of a Deployment share one claim, and a "+mode+" volume attaches to one node only, so extra pods hang in ContainerCreating or corrupt each other's data.\n"+
					"Fix it one of these ways:\n"+
					"  - stateful: true: a StatefulSet gives each replica its own volume (databases, queues)\n"+
					"  - replicas: 1 with strategy: Recreate: one pod, replaced by stopping the old one first\n"+
					"  - accessMode: ReadWriteMany with a storage class that supports it (NFS, CephFS, EFS), or keep the data in a shared store (object storage, a database)")
		}
	}
	if !s.Stateful && len(s.Volumes) > 0 && s.MaxReplicas() == 1 && (s.Strategy == nil || s.Strategy.Type != StrategyRecreate) {
		for i, vol := range s.Volumes {
			if m := orDefault(vol.AccessMode, "ReadWriteOnce"); m == "ReadWriteOnce" || m == "ReadWriteOncePod" {
				v.warn(sp+"/volumes/"+strconv.Itoa(i), fmt.Sprintf("volume %q is %s and the service rolls out with RollingUpdate", vol.Name, m),
					"a rolling update starts the new pod before the old one stops; on another node it waits for the volume (Multi-Attach error) and the rollout stalls. Add `strategy: Recreate`")
				break
			}
		}
	}
	if s.Stateful && len(s.Volumes) == 0 {
		v.warn(sp+"/stateful", "stateful service has no volumes", "a StatefulSet without volumes loses its data when a pod is replaced; add volumes, or drop stateful: true")
	}
}

// ConfigFilesVolume is the pod volume that holds a service's configFiles.
const ConfigFilesVolume = "berth-files"
