package render

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestWriteFiles(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "out")
	objs := []Object{
		{Kind: "Service", Name: "web", Source: "app/templates/service.yaml", YAML: []byte("kind: Service\n")},
		{Kind: "Deployment", Name: "web", Source: "app/templates/deployment.yaml", YAML: []byte("kind: Deployment\n")},
	}
	names, err := WriteFiles(dir, objs)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"01-service-web.yaml", "02-deployment-web.yaml"}; !slices.Equal(names, want) {
		t.Errorf("names = %v, want %v", names, want)
	}
	data, err := os.ReadFile(filepath.Join(dir, "02-deployment-web.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "# Source: app/templates/deployment.yaml\nkind: Deployment\n\n"; string(data) != want {
		t.Errorf("file = %q, want %q", data, want)
	}
}
