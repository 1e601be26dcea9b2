package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/kube"
	"github.com/berth-dev/berth/internal/output"
)

// ScaleOptions are the inputs of berth scale.
type ScaleOptions struct {
	cmdBase
	Wait       bool
	NoWait     bool
	Timeout    time.Duration
	HistoryMax int

	app      string
	replicas map[string]int32
}

// NewCmdScale builds berth scale.
func NewCmdScale(f *Factory, runF func(context.Context, *ScaleOptions) error) *cobra.Command {
	o := &ScaleOptions{cmdBase: newBase(f, "text", "json", "yaml")}
	cmd := &cobra.Command{
		Use:               "scale SERVICE=N [SERVICE=N...]",
		ValidArgsFunction: f.completeServiceCounts,
		Short:             "Set the pod count of services, recorded as a revision that deploys keep",
		RunE:              runE(o, runF),
	}
	fl := cmd.Flags()
	fl.BoolVar(&o.Wait, "wait", true, "wait until the new count is ready")
	fl.BoolVar(&o.NoWait, "no-wait", false, "do not wait (the same as --wait=false)")
	fl.DurationVar(&o.Timeout, "timeout", 5*time.Minute, "how long to wait")
	fl.IntVar(&o.HistoryMax, "history-max", deploy.DefaultHistoryMax, "revisions to keep (the current and the last good one are always kept)")
	f.addAppFlag(cmd, &o.app)
	return cmd
}

// Complete parses SERVICE=N arguments and the flags.
func (o *ScaleOptions) Complete(_ *cobra.Command, args []string) error {
	var err error
	if o.replicas, err = deploy.ParseReplicas(args); err != nil {
		return usage(err)
	}
	if o.NoWait {
		o.Wait = false
	}
	if o.Timeout <= 0 {
		return usageErrorf("--timeout must be positive")
	}
	return nil
}

// Run scales.
func (o *ScaleOptions) Run(ctx context.Context) error {
	start := time.Now()
	// The app's current revision says what each service is; berth.yaml,
	// when read, only names the app.
	var app string
	var ref kube.Ref
	var c *kube.Client
	for svc := range o.replicas {
		var err error
		if app, ref, c, err = o.f.workloadOnCluster(ctx, o.app, svc); err != nil {
			return err
		}
	}
	ns := ref.Namespace
	d := newDeployer(o.f, c, ns, o.IOStreams, o.format != "text", o.Wait)
	outcome, err := d.Scale(ctx, deploy.ScaleOptions{
		App: app, Namespace: ns, Replicas: o.replicas,
		Wait: o.Wait, Timeout: o.Timeout, HistoryMax: o.HistoryMax, Holder: holder(),
		Meta: caller(),
	})
	run := rolloutRun{command: "scale", app: app, namespace: ns, start: start}
	var e *ended
	if outcome != nil {
		e = &ended{revision: outcome.Revision, healthy: outcome.Healthy, result: output.Versioned("ScaleResult", outcome)}
	}
	return run.report(o.f, o.IOStreams, o.format, e, err, kube.DryRunNone, func(state string) string {
		ready := "not waited for"
		if state == "healthy" {
			ready = "ready"
		}
		return fmt.Sprintf("%s %s as revision %d in namespace %s: %s (%s)", o.f.paint("scaled", green), app, outcome.Revision, ns, ready, time.Since(start).Round(100*time.Millisecond))
	})
}
