package kube

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"
)

// Ref names one object.
type Ref struct {
	Group     string `json:"group,omitempty"`
	Version   string `json:"version"`
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
}

// RefOf returns the Ref of an object.
func RefOf(u *unstructured.Unstructured) Ref {
	gvk := u.GroupVersionKind()
	return Ref{Group: gvk.Group, Version: gvk.Version, Kind: gvk.Kind, Namespace: u.GetNamespace(), Name: u.GetName()}
}

// GVK returns the ref's group, version and kind.
func (r Ref) GVK() schema.GroupVersionKind {
	return schema.GroupVersionKind{Group: r.Group, Version: r.Version, Kind: r.Kind}
}

// String names the object as kubectl does: deployment.apps/web, service/web.
func (r Ref) String() string {
	k := strings.ToLower(r.Kind)
	if r.Group != "" {
		k += "." + r.Group
	}
	return k + "/" + r.Name
}

// Key identifies the object regardless of API version.
func (r Ref) Key() string {
	return r.Group + "/" + r.Kind + "/" + r.Namespace + "/" + r.Name
}

// Decode parses rendered manifests (one YAML document each) into objects.
func Decode(docs [][]byte) ([]*unstructured.Unstructured, error) {
	out := make([]*unstructured.Unstructured, 0, len(docs))
	for _, d := range docs {
		var m map[string]any
		if err := yaml.Unmarshal(d, &m); err != nil {
			return nil, fmt.Errorf("decoding a rendered object: %w", err)
		}
		if len(m) == 0 {
			continue
		}
		out = append(out, &unstructured.Unstructured{Object: m})
	}
	return out, nil
}

// level is an object's apply round: namespaces, CRDs and storage classes
// first; then what pods read (secrets, config maps, claims, accounts);
// then everything else. Objects of one round are applied in parallel.
func level(kind string) int {
	switch kind {
	case "Namespace", "CustomResourceDefinition", "StorageClass", "PriorityClass":
		return 0
	case "ServiceAccount", "Secret", "ConfigMap", "PersistentVolumeClaim", "PersistentVolume",
		"Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding", "ResourceQuota", "LimitRange":
		return 1
	}
	return 2
}
