package release

import (
	"fmt"
	"regexp"
	"strings"

	"sigs.k8s.io/yaml"
)

// A revision records no secret values: the live Secret is the only place
// berth keeps them. Begin passes the manifest through RedactManifest and
// the values (and the chart's default values) through RedactValues. berth
// undo gives the recorded Secrets their data back from the cluster (see
// package deploy).

// docSep splits a manifest into its YAML documents.
var docSep = regexp.MustCompile(`(?m)^---[ \t]*\r?\n`)

// MapSecrets calls fn on every Secret of a manifest, decoded, and writes
// the Secrets back (re-encoded, after their leading comment lines such as
// "# Source: …"); every other document is kept byte for byte.
func MapSecrets(manifest string, fn func(obj map[string]any) error) (string, error) {
	parts := docSep.Split(manifest, -1)
	for i, doc := range parts {
		if !strings.Contains(doc, "Secret") {
			continue
		}
		var obj map[string]any
		if err := yaml.Unmarshal([]byte(doc), &obj); err != nil || obj == nil {
			continue // not an object; apply would reject it anyway
		}
		if obj["kind"] != "Secret" || obj["apiVersion"] != "v1" {
			continue
		}
		if err := fn(obj); err != nil {
			return "", err
		}
		var head strings.Builder
		for _, line := range strings.SplitAfter(doc, "\n") {
			if !strings.HasPrefix(line, "#") {
				break
			}
			head.WriteString(line)
		}
		body, err := yaml.Marshal(obj)
		if err != nil {
			return "", fmt.Errorf("encoding a Secret of the manifest: %w", err)
		}
		parts[i] = head.String() + string(body)
	}
	if len(parts) == 1 {
		return parts[0], nil
	}
	var b strings.Builder
	b.WriteString(parts[0])
	for _, p := range parts[1:] {
		b.WriteString("---\n")
		b.WriteString(p)
	}
	return b.String(), nil
}

// RedactManifest drops the data and stringData of every Secret of a
// manifest: what a revision records.
func RedactManifest(manifest string) (string, error) {
	return MapSecrets(manifest, func(obj map[string]any) error {
		delete(obj, "data")
		delete(obj, "stringData")
		return nil
	})
}

// RedactValues returns a copy of chart values whose secrets.NAME.data
// values are blank (the keys are kept: berth undo reads them).
func RedactValues(values map[string]any) map[string]any {
	if values == nil {
		return nil
	}
	out := make(map[string]any, len(values))
	for k, v := range values {
		out[k] = v
	}
	secrets, ok := values["secrets"].(map[string]any)
	if !ok {
		return out
	}
	red := make(map[string]any, len(secrets))
	for name, s := range secrets {
		sm, ok := s.(map[string]any)
		if !ok {
			red[name] = s
			continue
		}
		cp := make(map[string]any, len(sm))
		for k, v := range sm {
			cp[k] = v
		}
		if data, ok := sm["data"].(map[string]any); ok {
			blank := make(map[string]any, len(data))
			for k := range data {
				blank[k] = ""
			}
			cp["data"] = blank
		}
		red[name] = cp
	}
	out["secrets"] = red
	return out
}
