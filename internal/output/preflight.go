package output

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/berth-dev/berth/internal/preflight"
)

// PreflightReport is the -o json|yaml shape of berth preflight.
type PreflightReport struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	App        string `json:"app"`
	Namespace  string `json:"namespace"`
	// Passed is false when a check has level error.
	Passed bool               `json:"passed"`
	Checks []preflight.Result `json:"checks"`
}

// NewPreflightReport is the PreflightReport of the checks of app in
// namespace ns.
func NewPreflightReport(app, ns string, rs []preflight.Result) PreflightReport {
	if rs == nil {
		rs = []preflight.Result{}
	}
	return PreflightReport{APIVersion: APIVersion, Kind: "PreflightReport", App: app, Namespace: ns, Passed: !preflight.Failed(rs), Checks: rs}
}

// Preflight writes the results as a table (CHECK LEVEL MESSAGE, and the
// fix under a warning or error); all=false keeps only warnings and errors
// (deploy and up).
func Preflight(w io.Writer, p Painter, rs []preflight.Result, all bool) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, r := range rs {
		if !all && r.Level == preflight.OK {
			continue
		}
		level := r.Level
		switch r.Level {
		case preflight.Error:
			level = p.Paint(level, Red)
		case preflight.Warning:
			level = p.Paint(level, Yellow)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.Check, level, r.Message)
		if r.Fix != "" && r.Level != preflight.OK {
			fmt.Fprintf(tw, "\t\tfix: %s\n", r.Fix)
		}
	}
	return tw.Flush()
}
