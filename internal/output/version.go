package output

import (
	"fmt"
	"io"

	"github.com/berth-dev/berth/internal/version"
)

// Version writes berth version's line: "berth v1.2.3 (commit 0123456789ab,
// built DATE) go1.25.0 linux/amd64", without what info does not know.
func Version(w io.Writer, info version.Info) {
	fmt.Fprintf(w, "berth %s", info.Version)
	if info.Commit != "" {
		fmt.Fprintf(w, " (commit %.12s", info.Commit)
		if info.Date != "" {
			fmt.Fprintf(w, ", built %s", info.Date)
		}
		fmt.Fprint(w, ")")
	}
	fmt.Fprintf(w, " %s %s\n", info.GoVersion, info.Platform)
}
