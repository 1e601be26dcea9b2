package config_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-dev/berth/internal/config"
)

func TestLookupService(t *testing.T) {
	t.Parallel()
	web := &config.Service{Image: "nginx:1.27"}
	p := &config.Project{File: "app/berth.yaml", Services: map[string]*config.Service{"web": web, "api": {}, "worker": {}}}
	for _, tc := range []struct {
		name, service string
		want          string // the error; "" finds web
	}{
		{"found", "web", ""},
		{"typo", "wbe", `app/berth.yaml has no service "wbe" (did you mean "web"?); its services: api, web, worker`},
		{"case", "Web", `app/berth.yaml has no service "Web" (did you mean "web"?); its services: api, web, worker`},
		{"nothing close", "database", `app/berth.yaml has no service "database"; its services: api, web, worker`},
		{"empty name", "", `app/berth.yaml has no service ""; its services: api, web, worker`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := p.LookupService(tc.service)
			if tc.want == "" {
				if err != nil || s != web {
					t.Fatalf("LookupService(%q) = %p, %v; want %p", tc.service, s, err, web)
				}
				return
			}
			var ue *config.UnknownServiceError
			if !errors.As(err, &ue) || s != nil {
				t.Fatalf("LookupService(%q) = %v, %v; want an *UnknownServiceError", tc.service, s, err)
			}
			if diff := cmp.Diff(tc.want, err.Error()); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"api", "web", "worker"}, ue.Services); diff != "" {
				t.Errorf("Services (-want +got):\n%s", diff)
			}
		})
	}
	empty := &config.Project{File: "berth.yaml"}
	if _, err := empty.LookupService("web"); err == nil || err.Error() != `berth.yaml has no service "web"; its services: ` {
		t.Errorf("no services: %v", err)
	}
}
