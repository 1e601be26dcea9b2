package config

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestIdentify(t *testing.T) {
	const recipes = `apiVersion: berth/v1
name: recipes
namespace: kitchen
services:
  recipe-api:
    image: ${RECIPE_IMAGE}
    env:
      TOKEN: ${API_TOKEN:?set the token}
environments:
  prod:
    namespace: kitchen-prod
    services:
      recipe-api:
        image: ${PROD_IMAGE}
`
	tests := []struct {
		name, yaml, env string
		want            *Identity
		wantErr         string
	}{
		{name: "unset variables elsewhere", yaml: recipes, want: &Identity{File: "berth.yaml", Name: "recipes", Namespace: "kitchen"}},
		{name: "environment namespace", yaml: recipes, env: "prod", want: &Identity{File: "berth.yaml", Name: "recipes", Namespace: "kitchen-prod"}},
		{name: "no namespace", yaml: "name: shop\nservices: {}\n", want: &Identity{File: "berth.yaml", Name: "shop"}},
		{name: "namespace from a set variable", yaml: "name: shop\nnamespace: ${TAG_NS:-shop-dev}\n", want: &Identity{File: "berth.yaml", Name: "shop", Namespace: "shop-dev"}},
		{name: "unknown environment", yaml: recipes, env: "prodution", wantErr: `berth.yaml:9:1: environment "prodution" is not defined` + "\n    hint: defined environments: prod"},
		{name: "unset variable in the name", yaml: "name: ${APP_NAME}\n", wantErr: "berth.yaml:1:7: name: environment variable APP_NAME is not set"},
		{name: "unset variable in the environment's namespace", yaml: "name: a\nenvironments:\n  prod:\n    namespace: ${NS}\n", env: "prod", wantErr: "berth.yaml:4:16: environments.prod.namespace: environment variable NS is not set"},
		{name: "no name", yaml: "services: {}\n", wantErr: "berth.yaml:1:1: name is missing"},
		{name: "invalid name", yaml: "name: Shop\n", wantErr: `berth.yaml:1:7: name: invalid application name "Shop"`},
		{name: "syntax error", yaml: "name: a\n  b: c\n", wantErr: "berth.yaml:2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := identify("berth.yaml", []byte(tt.yaml), Options{Env: tt.env, LookupEnv: lookupTestEnv})
			if tt.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want it to start with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Identify (-want +got):\n%s", diff)
			}
		})
	}
}
