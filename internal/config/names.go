package config

import (
	"maps"
	"slices"
)

// ServiceNames are the names of the project's services, sorted.
func (p *Project) ServiceNames() []string {
	return slices.Sorted(maps.Keys(p.Services))
}

// EnvironmentNames are the names of the project's environments (-e),
// sorted.
func (p *Project) EnvironmentNames() []string {
	return slices.Sorted(maps.Keys(p.Environments))
}

// SecretNames are the secrets of a berth.yaml and their keys, as berth
// secrets names them: SECRET, then each SECRET.KEY, in file order and each
// once. The data must parse as YAML (SecretTexts).
func SecretNames(file string, data []byte) ([]string, error) {
	texts, err := SecretTexts(file, data)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []string
	for _, st := range texts {
		for _, name := range []string{st.Secret, st.Secret + "." + st.Key} {
			if !seen[name] {
				seen[name] = true
				out = append(out, name)
			}
		}
	}
	return out, nil
}
