package output

import (
	"errors"
	"testing"

	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/kube"
)

func TestRolloutState(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err     error
		dryRun  string
		healthy bool
		want    string
	}{
		{errors.New("boom"), kube.DryRunServer, true, "failed"},
		{nil, kube.DryRunServer, false, "dry-run"},
		{nil, kube.DryRunNone, true, "healthy"},
		{nil, kube.DryRunNone, false, "applied"},
	} {
		if got := RolloutState(tc.err, tc.dryRun, tc.healthy); got != tc.want {
			t.Errorf("RolloutState(%v, %q, %v) = %q, want %q", tc.err, tc.dryRun, tc.healthy, got, tc.want)
		}
	}
}

// TestNewDeployResult: no objects is an empty list in -o json, never null.
func TestNewDeployResult(t *testing.T) {
	t.Parallel()
	res := NewDeployResult("undo", "shop", "prod", &deploy.Outcome{Revision: 5, Healthy: true}, 3, "healthy")
	if res.APIVersion != APIVersion || res.Kind != "DeployResult" || res.Command != "undo" || res.Revision != 5 || res.RolledBack != 3 || res.Objects == nil {
		t.Errorf("result = %+v", res)
	}
}
