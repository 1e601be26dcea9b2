package rollout_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	hrelease "helm.sh/helm/v3/pkg/release"

	"github.com/berth-dev/berth/internal/release"
	"github.com/berth-dev/berth/internal/rollout"
)

func TestRevisionChoices(t *testing.T) {
	t.Parallel()
	rev := func(v int, s hrelease.Status) release.Revision {
		return release.Revision{Release: &hrelease.Release{Name: "shop", Version: v, Info: &hrelease.Info{Status: s}}}
	}
	for _, tc := range []struct {
		name string
		h    []release.Revision
		want []string
	}{
		{"none", nil, []string{}},
		{"one", []release.Revision{rev(1, hrelease.StatusDeployed)}, []string{"1\tdeployed"}},
		{"newest first", []release.Revision{
			rev(3, hrelease.StatusSuperseded), rev(4, hrelease.StatusFailed), rev(12, hrelease.StatusDeployed),
		}, []string{"12\tdeployed", "4\tfailed", "3\tsuperseded"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.want, rollout.RevisionChoices(tc.h)); diff != "" {
				t.Errorf("RevisionChoices (-want +got):\n%s", diff)
			}
		})
	}
}
