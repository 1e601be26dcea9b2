package charts

import (
	"path/filepath"
	"testing"
)

// TestSettings: Helm's environment variables move its paths, the more
// specific one winning, as in Helm's own CLI.
func TestSettings(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		"HELM_CACHE_HOME":      "/cache",
		"HELM_CONFIG_HOME":     "/config",
		"HELM_REGISTRY_CONFIG": "/reg.json",
	}
	s := Settings(func(k string) string { return env[k] })
	for _, c := range []struct{ name, got, want string }{
		{"RepositoryCache", s.RepositoryCache, filepath.Join("/cache", "repository")},
		{"RepositoryConfig", s.RepositoryConfig, filepath.Join("/config", "repositories.yaml")},
		{"RegistryConfig", s.RegistryConfig, "/reg.json"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	env["HELM_REPOSITORY_CACHE"] = "/repo-cache"
	if got := Settings(func(k string) string { return env[k] }).RepositoryCache; got != "/repo-cache" {
		t.Errorf("HELM_REPOSITORY_CACHE: RepositoryCache = %q", got)
	}
}
