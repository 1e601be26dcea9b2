package compose

// Environment: plain values stay in berth.yaml; values that look like
// credentials become berth secrets read from ${VAR} references.

import (
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/berth-dev/berth/internal/config"
)

// secretName matches variable names that hold credentials.
var secretName = regexp.MustCompile(`(?i)(PASSW(OR)?D|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL|AUTH)`)

// urlPassword matches a URL with a password in it: scheme://user:password@host.
var urlPassword = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*://[^/@:\s]*:[^/@\s]+@`)

// berthRef is a ${VAR} reference berth's interpolation reads the same way compose does.
var berthRef = regexp.MustCompile(`^\$\{[A-Za-z_][A-Za-z0-9_]*(?:(?::?-|:?\?)[^}$]*)?\}$`)

var shellVarRE = regexp.MustCompile(`[^A-Za-z0-9_]`)

// environment copies environment and env_file values. Values that look
// like credentials (by name, or a URL with a password) go to a berth
// secret of the service whose value is a ${VAR} reference, never the
// plain text: the compose file's own reference when it had one, else a
// variable of the same name to export before berth render or deploy.
func (c *converter) environment(name, bn string, s types.ServiceConfig, out *config.Service) {
	sp := "services." + name + ".environment"
	for _, k := range slices.Sorted(maps.Keys(s.Environment)) {
		v := s.Environment[k]
		at, found := c.ix.find(name, key("environment"), entry(k))
		if p, ok := c.ix.find(name, key("env_file")); !found && ok {
			at = p // the value comes from an env_file
		}
		if errs := validation.IsEnvVarName(k); len(errs) > 0 {
			c.warn(at, sp+"."+k, "is left out: not a valid variable name in Kubernetes (%s)", errs[0])
			continue
		}
		if v == nil {
			c.warn(at, sp+"."+k, "has no value (compose passes it from the shell, which does not set it) and is left out; add it under env")
			continue
		}
		if out.Env == nil {
			out.Env = map[string]config.EnvValue{}
		}
		if *v == "" || !(secretName.MatchString(k) || urlPassword.MatchString(*v)) || len(validation.IsConfigMapKey(k)) > 0 {
			out.Env[k] = config.EnvValue{Value: *v}
			continue
		}
		ref := ""
		if raw, ok := c.ix.raw(name, key("environment"), entry(k)); ok {
			raw = strings.TrimPrefix(raw, k+"=")
			if berthRef.MatchString(raw) {
				ref = raw
			}
		}
		if ref == "" {
			ref = "${" + shellVarRE.ReplaceAllString(k, "_") + "}"
			c.warn(at, sp+"."+k, "moved to secret %q as %s: export %s before berth render or deploy (the compose value is not copied)", bn, ref, ref[2:len(ref)-1])
		}
		if c.out.Secrets == nil {
			c.out.Secrets = map[string]map[string]string{}
		}
		if c.out.Secrets[bn] == nil {
			c.out.Secrets[bn] = map[string]string{}
		}
		c.out.Secrets[bn][k] = ref
		out.Env[k] = config.EnvValue{SecretRef: &config.KeyRef{Name: bn, Key: k}}
	}
}
