package output

import (
	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/kube"
	"github.com/berth-dev/berth/internal/release"
)

// DeployResult is the -o json shape of deploy, apply, up and undo.
type DeployResult struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	// Command is deploy, apply, up or undo.
	Command   string `json:"command"`
	App       string `json:"app"`
	Namespace string `json:"namespace"`
	// Revision is the revision recorded (0 for a dry run).
	Revision int `json:"revision"`
	// Status is healthy, applied (not waited for), failed or dry-run.
	Status  string `json:"status"`
	Healthy bool   `json:"healthy"`
	// RolledBack is the revision undo (or --atomic, after a failure) restored.
	RolledBack int `json:"rolledBack,omitempty"`
	// Objects are the applied objects with their result, in apply order.
	Objects []kube.Result `json:"objects"`
	Pruned  []kube.Result `json:"pruned,omitempty"`
	// Scaled are the replica counts of berth scale the revision kept.
	Scaled map[string]release.Scale `json:"scaled,omitempty"`
}

// RolloutState is how a rollout ended, in one word: failed, dry-run,
// healthy, or applied (not waited for).
func RolloutState(err error, dryRun string, healthy bool) string {
	switch {
	case err != nil:
		return "failed"
	case dryRun != kube.DryRunNone:
		return "dry-run"
	case healthy:
		return "healthy"
	}
	return "applied"
}

// NewDeployResult is the result of a deploy, apply, up or undo of app
// that ended in state; rolledBack is the revision it restored, if any.
func NewDeployResult(command, app, namespace string, o *deploy.Outcome, rolledBack int, state string) DeployResult {
	res := DeployResult{APIVersion: APIVersion, Kind: "DeployResult", Command: command, App: app, Namespace: namespace,
		Revision: o.Revision, Status: state, Healthy: o.Healthy, RolledBack: rolledBack,
		Objects: o.Results, Pruned: o.Pruned, Scaled: o.Scaled}
	if res.Objects == nil {
		res.Objects = []kube.Result{}
	}
	return res
}

// DeletedLine words a delete's result as kubectl delete does: "KIND/NAME
// deleted" for what was deleted, the result's own words otherwise.
func DeletedLine(r kube.Result) string {
	if r.Action == kube.Pruned {
		return r.Ref.String() + " deleted"
	}
	return r.String()
}
