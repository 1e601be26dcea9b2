package config

// Targets: where berth up runs the application (the current kube context,
// minikube or DigitalOcean).

import (
	"encoding/json"
	"fmt"
)

// Target selects where the application runs. In YAML it is either a name
// (kube, minikube, digitalocean) or a mapping with one of minikube/digitalocean.
type Target struct {
	// Kind is kube, minikube or digitalocean.
	Kind string `json:"-"`
	// Minikube holds minikube settings.
	Minikube *MinikubeTarget `json:"minikube,omitempty"`
	// DigitalOcean holds DigitalOcean Kubernetes settings.
	DigitalOcean *DigitalOceanTarget `json:"digitalocean,omitempty"`
}

// Target kinds.
const (
	TargetKube         = "kube"
	TargetMinikube     = "minikube"
	TargetDigitalOcean = "digitalocean"
)

// MinikubeTarget configures the minikube target.
type MinikubeTarget struct {
	// Profile is the minikube profile (default minikube).
	Profile string `json:"profile,omitempty"`
}

// DigitalOceanTarget configures the DigitalOcean Kubernetes target.
type DigitalOceanTarget struct {
	// Cluster is the cluster name.
	Cluster string `json:"cluster,omitempty"`
	// Region is the DigitalOcean region slug, e.g. ams3.
	Region string `json:"region,omitempty"`
	// Version is the Kubernetes version slug, or latest.
	Version string `json:"version,omitempty"`
	// NodePool describes the default node pool.
	NodePool *NodePool `json:"nodePool,omitempty"`
	// Registry is the DigitalOcean Container Registry name.
	Registry string `json:"registry,omitempty"`
}

// NodePool is a DigitalOcean node pool.
type NodePool struct {
	// Size is the droplet size slug, e.g. s-2vcpu-4gb.
	Size string `json:"size,omitempty"`
	// Count is the number of nodes.
	Count int `json:"count,omitempty"`
	// Autoscale bounds the node count.
	Autoscale *NodeAutoscale `json:"autoscale,omitempty"`
}

// NodeAutoscale bounds a node pool.
type NodeAutoscale struct {
	// Min nodes.
	Min int `json:"min"`
	// Max nodes.
	Max int `json:"max"`
}

// UnmarshalJSON accepts a target name or a mapping.
func (t *Target) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		*t = Target{Kind: s}
		return nil
	}
	type plain Target
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*t = Target(p)
	switch {
	case t.Minikube != nil:
		t.Kind = TargetMinikube
	case t.DigitalOcean != nil:
		t.Kind = TargetDigitalOcean
	default:
		t.Kind = TargetKube
	}
	return nil
}

// MarshalJSON writes a bare name when there are no settings.
func (t Target) MarshalJSON() ([]byte, error) {
	if t.Minikube == nil && t.DigitalOcean == nil {
		return json.Marshal(t.Kind)
	}
	type plain Target
	return json.Marshal(plain(t))
}

// String describes a Target for messages.
func (t *Target) String() string {
	if t == nil || t.Kind == "" {
		return TargetKube
	}
	return t.Kind
}

var _ fmt.Stringer = (*Target)(nil)
