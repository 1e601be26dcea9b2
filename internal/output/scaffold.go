package output

import (
	"fmt"
	"io"
)

// Scaffolded writes a line per file berth init wrote, then per file it
// kept because it exists.
func Scaffolded(w io.Writer, written, kept []string) {
	for _, f := range written {
		fmt.Fprintf(w, "wrote %s\n", f)
	}
	for _, f := range kept {
		fmt.Fprintf(w, "kept %s (it exists; --force overwrites it)\n", f)
	}
}
