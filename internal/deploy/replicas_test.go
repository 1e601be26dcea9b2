package deploy_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/kube"
)

func TestParseReplicas(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args []string
		want map[string]int32
		err  string
		arg  string // the ReplicasError's Arg
	}{
		{"none", nil, nil, "name what to scale: berth scale SERVICE=N, e.g. berth scale web=3", ""},
		{"counts", []string{"web=3", "worker=0"}, map[string]int32{"web": 3, "worker": 0}, "", ""},
		{"no =", []string{"web"}, nil, `"web": write SERVICE=N, e.g. web=3`, "web"},
		{"no service", []string{"web=1", "=3"}, nil, `"=3": write SERVICE=N, e.g. web=3`, "=3"},
		{"no count", []string{"web="}, nil, `"web=": the count must be a whole number, 0 or more`, "web="},
		{"negative", []string{"web=-1"}, nil, `"web=-1": the count must be a whole number, 0 or more`, "web=-1"},
		{"fraction", []string{"web=1.5"}, nil, `"web=1.5": the count must be a whole number, 0 or more`, "web=1.5"},
		{"beyond int32", []string{"web=2147483648"}, nil, `"web=2147483648": the count must be a whole number, 0 or more`, "web=2147483648"},
		{"twice", []string{"web=1", "api=2", "web=3"}, nil, "web is given twice", "web=3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := deploy.ParseReplicas(tc.args)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ParseReplicas (-want +got):\n%s", diff)
			}
			if tc.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var re *deploy.ReplicasError
			if !errors.As(err, &re) {
				t.Fatalf("error %v, want a *ReplicasError", err)
			}
			if diff := cmp.Diff(tc.err, err.Error()); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
			if re.Arg != tc.arg {
				t.Errorf("Arg %q, want %q", re.Arg, tc.arg)
			}
		})
	}
}

func TestReplicaChoices(t *testing.T) {
	t.Parallel()
	services := []string{"api", "web", "worker"}
	for _, tc := range []struct {
		name     string
		services []string
		args     []string
		want     []string
	}{
		{"no services", nil, nil, nil},
		{"none counted", services, nil, []string{"api=", "web=", "worker="}},
		{"counted ones left out", services, []string{"web=2", "api=1"}, []string{"worker="}},
		{"a prefix is not a count", services, []string{"we=1", "web"}, []string{"api=", "web=", "worker="}},
		{"all counted", services, []string{"api=1", "web=2", "worker=0"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.want, deploy.ReplicaChoices(tc.services, tc.args)); diff != "" {
				t.Errorf("ReplicaChoices (-want +got):\n%s", diff)
			}
		})
	}
}

func TestServiceWorkload(t *testing.T) {
	t.Parallel()
	p := &config.Project{File: "berth.yaml", Services: map[string]*config.Service{"web": {}, "db": {Stateful: true}}}
	for _, tc := range []struct {
		name, service string
		want          kube.Ref
		err           string
	}{
		{"deployment", "web", kube.Ref{Group: "apps", Version: "v1", Kind: "Deployment", Namespace: "shop-ns", Name: "web"}, ""},
		{"statefulset", "db", kube.Ref{Group: "apps", Version: "v1", Kind: "StatefulSet", Namespace: "shop-ns", Name: "db"}, ""},
		{"unknown", "wbe", kube.Ref{}, `berth.yaml has no service "wbe" (did you mean "web"?); its services: db, web`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := deploy.ServiceWorkload(p, "shop-ns", tc.service)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ServiceWorkload (-want +got):\n%s", diff)
			}
			if tc.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var unknown *config.UnknownServiceError
			if !errors.As(err, &unknown) || err.Error() != tc.err {
				t.Errorf("error %v, want an *UnknownServiceError %q", err, tc.err)
			}
		})
	}
}
