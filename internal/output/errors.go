package output

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/berth-dev/berth/internal/config"
)

// UnreachableHint is what a user can do when the Kubernetes API server
// cannot be reached (the connection is refused, or its name does not
// resolve). Error indents its second line under the first.
const UnreachableHint = `berth could not reach the Kubernetes API server; check KUBECONFIG, --kubeconfig and --context
(kubectl config current-context), and that the cluster is running (for minikube: minikube start)`

// ErrorOptions are what the command line knows of its errors that their
// types do not say, for Error.
type ErrorOptions struct {
	// Color paints the "error:" label red.
	Color bool
	// Hint is the command line's own hint for err, "" for none; nil has
	// none. It comes before an error's Hint method.
	Hint func(err error) string
	// Usage reports whether err is a mistake in how berth was called, and
	// the command whose help it points at ("berth logs"); nil: never.
	Usage func(err error) (command string, ok bool)
}

// Error writes err for a person: "error: …" and, where one is known,
// "    hint: …" (from o.Hint, else an error's Hint() string method, else
// the unreachable-API-server hint for a refused connection or a name that
// does not resolve), then "Run 'COMMAND --help' for usage." for a usage
// error. berth.yaml errors already carry their positions and hints;
// joined errors are written one by one; an error with a Silent() method
// reporting true (its output already shown) writes nothing.
func Error(w io.Writer, err error, o ErrorOptions) {
	label := "error:"
	if o.Color {
		label = "\x1b[31merror:\x1b[0m"
	}
	var cerrs config.Errors
	var cerr *config.Error
	var silent interface{ Silent() bool }
	switch {
	case errors.As(err, &silent) && silent.Silent():
		return
	case errors.As(err, &cerrs):
		for _, e := range cerrs {
			fmt.Fprintf(w, "%s %s\n", label, e.Error())
		}
		if len(cerrs) > 1 {
			fmt.Fprintf(w, "%d problems in %s; nothing was rendered or applied\n", len(cerrs), cerrs[0].File)
		}
		return
	case errors.As(err, &cerr):
		fmt.Fprintf(w, "%s %s\n", label, cerr.Error())
		return
	}
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		// Several failures (one per service of a build): each with its hint.
		for _, e := range joined.Unwrap() {
			Error(w, e, o)
		}
		return
	}
	fmt.Fprintf(w, "%s %s\n", label, err.Error())
	if hint := errorHint(err, o.Hint); hint != "" {
		fmt.Fprintf(w, "    hint: %s\n", strings.ReplaceAll(hint, "\n", "\n          "))
	}
	if o.Usage != nil {
		if command, ok := o.Usage(err); ok {
			fmt.Fprintf(w, "Run '%s --help' for usage.\n", command)
		}
	}
}

// errorHint is the hint Error writes for err: own's, else err's Hint
// method's, else the unreachable-API-server hint where it applies.
func errorHint(err error, own func(error) string) string {
	if own != nil {
		if h := own(err); h != "" {
			return h
		}
	}
	var hinter interface{ Hint() string }
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &hinter) && hinter.Hint() != "":
		return hinter.Hint()
	case errors.Is(err, syscall.ECONNREFUSED), errors.As(err, &dnsErr):
		return UnreachableHint
	}
	return ""
}
