package scaffold

import "testing"

func TestOverridesValidate(t *testing.T) {
	t.Parallel()
	const portMsg = "--port is 1-65535 and --replicas at least 1"
	for _, tc := range []struct {
		name string
		o    Overrides
		want string // "" when valid
	}{
		{"none", Overrides{}, ""},
		{"every flag", Overrides{Name: "api", Port: 3000, Replicas: 3, Expose: "LoadBalancer", Registry: "ghcr.io/me", CI: "github"}, ""},
		{"port bounds", Overrides{Port: 65535, Replicas: 1, Expose: "NodePort"}, ""},
		{"ci", Overrides{CI: "gitlab"}, `--ci "gitlab": the one supported is github`},
		{"expose", Overrides{Expose: "Headless"}, `--expose "Headless": use ClusterIP, NodePort or LoadBalancer`},
		{"port negative", Overrides{Port: -1}, portMsg},
		{"port too big", Overrides{Port: 65536}, portMsg},
		{"replicas negative", Overrides{Replicas: -2}, portMsg},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.o.Validate()
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tc.want {
				t.Errorf("Validate() = %q, want %q", got, tc.want)
			}
		})
	}
}
