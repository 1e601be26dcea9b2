package prompt

import (
	"context"
	"fmt"

	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/kube"
)

// ConfirmVolumes approves the deletion of claims for deploy, undo, delete
// and down: it lists each claim with its volume and reclaim policy on
// Out; yes (flag, e.g. --prune-volumes --yes) approves; a terminal asks
// for the app's name; elsewhere it refuses with a
// *deploy.VolumeDeletionError, which lists them. what, when set, starts
// the list's first line.
func (p Prompter) ConfirmVolumes(app, flag, what string, yes bool) deploy.ConfirmVolumes {
	return func(ctx context.Context, claims []kube.Claim) error {
		if _, tty := p.Terminal(); !yes && !tty {
			return &deploy.VolumeDeletionError{Flag: flag, Claims: claims}
		}
		fmt.Fprintf(p.Out, "%s%s deletes %d claims and the data of their volumes:\n", what, flag, len(claims))
		deploy.PrintClaims(p.Out, claims)
		if yes {
			return nil
		}
		return p.ConfirmTyped("Type the app's name to delete them", app)
	}
}
