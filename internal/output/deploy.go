package output

import (
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
