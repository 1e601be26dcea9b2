package diagnose

import (
	"fmt"
	"io"
)

// Format writes findings for a person, plain text: per finding a line with
// the object, the reason and the message, a "hint:" line, and the log lines
// indented below it.
func Format(w io.Writer, findings []Finding) {
	for _, f := range findings {
		fmt.Fprintf(w, "%s: %s: %s\n", f.Object, f.Reason, f.Message)
		if f.Hint != "" {
			fmt.Fprintf(w, "  hint: %s\n", f.Hint)
		}
		if len(f.Logs) > 0 {
			fmt.Fprintln(w, "  last log lines:")
			for _, l := range f.Logs {
				fmt.Fprintf(w, "    %s\n", l)
			}
		}
	}
}
