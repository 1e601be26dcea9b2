package output

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"k8s.io/apimachinery/pkg/util/duration"

	"github.com/berth-dev/berth/internal/status"
)

// Status writes berth status's table: the revision and its age at now,
// a row per service (kind, ready and up-to-date pods, images, endpoints),
// a row per chart, then why each unhealthy service is not healthy.
func Status(w io.Writer, st *status.App, now time.Time) {
	fmt.Fprintf(w, "app %s in namespace %s, revision %d (%s", st.App, st.Namespace, st.Revision, st.Status)
	if st.Updated != nil {
		fmt.Fprintf(w, " %s ago, %s", duration.HumanDuration(now.Sub(*st.Updated)), st.Updated.UTC().Format(time.RFC3339))
	}
	fmt.Fprintln(w, ")")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tKIND\tREADY\tUP-TO-DATE\tIMAGES\tENDPOINTS")
	for _, s := range st.Services {
		fmt.Fprintf(tw, "%s\t%s\t%d/%d\t%d\t%s\t%s\n", s.Name, s.Kind, s.Ready, s.Desired, s.Updated, tableImages(s.Images), strings.Join(s.Endpoints, ", "))
	}
	tw.Flush()
	if len(st.Charts) > 0 {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "CHART\tNAMESPACE\tCHART-VERSION\tSTATUS\tREVISION")
		for _, c := range st.Charts {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\n", c.Name, c.Namespace, c.Chart, c.Status, c.Revision)
		}
		tw.Flush()
	}
	for _, s := range st.Services {
		if s.Problem != "" {
			fmt.Fprintf(w, "\n%s is not healthy:\n%s\n", s.Name, Indent(s.Problem, "  "))
		}
	}
}

// tableImages joins image references for a table, each digest shortened
// to 12 hex digits (-o json keeps them whole).
func tableImages(images []string) string {
	short := make([]string, len(images))
	for i, ref := range images {
		if name, d, ok := strings.Cut(ref, "@"); ok {
			if alg, hex, _ := strings.Cut(d, ":"); len(hex) > 12 {
				ref = name + "@" + alg + ":" + hex[:12]
			}
		}
		short[i] = ref
	}
	return strings.Join(short, ",")
}
