// Package target knows the places berth deploys to besides the current
// kube context: a minikube profile on a laptop (driven through the
// minikube command line) and DigitalOcean Kubernetes (through godo).
package target

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
