// Package target knows the places berth deploys to besides the current
// kube context: a minikube profile on a laptop (driven through the
// minikube command line) and DigitalOcean Kubernetes (through godo).
package target

import (
	"slices"
)

// Error is a target problem with what to do about it.
type Error struct {
	Err error
	// Fix says what to do.
	Fix string
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Hint is the way out the CLI prints under the error.
func (e *Error) Hint() string { return e.Fix }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
