package rollout

import (
	"fmt"

	"github.com/berth-dev/berth/internal/release"
)

// RevisionChoices are the completions of --revision and --to-revision:
// each revision of h (oldest first) as "N\tSTATUS", newest first.
func RevisionChoices(h []release.Revision) []string {
	out := make([]string, 0, len(h))
	for i := len(h) - 1; i >= 0; i-- {
		r := h[i].Release
		out = append(out, fmt.Sprintf("%d\t%s", r.Version, r.Info.Status))
	}
	return out
}
