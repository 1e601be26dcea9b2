package cli

import (
	"context"
	"fmt"

	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/kube"
)

// confirmVolumes approves the deletion of claims for deploy, undo, delete
// and down: it lists each claim with its volume and reclaim policy on
// stderr; --yes approves; a terminal asks for the app's name; elsewhere it
// refuses, with the list. what, when set, starts the list's first line.
func confirmVolumes(f *Factory, app, flag, what string, yes bool) deploy.ConfirmVolumes {
	return func(ctx context.Context, claims []kube.Claim) error {
		if _, tty := f.stdinTerminal(); !yes && !tty {
			return &deploy.VolumeDeletionError{Flag: flag, Claims: claims}
		}
		fmt.Fprintf(f.IOStreams.ErrOut, "%s%s deletes %d claims and the data of their volumes:\n", what, flag, len(claims))
		deploy.PrintClaims(f.IOStreams.ErrOut, claims)
		if yes {
			return nil
		}
		return f.confirmTyped("Type the app's name to delete them", app)
	}
}
