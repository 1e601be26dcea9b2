package compose

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/berth-dev/berth/internal/config"
)

// ExistsError is returned by CheckOverwrite and WriteFile when berth.yaml
// exists and force is off: an import never replaces a file unasked.
type ExistsError struct {
	// Path is the file that exists.
	Path string
}

func (e *ExistsError) Error() string {
	return fmt.Sprintf("%s exists; berth import compose does not overwrite it", e.Path)
}

// Hint says how to replace the file or write elsewhere.
func (e *ExistsError) Hint() string {
	return "pass --force to replace it, --file OTHER.yaml to write elsewhere, or --file - to print it"
}

// CheckOverwrite returns an *ExistsError when path exists and force is
// off, before an import does any work.
func CheckOverwrite(path string, force bool) error {
	if force {
		return nil
	}
	_, err := os.Stat(path)
	switch {
	case err == nil:
		return &ExistsError{Path: path}
	case errors.Is(err, fs.ErrNotExist):
		return nil
	default:
		return err
	}
}

// WriteFile writes the berth.yaml of res to path (mode 0644). Without
// force it refuses, with an *ExistsError, to replace a file.
func WriteFile(path string, res *Result, force bool) error {
	if err := CheckOverwrite(path, force); err != nil {
		return err
	}
	if err := os.WriteFile(path, res.YAML, 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// Services are the names of the imported services, sorted.
func (r *Result) Services() []string {
	return slices.Sorted(maps.Keys(r.Project.Services))
}

// Summary is the line berth import compose prints once it wrote
// berth.yaml to path: where from, the services and how many warnings.
func (r *Result) Summary(path string) string {
	services := r.Services()
	return fmt.Sprintf("wrote %s from %s: %d services (%s), %d warnings", path, strings.Join(r.ComposeFiles, ", "), len(services), strings.Join(services, ", "), len(r.Warnings))
}

// secretRefRE matches the start of a ${VAR} reference and names VAR.
var secretRefRE = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)`)

// SecretVars are the variables the imported secrets refer to as ${VAR}
// (their values are to be exported before berth reads berth.yaml),
// sorted, each once.
func (r *Result) SecretVars() []string {
	var vars []string
	for _, keys := range r.Project.Secrets {
		for _, v := range keys {
			if config.IsFileRef(v) {
				continue // read from a file, no variable
			}
			for _, m := range secretRefRE.FindAllStringSubmatch(v, -1) {
				vars = append(vars, m[1])
			}
		}
	}
	return slices.Compact(slices.Sorted(slices.Values(vars)))
}

// Next is the line that tells what to do after the import: export the
// variables of SecretVars, then validate and render.
func (r *Result) Next() string {
	if vars := r.SecretVars(); len(vars) > 0 {
		return fmt.Sprintf("next: export %s (berth.yaml's secrets read them), then berth validate and berth render", strings.Join(vars, ", "))
	}
	return "next: berth validate, then berth render"
}
