package output

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/berth-dev/berth/internal/release"
)

// AppList is the -o json|yaml shape of berth list (kind AppList): the apps
// berth manages, by namespace and name.
type AppList struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Apps       []release.Summary `json:"apps"`
}

// NewAppList is the AppList of apps; none is an empty list, never null.
func NewAppList(apps []release.Summary) AppList {
	if apps == nil {
		apps = []release.Summary{}
	}
	return AppList{APIVersion: APIVersion, Kind: "AppList", Apps: apps}
}

// AppTable writes apps as berth list's table, as helm list does, with
// times relative to now.
func AppTable(w io.Writer, apps []release.Summary, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 4, 3, ' ', 0)
	fmt.Fprintln(tw, "NAME\tNAMESPACE\tREVISION\tUPDATED\tSTATUS\tIMAGES")
	for _, a := range apps {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\n", a.App, a.Namespace, a.Revision, when(a.Updated, now), a.Status, shortImages(a.Images))
	}
	return tw.Flush()
}
