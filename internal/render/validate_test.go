package render_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/render"
)

func TestValidate(t *testing.T) {
	t.Parallel()
	const good = `apiVersion: berth/v1
name: shop
services:
  web:
    image: nginx:1.27
    ports: [{name: http, port: 80}]
    env: {TOKEN: "${TOKEN}"}
  api:
    build: {context: .}
environments:
  staging:
    services:
      web: {replicas: 2}
  production:
    services:
      web: {env: {KEY: "${PROD_KEY}"}}
`
	lookup := func(name string) (string, bool) { return "set", name == "TOKEN" }
	images := func(p *config.Project) (map[string]string, error) {
		return map[string]string{"api": "registry.example/api:1"}, nil
	}
	type row struct {
		Env               string
		Warnings          int
		Rendered          bool
		Services, Objects int
		Err               bool
	}
	rows := func(checks []render.Check) []row {
		var out []row
		for _, c := range checks {
			out = append(out, row{c.Env, len(c.Warnings), c.Rendered, c.Services, c.Objects, c.Err != nil})
		}
		return out
	}
	for _, tc := range []struct {
		name    string
		yaml    string
		env     string
		want    []row
		wantErr bool
	}{
		{name: "base and every environment by name", yaml: good, want: []row{
			{Env: "", Rendered: true, Services: 2, Objects: 3},
			{Env: "production", Warnings: 1, Rendered: true, Services: 2, Objects: 3},
			{Env: "staging", Rendered: true, Services: 2, Objects: 3},
		}},
		{name: "one environment: its unset variable is an error", yaml: good, env: "production", want: []row{
			{Env: "production", Err: true},
		}, wantErr: true},
		{name: "a broken base stops the check", yaml: good + "bogus: 1\n", want: []row{
			{Env: "", Err: true},
		}, wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			file := filepath.Join(dir, "berth.yaml")
			if err := os.WriteFile(file, []byte(tc.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM scratch\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			checks, err := render.Validate(file, render.ValidateOptions{Env: tc.env, LookupEnv: lookup, Images: images})
			if diff := cmp.Diff(tc.want, rows(checks)); diff != "" {
				t.Errorf("checks (-want +got):\n%s", diff)
			}
			if (err != nil) != tc.wantErr {
				t.Errorf("error %v, want an error: %v", err, tc.wantErr)
			}
			var cerrs config.Errors
			if err != nil && !errors.As(err, &cerrs) {
				t.Errorf("error %T %v, want config.Errors", err, err)
			}
		})
	}
}
