package kube

import "testing"

func TestFieldValue(t *testing.T) {
	t.Parallel()
	obj := map[string]any{
		"metadata": map[string]any{"labels": map[string]any{"app": "web"}},
		"spec": map[string]any{
			"replicas": int64(3),
			"ports":    []any{map[string]any{"port": int64(80), "nodePort": int64(30080)}},
			"template": map[string]any{"spec": map[string]any{"containers": []any{map[string]any{"name": "web", "image": "web:1"}}}},
		},
	}
	for _, tc := range []struct {
		path, want string
		ok         bool
	}{
		{"spec.ports[0].nodePort", "30080", true},
		{".spec.replicas", "3", true},
		{"metadata.labels[app]", "web", true},
		{"spec.template.spec.containers[0].image", "web:1", true},
		{"spec.ports[1].nodePort", "", false},
		{"spec.ports[x]", "", false},
		{"spec.nothing", "", false},
		{"spec.replicas.more", "", false},
		{"spec.ports[0", "", false},
	} {
		got, ok := FieldValue(obj, tc.path)
		if got != tc.want || ok != tc.ok {
			t.Errorf("FieldValue(%q) = %q, %v; want %q, %v", tc.path, got, ok, tc.want, tc.ok)
		}
	}
}
