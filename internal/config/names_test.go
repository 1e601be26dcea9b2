package config_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-dev/berth/internal/config"
)

func TestProjectNames(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name           string
		p              *config.Project
		services, envs []string
	}{
		{"empty", &config.Project{}, nil, nil},
		{"sorted", &config.Project{
			Services:     map[string]*config.Service{"web": {}, "api": {}, "worker": {}, "Db": {}},
			Environments: map[string]*config.Environment{"staging": {}, "production": {}, "dev": {}},
		}, []string{"Db", "api", "web", "worker"}, []string{"dev", "production", "staging"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.services, tc.p.ServiceNames()); diff != "" {
				t.Errorf("ServiceNames (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.envs, tc.p.EnvironmentNames()); diff != "" {
				t.Errorf("EnvironmentNames (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSecretNames(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, data string
		want       []string
		err        string
	}{
		{"no secrets", "apiVersion: berth/v1\nname: shop\n", nil, ""},
		{"file order, keys after their secret", "secrets:\n  db: {password: a, user: b}\n  api: {token: c}\n",
			[]string{"db", "db.password", "db.user", "api", "api.token"}, ""},
		{"environments repeat names once", "secrets:\n  db: {password: a}\nenvironments:\n  production:\n    secrets:\n      db: {password: b, host: c}\n",
			[]string{"db", "db.password", "db.host"}, ""},
		{"not YAML", "secrets: [", nil, "berth.yaml: invalid YAML"},
		{"not a mapping", "- a\n", nil, "berth.yaml: the file is not a mapping of fields"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := config.SecretNames("berth.yaml", []byte(tc.data))
			if tc.err != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tc.err) || got != nil {
					t.Fatalf("SecretNames = %q, %v; want error %q", got, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("SecretNames (-want +got):\n%s", diff)
			}
		})
	}
}
