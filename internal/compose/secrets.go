package compose

// Compose secrets: file and environment secrets become berth secrets (a
// ${file:PATH} or ${VAR} value, never the text), mounted where compose
// mounts them.

import (
	"path"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/berth-dev/berth/internal/config"
)

// composeSecretsDir is where compose mounts a service's secrets.
const composeSecretsDir = "/run/secrets"

// secrets mounts the compose secrets a service uses at /run/secrets/NAME
// (or the long syntax's target) as secretFiles of the berth secret NAME,
// whose one key NAME holds the value, as Kompose does.
func (c *converter) secrets(name string, s types.ServiceConfig, out *config.Service) {
	sp := "services." + name + ".secrets"
	for _, ref := range s.Secrets {
		at := c.ix.locate(name, key("secrets"), item(ref.Source))
		sn, k, ok := c.secret(ref.Source, at, sp)
		if !ok {
			continue
		}
		target := ref.Target
		if target == "" {
			target = ref.Source
		}
		if !path.IsAbs(target) {
			target = path.Join(composeSecretsDir, target)
		}
		target = path.Clean(target)
		if _, dup := out.ConfigFiles[target]; dup {
			c.warn(at, sp, "secret %q is not translated: %s is already a config file", ref.Source, target)
			continue
		}
		if ref.UID != "" || ref.GID != "" || ref.Mode != nil {
			c.warn(at, sp, "the uid, gid and mode of secret %q are not translated: the file is mounted read-only, readable by every user of the container", ref.Source)
		}
		if out.SecretFiles == nil {
			out.SecretFiles = map[string]config.SecretFile{}
		}
		out.SecretFiles[target] = config.SecretFile{Name: sn, Key: k}
	}
}

// secret defines the berth secret of a top-level compose secret (once)
// and names it and its key; false, with a warning, when it cannot be
// translated.
func (c *converter) secret(source string, at pos, sp string) (name, k string, ok bool) {
	cs, found := c.cp.Secrets[source]
	if !found {
		c.warn(at, sp, "secret %q is not translated: it is not defined under the top-level secrets:", source)
		return "", "", false
	}
	name = dnsLabel(source, 253, false)
	if cs.External && cs.Name != "" {
		name = dnsLabel(cs.Name, 253, false) // the Secret that exists already
	}
	k = source
	if len(validation.IsConfigMapKey(k)) > 0 {
		k = name
	}
	if name == "" || k == "" {
		c.warn(at, sp, "secret %q is not translated: its name gives no valid Kubernetes Secret name", source)
		return "", "", false
	}
	if c.secretKeys == nil {
		c.secretKeys = map[string]secretKey{}
	}
	if sk, done := c.secretKeys[source]; done {
		return sk.name, sk.key, sk.ok
	}
	sk := secretKey{name: name, key: k}
	sk.ok = c.defineSecret(source, cs, sk)
	c.secretKeys[source] = sk
	return sk.name, sk.key, sk.ok
}

// secretKey is the berth secret and key of a compose secret, and whether
// it was translated.
type secretKey struct {
	name, key string
	ok        bool
}

// defineSecret writes the value of a compose secret into berth.yaml's
// secrets: a ${file:PATH} or ${VAR} reference, never the text.
func (c *converter) defineSecret(source string, cs types.SecretConfig, sk secretKey) bool {
	name, k := sk.name, sk.key
	tp := c.topPos("secrets", source)
	var value string
	switch {
	case cs.File != "":
		file := c.rel(cs.File)
		if !c.inProject(cs.File) {
			file = cs.File
			c.warn(tp, "secrets."+source, "file %s is outside the project: berth reads it from that path on the machine that runs berth render or deploy", file)
		}
		if strings.ContainsAny(file, "{}") {
			c.warn(tp, "secrets."+source, "is not translated: its path %s has a brace, which a ${file:PATH} reference cannot hold", file)
			return false
		}
		value = "${file:" + file + "}"
	case cs.Environment != "":
		value = "${" + cs.Environment + "}"
		c.warn(tp, "secrets."+source, "became secret %q as ${%s}: export %s before berth render or deploy", name, cs.Environment, cs.Environment)
	case bool(cs.External):
		c.warn(tp, "secrets."+source, "is external: berth does not create it; create the Secret %q with the key %q in the namespace (kubectl create secret generic %s --from-file=%s=FILE)", name, k, name, k)
		return true
	default:
		c.warn(tp, "secrets."+source, "is not translated: only secrets with file:, environment: or external: become berth secrets")
		return false
	}
	if c.out.Secrets == nil {
		c.out.Secrets = map[string]map[string]string{}
	}
	if c.out.Secrets[name] == nil {
		c.out.Secrets[name] = map[string]string{}
	}
	c.out.Secrets[name][k] = value
	return true
}
