package deploy

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"

	"github.com/berth-dev/berth/internal/release"
	"github.com/berth-dev/berth/internal/render"
)

// Release records keep no secret values (release.RedactManifest): a
// recorded Secret has its keys (in the values) and the checksum of its
// values (the checksum.berth.dev/data annotation), not its data. Applied
// as recorded, it would remove the data berth applied before. So undo and
// --atomic give each recorded Secret the data the cluster holds (or, for
// --atomic, held before the failed revision), and say so when those are
// not the values the revision had.

// secretData is the data of Secrets by name.
type secretData map[string]map[string][]byte

// MissingSecretError is an undo to a revision whose Secret no longer
// exists: berth keeps no old values, so it cannot create it again.
type MissingSecretError struct {
	Name     string
	Revision int
	Keys     []string
}

func (e *MissingSecretError) Error() string {
	return fmt.Sprintf("nothing was changed: revision %d has Secret %s, which is no longer in the cluster, and berth keeps no secret values in its records", e.Revision, e.Name)
}

// Hint says how to go on.
func (e *MissingSecretError) Hint() string {
	return fmt.Sprintf("create it again (kubectl create secret generic %s --from-literal=KEY=VALUE …, keys: %s) and run the undo again, or deploy (berth deploy)", e.Name, strings.Join(e.Keys, ", "))
}

// recordedSecrets are the Secrets of a plan that need their data filled:
// those without data that carry berth's checksum annotation.
func recordedSecrets(pl *plan) []int {
	var out []int
	for i, obj := range pl.objs {
		if obj.GetKind() != "Secret" || obj.GetAPIVersion() != "v1" {
			continue
		}
		if _, ok := obj.Object["data"]; ok {
			continue // recorded by a berth that kept values
		}
		if _, ok := obj.Object["stringData"]; ok {
			continue
		}
		if _, ok := obj.GetAnnotations()[render.ChecksumDataAnnotation]; !ok {
			continue
		}
		out = append(out, i)
	}
	return out
}

// liveSecrets reads the data of the plan's recorded Secrets from the
// cluster; a Secret that is not there is left out.
func (d *Deployer) liveSecrets(ctx context.Context, ns string, names []string) (secretData, error) {
	out := secretData{}
	for _, name := range names {
		data, found, err := d.Cluster.SecretData(ctx, ns, name)
		if err != nil {
			return nil, err
		}
		if found {
			out[name] = data
		}
	}
	return out, nil
}

// fillSecrets gives the recorded Secrets of pl (revision rev) data: from
// held when it has the Secret, else from the cluster. The values are the
// ones the revision had when their checksum says so; otherwise they are
// the current ones, with a warning. The annotation, the recorded manifest
// and values follow what is applied.
func (d *Deployer) fillSecrets(ctx context.Context, pl *plan, rev int, held secretData) error {
	idx := recordedSecrets(pl)
	if len(idx) == 0 {
		return nil
	}
	var need []string
	for _, i := range idx {
		if name := pl.objs[i].GetName(); held[name] == nil {
			need = append(need, name)
		}
	}
	live, err := d.liveSecrets(ctx, pl.namespace, need)
	if err != nil {
		return err
	}
	values, err := copyValues(pl.values)
	if err != nil {
		return err
	}
	valueSecrets, _ := values["secrets"].(map[string]any)
	sums := map[string]string{}
	for _, i := range idx {
		obj := pl.objs[i]
		name := obj.GetName()
		data := held[name]
		if data == nil {
			data = live[name]
		}
		vs, _ := valueSecrets[name].(map[string]any)
		recorded, _ := vs["data"].(map[string]any)
		keys := make([]string, 0, len(recorded))
		for k := range recorded {
			keys = append(keys, k)
		}
		if recorded == nil { // not a berth.yaml secret: keep every key
			for k := range data {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		if data == nil {
			return &MissingSecretError{Name: name, Revision: rev, Keys: keys}
		}
		plain := map[string]string{}
		encoded := map[string]any{}
		var missing []string
		for _, k := range keys {
			b, ok := data[k]
			if !ok {
				missing = append(missing, k)
				continue
			}
			plain[k] = string(b)
			encoded[k] = base64.StdEncoding.EncodeToString(b)
		}
		sum, err := render.SecretChecksum(pl.app, name, plain)
		if err != nil {
			return err
		}
		if want := obj.GetAnnotations()[render.ChecksumDataAnnotation]; sum != want || len(missing) > 0 {
			msg := fmt.Sprintf("warning: secret %s changed since revision %d; berth keeps no old secret values: its current values are kept", name, rev)
			if len(missing) > 0 {
				msg += fmt.Sprintf(" (it has no %s now: berth deploy sets them)", strings.Join(missing, ", "))
			}
			fmt.Fprintln(d.Log, msg)
		}
		obj.Object["data"] = encoded
		ann := obj.GetAnnotations()
		ann[render.ChecksumDataAnnotation] = sum
		obj.SetAnnotations(ann)
		sums[name] = sum
		if vs != nil {
			vs["checksum"] = sum
		}
	}
	pl.values = values
	pl.manifest, err = release.MapSecrets(pl.manifest, func(obj map[string]any) error {
		md, _ := obj["metadata"].(map[string]any)
		name, _ := md["name"].(string)
		sum, ok := sums[name]
		if !ok {
			return nil
		}
		ann, _ := md["annotations"].(map[string]any)
		if ann == nil {
			ann = map[string]any{}
			md["annotations"] = ann
		}
		ann[render.ChecksumDataAnnotation] = sum
		return nil
	})
	return err
}

// snapshotSecrets keeps in memory the data of the Secrets of a revision's
// manifest, before a rollout changes them, so that --atomic can put them
// back.
func (d *Deployer) snapshotSecrets(ctx context.Context, ns string, m *render.Manifest) (secretData, error) {
	var names []string
	for _, o := range m.Objects() {
		if o.Kind == "Secret" && o.APIVersion == "v1" {
			names = append(names, o.Name)
		}
	}
	return d.liveSecrets(ctx, ns, names)
}
