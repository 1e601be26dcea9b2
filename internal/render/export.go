package render

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrNotEmpty is returned by Export when the target directory has files.
var ErrNotEmpty = errors.New("directory is not empty")

// Export writes the rendered project's chart to dir as a standalone Helm
// chart: Chart.yaml named after the app, the templates, and values.yaml
// generated from berth.yaml. `helm template APP DIR -n NS` of it prints
// exactly r.Manifest. An existing non-empty dir is refused unless force.
func Export(r *Result, appName, dir string, force bool) ([]string, error) {
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 && !force {
		return nil, fmt.Errorf("%s: %w", dir, ErrNotEmpty)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	values, err := r.ValuesYAML()
	if err != nil {
		return nil, err
	}
	files, err := ChartFiles(appName, values)
	if err != nil {
		return nil, err
	}
	var written []string
	for _, f := range files {
		dst := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return written, err
		}
		if err := os.WriteFile(dst, f.Data, 0o644); err != nil {
			return written, err
		}
		written = append(written, dst)
	}
	return written, nil
}
