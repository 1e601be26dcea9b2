package build

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestBuilders(t *testing.T) {
	t.Parallel()
	want := []string{"auto", "berth", "docker", "podman", "buildah", "nerdctl", "minikube"}
	if diff := cmp.Diff(want, Builders()); diff != "" {
		t.Errorf("Builders() (-want +got):\n%s", diff)
	}
	if got, want := BuilderList(), "auto, berth, docker, podman, buildah, nerdctl or minikube"; got != want {
		t.Errorf("BuilderList() = %q, want %q", got, want)
	}
	Builders()[0] = "changed" // each call is a fresh slice
	for _, tc := range []struct {
		name string
		want bool
	}{
		{"auto", true}, {"berth", true}, {"minikube", true}, {"nerdctl", true},
		{"", false}, {"kaniko", false}, {"Docker", false}, {"changed", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := IsBuilder(tc.name); got != tc.want {
				t.Errorf("IsBuilder(%q) = %v, want %v", tc.name, got, tc.want)
			}
		})
	}
}
