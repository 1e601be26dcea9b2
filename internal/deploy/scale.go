package deploy

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	hrelease "helm.sh/helm/v3/pkg/release"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/kube"
	"github.com/berth-dev/berth/internal/release"
	"github.com/berth-dev/berth/internal/render"
)

// ScaleOptions describe one berth scale.
type ScaleOptions struct {
	// App is the app scaled; everything else comes from its current
	// revision (the workload kinds, autoscale, berth.yaml's replicas as
	// recorded in the values). Project, when App is "", names it.
	App       string
	Project   *config.Project
	Namespace string
	// Replicas are the new counts, by service.
	Replicas map[string]int32
	Wait     bool
	Timeout  time.Duration
	// Meta says who scales (User, BerthVersion); Scale sets the cause.
	Meta       Meta
	HistoryMax int
	Holder     string
}

// ScaleOutcome is the result of a scale.
type ScaleOutcome struct {
	Revision int          `json:"revision"`
	Scaled   []ScaleEntry `json:"scaled"`
	Healthy  bool         `json:"healthy"`
}

// ScaleEntry is one workload scaled.
type ScaleEntry struct {
	Service string   `json:"service"`
	Object  kube.Ref `json:"object"`
	From    int32    `json:"from"`
	To      int32    `json:"to"`
}

// AutoscaledError refuses to scale services whose replicas an autoscaler
// owns.
type AutoscaledError struct {
	Services  []string
	Autoscale map[string]*config.Autoscale
}

func (e *AutoscaledError) Error() string {
	var parts []string
	for _, s := range e.Services {
		a := e.Autoscale[s]
		parts = append(parts, fmt.Sprintf("%s is autoscaled between %d and %d replicas", s, a.Min, a.Max))
	}
	return "nothing was scaled: " + strings.Join(parts, "; ") + ": its HorizontalPodAutoscaler sets the replica count and would undo a scale at once"
}

// Hint says how to change the count of an autoscaled service.
func (e *AutoscaledError) Hint() string {
	return fmt.Sprintf("change services.%s.autoscale.min and max in berth.yaml and run berth deploy (or remove autoscale to set replicas yourself)", e.Services[0])
}

// StaleError refuses to scale when the newest revision failed: the cluster
// runs some of it, and a scale recorded on top of the last good one would
// not describe the cluster.
type StaleError struct {
	App              string
	Failed, Deployed int
}

func (e *StaleError) Error() string {
	return fmt.Sprintf("nothing was scaled: revision %d of %s failed after revision %d, so the cluster does not run what either records", e.Failed, e.App, e.Deployed)
}

// Hint says how to get back to a recorded state.
func (e *StaleError) Hint() string {
	return "berth undo (back to the last good revision) or berth deploy (a fixed berth.yaml) first"
}

// Scale sets the replicas of services through the scale subresource and
// records the counts as a new revision (cause "berth scale web=5"), whose
// manifest is the current one re-rendered with them. The next deploy keeps
// them (see Options.ResetScale). With Wait, it waits until the workloads
// are ready.
func (d *Deployer) Scale(ctx context.Context, o ScaleOptions) (*ScaleOutcome, error) {
	if o.App == "" && o.Project != nil {
		o.App = o.Project.Name
	}
	lease, st, _, err := d.begin(ctx, o.Namespace, o.App, o.Holder, 0, time.Now().Add(o.Timeout+time.Minute))
	if err != nil {
		return nil, err
	}
	defer d.unlock(ctx, lease)
	cur := st.current
	if cur == nil {
		return nil, NotDeployed(ctx, d.Records, o.App, o.Namespace)
	}
	if newest := st.history[len(st.history)-1].Release; newest.Version > cur.Version {
		return nil, &StaleError{App: o.App, Failed: newest.Version, Deployed: cur.Version}
	}
	meta, err := release.MetaOf(cur)
	if err != nil {
		return nil, err
	}
	values, err := copyValues(cur.Config)
	if err != nil {
		return nil, err
	}
	if err := refuseAutoscaled(values, o.Replicas); err != nil {
		return nil, err
	}
	// Requests stop as soon as the lease is lost.
	wctx, unwatch := watchLease(ctx, lease)
	defer unwatch()
	out := &ScaleOutcome{}
	d.stage("scale")
	scaled, err := d.scaleServices(ctx, wctx, lease, o, cur, values, meta.Scaled, out)
	if err != nil {
		return out, err
	}
	res, err := render.RenderValues(cur.Chart, values, o.App, o.Namespace)
	if err != nil {
		return out, err
	}
	meta.Scaled = scaled
	if len(scaled) == 0 {
		meta.Scaled = nil
	}
	cause := make([]string, len(out.Scaled))
	for i, e := range out.Scaled {
		cause[i] = fmt.Sprintf("%s=%d", e.Service, e.To)
	}
	meta.Cause = "berth scale " + strings.Join(cause, " ")
	meta.User, meta.BerthVersion = o.Meta.User, o.Meta.BerthVersion
	if err := leaseError(ctx, lease); err != nil {
		return out, &LeaseLostError{App: o.App, Stage: StageScale, Applied: len(out.Scaled), Total: len(out.Scaled), Err: err}
	}
	rel, err := d.Records.Begin(ctx, o.App, cur.Chart, values, string(res.Manifest), meta)
	if err != nil {
		return out, fmt.Errorf("recording the new revision: %w", err)
	}
	out.Revision = rel.Version
	if err := d.waitScaled(ctx, wctx, lease, o, rel, out); err != nil {
		return out, err
	}
	d.finish(ctx, rel, nil)
	d.pruneHistory(context.WithoutCancel(ctx), o.App, o.HistoryMax)
	return out, nil
}

// refuseAutoscaled refuses to scale services an autoscaler owns, as the
// current revision's values (services.NAME.autoscale) say.
func refuseAutoscaled(values map[string]any, replicas map[string]int32) error {
	refused := &AutoscaledError{Autoscale: map[string]*config.Autoscale{}}
	svcValues, _ := values["services"].(map[string]any)
	for _, name := range sortedNames(replicas) {
		sv, _ := svcValues[name].(map[string]any)
		raw, ok := sv["autoscale"].(map[string]any)
		if !ok {
			continue
		}
		var a config.Autoscale
		if b, err := json.Marshal(raw); err != nil || json.Unmarshal(b, &a) != nil {
			return fmt.Errorf("reading services.%s.autoscale of the current revision: %v", name, raw)
		}
		refused.Services = append(refused.Services, name)
		refused.Autoscale[name] = &a
	}
	if len(refused.Services) > 0 {
		return refused
	}
	return nil
}

// scaleServices scales each service of o to its count, in name order, and
// sets the count in values (those of revision cur). It returns the counts
// berth scale set that the new revision keeps: prev updated. ctx is the
// caller's; wctx, its requests', is cancelled when the lease is lost.
func (d *Deployer) scaleServices(ctx, wctx context.Context, lease Lease, o ScaleOptions, cur *hrelease.Release, values map[string]any, prev map[string]release.Scale, out *ScaleOutcome) (map[string]release.Scale, error) {
	svcValues, _ := values["services"].(map[string]any)
	scaled := map[string]release.Scale{}
	for k, v := range prev {
		scaled[k] = v
	}
	lost := func(err error) error {
		return &LeaseLostError{App: o.App, Stage: StageScale, Applied: len(out.Scaled), Total: len(o.Replicas), Err: err}
	}
	for _, name := range sortedNames(o.Replicas) {
		sv, _ := svcValues[name].(map[string]any)
		if sv == nil {
			return nil, fmt.Errorf("revision %d of %s has no service %s: deploy it first (berth deploy)", cur.Version, o.App, name)
		}
		kind := "Deployment"
		if stateful, _ := sv["stateful"].(bool); stateful {
			kind = "StatefulSet"
		}
		ref := kube.Ref{Group: "apps", Version: "v1", Kind: kind, Namespace: o.Namespace, Name: name}
		n := o.Replicas[name]
		if err := leaseError(ctx, lease); err != nil {
			return nil, lost(err)
		}
		before, err := d.Cluster.Scale(wctx, ref, n)
		if err != nil {
			if ctx.Err() == nil {
				if lerr := lostLease(ctx, lease); lerr != nil {
					return nil, lost(lerr)
				}
			}
			return nil, err
		}
		fmt.Fprintf(d.Out, "%s scaled from %d to %d\n", ref, before, n)
		if d.Reporter != nil {
			d.Reporter.Applied(kube.Result{Ref: ref, Action: kube.Scaled, Note: fmt.Sprintf("from %d to %d", before, n)})
		}
		out.Scaled = append(out.Scaled, ScaleEntry{Service: name, Object: ref, From: before, To: n})
		// What berth.yaml said at the last deploy: the count recorded
		// before any berth scale.
		configured := int32(number(sv["replicas"]))
		if prev, ok := scaled[name]; ok {
			configured = prev.Config
		}
		if n == configured {
			delete(scaled, name) // back to berth.yaml's count
		} else {
			scaled[name] = release.Scale{Replicas: n, Config: configured}
		}
		sv["replicas"] = float64(n)
	}
	return scaled, nil
}

// waitScaled waits, with o.Wait, for the scaled workloads; when they do not
// become ready, or the lease is lost (wctx is cancelled then), it records
// rel failed.
func (d *Deployer) waitScaled(ctx, wctx context.Context, lease Lease, o ScaleOptions, rel *hrelease.Release, out *ScaleOutcome) error {
	lost := func(stage string, err error) error {
		e := &LeaseLostError{App: o.App, Revision: rel.Version, Stage: stage, Applied: len(out.Scaled), Total: len(out.Scaled), Err: err}
		e.Recorded = d.finish(context.WithoutCancel(ctx), rel, fmt.Errorf("stopped while %s: %w", stage, err))
		return e
	}
	if o.Wait {
		results := make([]kube.Result, len(out.Scaled))
		for i, e := range out.Scaled {
			results[i] = kube.Result{Ref: e.Object}
		}
		if werr := d.wait(wctx, results, o.Timeout); werr != nil {
			if ctx.Err() == nil {
				if err := lostLease(ctx, lease); err != nil {
					return lost(StageWait, err)
				}
			}
			return d.failed(ctx, rel, werr)
		}
		out.Healthy = true
	}
	if err := leaseError(ctx, lease); err != nil {
		return lost(StageRecord, err)
	}
	return nil
}

// copyValues deep-copies chart values (a JSON round trip, which is what
// Helm's storage does to them anyway).
func copyValues(v map[string]any) (map[string]any, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("copying values: %w", err)
	}
	var out map[string]any
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("copying values: %w", err)
	}
	if out == nil {
		out = map[string]any{}
	}
	return out, nil
}

func number(v any) float64 {
	switch n := v.(type) {
	case float64:
		return n
	case int:
		return float64(n)
	case int64:
		return float64(n)
	case json.Number:
		f, _ := n.Float64()
		return f
	}
	return 0
}
