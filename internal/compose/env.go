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

// secretName matches variable names that hold credentials. AUTH is a
// credential word, AUTHOR and AUTHORITY are not (GIT_AUTHOR_NAME).
var secretName = regexp.MustCompile(`(?i)(PASSW(OR)?D|(^|_)PASS($|_)|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL|AUTHORIZATION|AUTH($|[^O]))`)

// urlPassword matches a URL with a password in it: scheme://user:password@host.
var urlPassword = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*://[^/@:\s]*:[^/@\s]+@`)

// plainURL matches a URL without user information or query: an address,
// not a credential (AUTH_URL=https://auth.example.com/realms/app).
var plainURL = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*://[^/@?#\s]+(/[^@?#\s]*)?$`)

// pathValue matches a file path: absolute, ~/, ./ or ../, or relative
// with directories made of name characters (no base64: + or =).
var pathValue = regexp.MustCompile(`^((~|\.{1,2})?/[^\s]*|[\w.-]+(/[\w.-]+)+)$`)

// describes are the last words of a variable name that say it holds
// something about a credential (where it is, how it is used), not the
// credential: POSTGRES_PASSWORD_FILE, AUTH_URL, TOKEN_TTL, AUTH_METHOD.
var describes = map[string]bool{
	"FILE": true, "PATH": true, "DIR": true, "URL": true, "URI": true, "ENDPOINT": true,
	"HOST": true, "HOSTNAME": true, "ADDR": true, "ADDRESS": true, "PORT": true, "SERVER": true,
	"USER": true, "USERNAME": true, "METHOD": true, "MODE": true, "TYPE": true, "PROVIDER": true,
	"ENABLED": true, "ENABLE": true, "DISABLED": true, "DISABLE": true, "REQUIRED": true,
	"ALGORITHM": true, "TTL": true, "TIMEOUT": true, "EXPIRY": true, "EXPIRES": true,
	"EXPIRATION": true, "LIFETIME": true, "LENGTH": true, "HEADER": true, "NAME": true,
}

// credential reports whether an environment variable holds a credential:
// any value that is a URL with a password, or a value of a variable named
// like a credential, except values that are plainly not one (empty, a
// boolean, an address without a password) and variables whose last word
// says they describe one (a _FILE, _PATH or _DIR naming a path; a _URL,
// _HOST, _PORT, _USER, _METHOD, _TTL, …).
func credential(name, value string) bool {
	if value == "" {
		return false
	}
	if urlPassword.MatchString(value) {
		return true
	}
	if !secretName.MatchString(name) {
		return false
	}
	switch strings.ToLower(value) {
	case "true", "false", "yes", "no", "on", "off":
		return false
	}
	words := strings.Split(strings.ToUpper(name), "_")
	switch last := words[len(words)-1]; {
	case last == "FILE" || last == "PATH" || last == "DIR":
		// POSTGRES_PASSWORD_FILE=/run/secrets/db-password names the file
		// that holds the password; a value that is no path stays secret.
		return !pathValue.MatchString(value)
	case describes[last]:
		return false
	}
	return !plainURL.MatchString(value)
}

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
		if !credential(k, *v) || len(validation.IsConfigMapKey(k)) > 0 {
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
