package compose

// Names: the app's and each service's, as DNS labels that YAML reads as
// strings.

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// appName makes a DNS-1123 label of at most 53 characters.
func appName(flag, project string) string {
	if flag != "" {
		return flag
	}
	if n := dnsLabel(project, 53, false); n != "" {
		return n
	}
	return "app"
}

var dashesRE = regexp.MustCompile(`-+`)

// dnsLabel lowercases s and replaces what a DNS label cannot hold with
// '-'; with letterFirst it must start with a letter (DNS-1035).
func dnsLabel(s string, max int, letterFirst bool) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	out := strings.Trim(dashesRE.ReplaceAllString(b.String(), "-"), "-")
	if letterFirst && out != "" && (out[0] < 'a' || out[0] > 'z') {
		out = "s-" + out
	}
	if len(out) > max {
		out = strings.TrimRight(out[:max], "-")
	}
	return out
}

// yamlWords are names YAML 1.1 reads as booleans or null; berth's chart
// writes names unquoted, so a service cannot be called that.
var yamlWords = []string{"y", "n", "yes", "no", "on", "off", "true", "false", "null"}

// assignNames gives every compose service a valid, unique berth name.
func (c *converter) assignNames(composeNames []string) {
	used := map[string]bool{}
	for _, name := range composeNames {
		n := dnsLabel(name, 54, true)
		if n == "" {
			n = "service"
		}
		if slices.Contains(yamlWords, n) {
			n += "-svc"
		}
		base := n
		for i := 2; used[n]; i++ {
			suffix := "-" + strconv.Itoa(i)
			n = strings.TrimRight(base[:min(len(base), 54-len(suffix))], "-") + suffix
		}
		used[n] = true
		c.names[name] = n
		if n != name {
			c.warn(c.ix.locate(name), "services."+name, "is named %q in berth.yaml (service names are lowercase letters, digits and '-'); other services reach it by that host name, so update addresses that use %q", n, name)
		}
	}
}

func builtName(app, service string) string {
	if app == service {
		return app
	}
	return app + "-" + service
}
