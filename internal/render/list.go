package render

import (
	"encoding/json"
	"fmt"

	"sigs.k8s.io/yaml"
)

// List returns the objects as one v1 List, as `kubectl get -o json` prints
// several objects.
func List(objects []Object) ([]byte, error) {
	items := make([]json.RawMessage, 0, len(objects))
	for _, o := range objects {
		j, err := yaml.YAMLToJSON(o.YAML)
		if err != nil {
			return nil, fmt.Errorf("converting %s %s to JSON: %w", o.Kind, o.Name, err)
		}
		items = append(items, j)
	}
	list := struct {
		APIVersion string            `json:"apiVersion"`
		Kind       string            `json:"kind"`
		Metadata   map[string]string `json:"metadata"`
		Items      []json.RawMessage `json:"items"`
	}{"v1", "List", map[string]string{"resourceVersion": ""}, items}
	out, err := json.MarshalIndent(list, "", "    ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}
