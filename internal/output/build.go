package output

import (
	"fmt"
	"io"

	"github.com/berth-dev/berth/internal/build"
)

// BuildResult is the -o json|yaml shape of berth build and berth push.
type BuildResult struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	// Images are the results by service.
	Images map[string]build.Result `json:"images"`
}

// NewBuildResult is the BuildResult of results.
func NewBuildResult(results []build.Result) BuildResult {
	out := BuildResult{APIVersion: APIVersion, Kind: "BuildResult", Images: map[string]build.Result{}}
	for _, r := range results {
		out.Images[r.Service] = r
	}
	return out
}

// Builds writes a line per service: SERVICE, IMAGE and "built", "pushed"
// or "up to date", tab-separated.
func Builds(w io.Writer, results []build.Result) {
	for _, r := range results {
		state := "built"
		switch {
		case r.UpToDate:
			state = "up to date"
		case r.Pushed:
			state = "pushed"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\n", r.Service, r.Image, state)
	}
}
