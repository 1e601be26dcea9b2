package deploy

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/kube"
)

// ChartRemover uninstalls berth.yaml's charts; *charts.Installer is one.
type ChartRemover interface {
	// ClaimRefs are the claims the charts' releases hold, which helm
	// uninstall deletes with their data.
	ClaimRefs(charts map[string]*config.Chart, namespace string) ([]kube.Ref, error)
	// Uninstall removes each chart's release and names those it removed.
	Uninstall(ctx context.Context, charts map[string]*config.Chart, namespace string) ([]string, error)
}

// ClaimLister describes claims: what deleting each costs. *kube.Client
// is one.
type ClaimLister interface {
	ClaimsOf(ctx context.Context, refs []kube.Ref) ([]kube.Claim, error)
}

// ChartsDown is berth down's part for berth.yaml's charts, around the
// delete of the app.
type ChartsDown struct {
	Charts map[string]*config.Chart
	// Uninstall uninstalls the charts after the app (--charts); else they
	// are kept, and Log says so.
	Uninstall bool
	// Volumes lets the charts' claims go with them (--volumes).
	Volumes bool
	// Namespace, Remover and Claims are needed to uninstall only.
	Namespace string
	Remover   ChartRemover
	Claims    ClaimLister
	// Log gets a line per chart uninstalled, or one naming those kept
	// (nil: discarded).
	Log io.Writer
}

// Uninstalls reports whether Run uninstalls charts: Namespace, Remover
// and Claims must be set then.
func (d *ChartsDown) Uninstalls() bool { return d.Uninstall && len(d.Charts) > 0 }

// Run deletes the app with deleteApp, then uninstalls the charts. helm
// uninstall deletes the claims a chart's release holds: without Volumes
// they are refused (a *ChartClaimsError listing them) before anything is
// deleted; with it deleteApp gets them, to list and confirm with the
// app's claims.
func (d *ChartsDown) Run(ctx context.Context, deleteApp func(ctx context.Context, alsoClaims []kube.Ref) error) error {
	log := d.Log
	if log == nil {
		log = io.Discard
	}
	if !d.Uninstalls() {
		if err := deleteApp(ctx, nil); err != nil {
			return err
		}
		if len(d.Charts) > 0 {
			fmt.Fprintf(log, "charts %s kept (--charts uninstalls them)\n", strings.Join(slices.Sorted(maps.Keys(d.Charts)), ", "))
		}
		return nil
	}
	claims, err := d.Remover.ClaimRefs(d.Charts, d.Namespace)
	if err != nil {
		return err
	}
	if len(claims) > 0 && !d.Volumes {
		listed, err := d.Claims.ClaimsOf(ctx, claims)
		if err != nil {
			return err
		}
		return &ChartClaimsError{Claims: listed}
	}
	if err := deleteApp(ctx, claims); err != nil {
		return err
	}
	removed, err := d.Remover.Uninstall(ctx, d.Charts, d.Namespace)
	for _, name := range removed {
		fmt.Fprintf(log, "chart %s: uninstalled\n", name)
	}
	return err
}

// ChartClaimsError refuses berth down --charts without --volumes when
// the charts' releases hold claims: helm uninstall would delete them with
// their data. Nothing was changed.
type ChartClaimsError struct {
	Claims []kube.Claim
}

func (e *ChartClaimsError) Error() string {
	var b strings.Builder
	PrintClaims(&b, e.Claims)
	return "nothing was changed: --charts uninstalls charts whose releases hold claims, and helm uninstall deletes them with the data of their volumes:\n" + strings.TrimRight(b.String(), "\n")
}

// Hint says how to go on.
func (e *ChartClaimsError) Hint() string {
	return "add --volumes to delete them too (listed and confirmed first), or leave out --charts to keep the charts and their data"
}
