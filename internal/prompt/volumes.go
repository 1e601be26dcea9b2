package prompt

import (
	"context"
	"errors"
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

// ConfirmDelete approves berth delete's plan. With claims to delete it is
// one question for the objects and the claims' data, claims' (a
// ConfirmVolumes given the start of its first line). Else yes approves;
// on a terminal p asks y/N, naming what happens to the volumes
// (volumes: they go too); without one it refuses with a *NoTerminalError
// naming --yes.
func (p Prompter) ConfirmDelete(ctx context.Context, plan deploy.DeletePlan, claims func(what string) deploy.ConfirmVolumes, volumes, yes bool) error {
	if len(plan.Claims) > 0 {
		return claims(fmt.Sprintf("berth delete removes %s (%d objects) from namespace %s, and with ", plan.App, len(plan.Refs), plan.Namespace))(ctx, plan.Claims)
	}
	if yes {
		return nil
	}
	if _, ok := p.Terminal(); !ok {
		return &NoTerminalError{Question: fmt.Sprintf("berth delete removes %s from namespace %s", plan.App, plan.Namespace), Flag: yesFlag, Typed: true}
	}
	what := "its claims are kept"
	if volumes {
		what = "ITS VOLUMES AND THEIR DATA TOO"
	}
	ok, err := p.Confirm(fmt.Sprintf("Delete %s (%d objects) from namespace %s; %s. Continue?", plan.App, len(plan.Refs), plan.Namespace, what))
	if err == nil && !ok {
		err = errors.New("not deleted")
	}
	return err
}
