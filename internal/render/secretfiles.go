package render

import (
	"maps"
	"path"
	"slices"

	corev1 "k8s.io/api/core/v1"

	"github.com/berth-dev/berth/internal/config"
)

// secretFilesValues projects the Secret keys a service mounts as files
// into one volume (each key at SECRET/KEY in it, once) and mounts each
// file with subPath, read-only; nil when the service mounts none.
func secretFilesValues(s *config.Service) *SecretFilesValues {
	if len(s.SecretFiles) == 0 {
		return nil
	}
	sf := &SecretFilesValues{}
	keys := map[string][]string{}
	for _, mount := range slices.Sorted(maps.Keys(s.SecretFiles)) {
		ref := s.SecretFiles[mount]
		item := path.Join(ref.Name, ref.Key)
		if !slices.Contains(keys[ref.Name], ref.Key) {
			keys[ref.Name] = append(keys[ref.Name], ref.Key)
		}
		sf.Mounts = append(sf.Mounts, corev1.VolumeMount{Name: config.SecretFilesVolume, MountPath: mount, SubPath: item, ReadOnly: true})
	}
	for _, name := range slices.Sorted(maps.Keys(keys)) {
		src := &corev1.SecretProjection{LocalObjectReference: corev1.LocalObjectReference{Name: name}}
		for _, k := range slices.Sorted(slices.Values(keys[name])) {
			src.Items = append(src.Items, corev1.KeyToPath{Key: k, Path: path.Join(name, k)})
		}
		sf.Sources = append(sf.Sources, corev1.VolumeProjection{Secret: src})
	}
	return sf
}
