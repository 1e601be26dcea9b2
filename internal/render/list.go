package render

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

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

// WriteFiles writes one file per object into dir, NN-kind-name.yaml in
// apply order, each starting with a "# Source:" line as Helm's output
// does. It returns the files' names.
func WriteFiles(dir string, objects []Object) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	names := make([]string, 0, len(objects))
	for i, o := range objects {
		name := fmt.Sprintf("%02d-%s-%s.yaml", i+1, strings.ToLower(o.Kind), o.Name)
		content := fmt.Sprintf("# Source: %s\n%s\n", o.Source, o.YAML)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			return names, err
		}
		names = append(names, name)
	}
	return names, nil
}
