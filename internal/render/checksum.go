package render

// Pod annotations and the checksums in them that roll pods when their config
// files or secrets change.

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/crypto/scrypt"

	"github.com/berth-dev/berth/internal/config"
)

// podAnnotations are a service's pod annotations with the checksums that
// roll its pods when its config files or secrets change (nil when there
// are none), and its config files.
func podAnnotations(p *config.Project, name string, s *config.Service, sums map[string]string) (map[string]string, *ConfigFilesValues, error) {
	var files *ConfigFilesValues
	podAnnotations := map[string]string{}
	for k, val := range s.PodAnnotations {
		podAnnotations[k] = val
	}
	if len(s.ConfigFiles) > 0 {
		cf, sum, err := configFiles(p, name, s)
		if err != nil {
			return nil, nil, err
		}
		files = cf
		podAnnotations[ChecksumConfigAnnotation] = sum
	}
	sum, err := secretsChecksum(p, s, sums)
	if err != nil {
		return nil, nil, err
	}
	if sum != "" {
		podAnnotations[ChecksumSecretsAnnotation] = sum
	}
	if len(podAnnotations) == 0 {
		podAnnotations = nil
	}
	return podAnnotations, files, nil
}

// configFiles reads a service's config files into ConfigMap values and
// returns the checksum of their content.
func configFiles(p *config.Project, name string, s *config.Service) (*ConfigFilesValues, string, error) {
	mounts := make([]string, 0, len(s.ConfigFiles))
	for m := range s.ConfigFiles {
		mounts = append(mounts, m)
	}
	slices.Sort(mounts)
	cf := &ConfigFilesValues{Name: name + "-files"}
	h := sha256.New()
	for _, m := range mounts {
		src := filepath.Join(p.Dir, filepath.FromSlash(s.ConfigFiles[m]))
		data, err := os.ReadFile(src)
		if err != nil {
			return nil, "", fmt.Errorf("reading config file for %s: %w", m, err)
		}
		fv := FileValue{Key: path.Base(m), MountPath: m}
		if textProblem(string(data)) == "" {
			fv.Content = string(data)
		} else {
			fv.Binary = base64.StdEncoding.EncodeToString(data)
		}
		fmt.Fprintf(h, "%s\x00%d\x00", m, len(data))
		h.Write(data)
		cf.Files = append(cf.Files, fv)
	}
	return cf, hex.EncodeToString(h.Sum(nil)), nil
}

// secretsChecksum fingerprints the app-level secrets a service uses, so
// changing a secret value rolls the pods that read it. Pod annotations are
// readable by anyone who may read pods, so the fingerprint is scrypt, not a
// bare SHA-256: confirming a guessed weak password offline costs
// milliseconds per guess instead of nanoseconds. sums memoises the result
// per distinct secret set within one render.
func secretsChecksum(p *config.Project, s *config.Service, sums map[string]string) (string, error) {
	used := map[string]bool{}
	for _, e := range s.Env {
		if e.SecretRef != nil {
			used[e.SecretRef.Name] = true
		}
	}
	for _, ef := range s.EnvFrom {
		if ef.Secret != "" {
			used[ef.Secret] = true
		}
	}
	for _, f := range s.SecretFiles {
		used[f.Name] = true
	}
	var names []string
	for n := range used {
		if _, ok := p.Secrets[n]; ok {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return "", nil
	}
	slices.Sort(names)
	h := sha256.New()
	for _, n := range names {
		keys := make([]string, 0, len(p.Secrets[n]))
		for k := range p.Secrets[n] {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			v := p.Secrets[n][k]
			fmt.Fprintf(h, "%s\x00%s\x00%d\x00%s\x00", n, k, len(v), v)
		}
	}
	digest := string(h.Sum(nil))
	if sum, ok := sums[digest]; ok {
		return sum, nil
	}
	key, err := scrypt.Key([]byte(digest), []byte("berth-secrets/"+p.Name+"/"+strings.Join(names, ",")), 1<<10, 8, 1, 32)
	if err != nil {
		return "", fmt.Errorf("fingerprinting secrets: %w", err)
	}
	sums[digest] = hex.EncodeToString(key)
	return sums[digest], nil
}

// SecretChecksum fingerprints the values of Secret name of app: scrypt
// (as secretsChecksum, so a guessed weak value costs milliseconds to
// check) over the keys and values.
func SecretChecksum(app, name string, data map[string]string) (string, error) {
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	h := sha256.New()
	for _, k := range keys {
		fmt.Fprintf(h, "%s\x00%d\x00%s\x00", k, len(data[k]), data[k])
	}
	key, err := scrypt.Key(h.Sum(nil), []byte("berth-secret/"+app+"/"+name), 1<<10, 8, 1, 32)
	if err != nil {
		return "", fmt.Errorf("fingerprinting secret %s: %w", name, err)
	}
	return hex.EncodeToString(key), nil
}
