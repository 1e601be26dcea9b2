package config

// Validating Secret keys mounted as files.

import (
	"fmt"
	"path"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
)

// secretFiles checks a service's secretFiles: absolute mount paths not
// used by configFiles, valid names, and keys that exist when the Secret
// is one of berth.yaml's.
func (v *validator) secretFiles(sp string, s *Service) {
	for _, mount := range sortedKeys(s.SecretFiles) {
		fp := sp + "/secretFiles/" + pointerEscape(mount)
		ref := s.SecretFiles[mount]
		if !path.IsAbs(mount) {
			v.errorAtKey(fp, fmt.Sprintf("mount path %q is not absolute", mount), "secretFiles maps an absolute path in the container to a Secret key, e.g. /run/secrets/db-password: {name: db-password, key: db-password}")
		} else if _, dup := s.ConfigFiles[mount]; dup {
			v.errorAtKey(fp, fmt.Sprintf("mount path %q is also a configFiles entry", mount), "mount one file at each path")
		}
		if errs := validation.IsDNS1123Subdomain(ref.Name); len(errs) > 0 {
			v.errorAt(fp+"/name", fmt.Sprintf("invalid secret name %q: %s", ref.Name, nameProblem(errs)), "name a secret under secrets:, or one made in the cluster")
			continue
		}
		if errs := validation.IsConfigMapKey(ref.Key); len(errs) > 0 {
			v.errorAt(fp+"/key", fmt.Sprintf("invalid secret key %q: %s", ref.Key, errs[0]), "keys are letters, digits, '-', '_' and '.'")
			continue
		}
		if sec, ok := v.p.Secrets[ref.Name]; ok {
			if _, ok := sec[ref.Key]; !ok {
				hint := fmt.Sprintf("secret %q defines: %s", ref.Name, strings.Join(sortedKeys(sec), ", "))
				if sg := suggest(ref.Key, sortedKeys(sec)); sg != "" {
					hint = fmt.Sprintf("did you mean %q? (%s)", sg, hint)
				}
				v.errorAt(fp+"/key", fmt.Sprintf("secret %q has no key %q", ref.Name, ref.Key), hint)
			}
		}
	}
}
