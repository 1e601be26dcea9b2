package registry_test

import (
	"testing"

	"github.com/berth-dev/berth/internal/registry"
)

func TestHost(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ arg, want string }{
		{"registry.example.com", "registry.example.com"},
		{"https://registry.example.com", "registry.example.com"},
		{"http://localhost:5000/", "localhost:5000"},
		{"ghcr.io/", "ghcr.io"},
		{"https://ghcr.io/owner", "ghcr.io/owner"},
	} {
		t.Run(tc.arg, func(t *testing.T) {
			t.Parallel()
			if got := registry.Host(tc.arg); got != tc.want {
				t.Errorf("Host(%q) = %q, want %q", tc.arg, got, tc.want)
			}
		})
	}
}
