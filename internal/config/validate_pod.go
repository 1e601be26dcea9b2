package config

// Validating a service's pod template: environment, probes, resources,
// strategy, autoscaling and security context.

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
)

func (v *validator) env(sp string, s *Service) {
	for _, k := range sortedKeys(s.Env) {
		ep := sp + "/env/" + pointerEscape(k)
		if errs := validation.IsEnvVarName(k); len(errs) > 0 {
			v.errorAtKey(ep, fmt.Sprintf("invalid environment variable name %q: %s", k, nameProblem(errs)), "use letters, digits, '_', '-' and '.'")
		}
		e := s.Env[k]
		refs := 0
		for _, set := range []bool{e.SecretRef != nil, e.ConfigMapRef != nil, e.FieldRef != ""} {
			if set {
				refs++
			}
		}
		if refs > 1 {
			v.errorAt(ep, "set only one of secretRef, configMapRef and fieldRef", "a variable takes its value from one place")
		}
		for _, r := range []struct {
			field string
			ref   *KeyRef
		}{{"secretRef", e.SecretRef}, {"configMapRef", e.ConfigMapRef}} {
			if r.ref == nil {
				continue
			}
			rp := ep + "/" + r.field
			if r.ref.Name == "" || r.ref.Key == "" {
				v.errorAt(rp, r.field+" needs name and key", fmt.Sprintf("write `%s: {name: NAME, key: KEY}`", r.field))
				continue
			}
			if r.field == "secretRef" {
				if sec, ok := v.p.Secrets[r.ref.Name]; ok {
					if _, ok := sec[r.ref.Key]; !ok {
						hint := fmt.Sprintf("secret %q defines: %s", r.ref.Name, strings.Join(sortedKeys(sec), ", "))
						if sg := suggest(r.ref.Key, sortedKeys(sec)); sg != "" {
							hint = fmt.Sprintf("did you mean %q? (%s)", sg, hint)
						}
						v.errorAt(rp+"/key", fmt.Sprintf("secret %q has no key %q", r.ref.Name, r.ref.Key), hint)
					}
				}
			}
		}
	}
	for i, ef := range s.EnvFrom {
		if (ef.Secret == "") == (ef.ConfigMap == "") {
			v.errorAt(sp+"/envFrom/"+strconv.Itoa(i), "envFrom entries name exactly one of secret or configMap", "write `- secret: NAME` or `- configMap: NAME`")
		}
	}
}

func (v *validator) probe(pp string, s *Service, pr *Probe) {
	if pr == nil {
		return
	}
	n := 0
	for _, set := range []bool{pr.HTTP != nil, pr.TCP != nil, pr.Exec != nil, pr.GRPC != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		v.errorAt(pp, "a probe needs exactly one of http, tcp, exec or grpc", "e.g. `http: {path: /health, port: http}`")
	}
	if pr.HTTP != nil {
		v.portRef(pp+"/http/port", s, pr.HTTP.Port, true)
		if pr.HTTP.Path != "" && !strings.HasPrefix(pr.HTTP.Path, "/") {
			v.errorAt(pp+"/http/path", fmt.Sprintf("probe path %q must start with /", pr.HTTP.Path), "write it as /"+pr.HTTP.Path)
		}
	}
	if pr.TCP != nil {
		v.portRef(pp+"/tcp/port", s, pr.TCP.Port, true)
	}
	if pr.GRPC != nil {
		if pr.GRPC.Port.Name != "" {
			v.errorAt(pp+"/grpc/port", "grpc probes take a port number", "Kubernetes gRPC probes accept only numbers")
		}
		v.portRef(pp+"/grpc/port", s, pr.GRPC.Port, true)
	}
	if pr.Exec != nil && len(pr.Exec.Command) == 0 {
		v.errorAt(pp+"/exec/command", "exec probe has no command", "e.g. `exec: {command: [cat, /tmp/healthy]}`")
	}
	for _, d := range []struct {
		field string
		d     *Duration
	}{{"initialDelay", pr.InitialDelay}, {"period", pr.Period}, {"timeout", pr.Timeout}} {
		v.duration(pp+"/"+d.field, d.d)
	}
	if pr.FailureThreshold < 0 || pr.SuccessThreshold < 0 {
		v.errorAt(pp, "thresholds cannot be negative", "leave them out for the Kubernetes defaults")
	}
}

func (v *validator) duration(p string, d *Duration) {
	if d == nil {
		return
	}
	if _, err := strconv.ParseFloat(d.Raw, 64); err == nil {
		if d.D < 0 {
			v.errorAt(p, "duration cannot be negative", "e.g. 10s")
		}
		return
	}
	parsed, err := time.ParseDuration(d.Raw)
	switch {
	case err != nil:
		v.errorAt(p, fmt.Sprintf("invalid duration %q", d.Raw), "write a number with a unit: 500ms, 3s, 1m30s")
	case parsed < 0:
		v.errorAt(p, "duration cannot be negative", "e.g. 10s")
	}
}

func (v *validator) quantity(p string, q Quantity, what string) (resource.Quantity, bool) {
	if q == "" {
		return resource.Quantity{}, false
	}
	parsed, err := resource.ParseQuantity(string(q))
	if err != nil {
		v.errorAt(p, fmt.Sprintf("invalid %s %q", what, q), "write a Kubernetes quantity: 100m or 0.5 for CPU, 128Mi or 1Gi for memory and sizes")
		return resource.Quantity{}, false
	}
	if parsed.Sign() < 0 {
		v.errorAt(p, fmt.Sprintf("%s cannot be negative", what), "")
		return resource.Quantity{}, false
	}
	return parsed, true
}

func (v *validator) resources(sp string, s *Service) {
	if s.Resources == nil {
		return
	}
	get := func(l *ResourceList, field string) Quantity {
		if l == nil {
			return ""
		}
		switch field {
		case "cpu":
			return l.CPU
		case "memory":
			return l.Memory
		}
		return l.EphemeralStorage
	}
	for _, field := range []string{"cpu", "memory", "ephemeral-storage"} {
		req, okReq := v.quantity(sp+"/resources/requests/"+field, get(s.Resources.Requests, field), field+" request")
		lim, okLim := v.quantity(sp+"/resources/limits/"+field, get(s.Resources.Limits, field), field+" limit")
		if okReq && okLim && req.Cmp(lim) > 0 {
			v.errorAt(sp+"/resources/requests/"+field, fmt.Sprintf("%s request %s is above its limit %s", field, req.String(), lim.String()),
				"a request must be at most the limit; raise the limit or lower the request")
		}
	}
}

func (v *validator) strategy(sp string, s *Service) {
	if s.Strategy == nil {
		return
	}
	st := s.Strategy
	if st.Type == "" {
		st.Type = StrategyRollingUpdate
	}
	if st.Type == StrategyRecreate && (st.MaxSurge != nil || st.MaxUnavailable != nil) {
		v.errorAt(sp+"/strategy", "maxSurge and maxUnavailable apply only to RollingUpdate", "remove them, or use type: RollingUpdate")
	}
	if s.Stateful && st.Type == StrategyRecreate {
		v.errorAt(sp+"/strategy", "strategy Recreate applies to Deployments, not to stateful services",
			"a StatefulSet replaces its pods one at a time, newest first; remove strategy, or set stateful: false")
	}
	if s.Stateful && st.MaxSurge != nil {
		v.errorAt(sp+"/strategy/maxSurge", "maxSurge does not apply to stateful services", "a StatefulSet never runs two pods with the same identity; remove maxSurge")
	}
	for _, f := range []struct {
		field string
		val   *IntOrPercent
	}{{"maxSurge", st.MaxSurge}, {"maxUnavailable", st.MaxUnavailable}} {
		if f.val == nil {
			continue
		}
		s := string(*f.val)
		num := strings.TrimSuffix(s, "%")
		if n, err := strconv.Atoi(num); err != nil || n < 0 || (strings.HasSuffix(s, "%") && n > 100) {
			v.errorAt(sp+"/strategy/"+f.field, fmt.Sprintf("invalid %s %q", f.field, s), "write a count such as 1 or a percentage such as 25%")
		}
	}
	if st.MaxSurge != nil && st.MaxUnavailable != nil && isZeroCount(*st.MaxSurge) && isZeroCount(*st.MaxUnavailable) {
		v.errorAt(sp+"/strategy", "maxSurge and maxUnavailable cannot both be 0", "a rolling update must be allowed to add or remove at least one pod")
	}
	if st.Type == StrategyRecreate && s.Autoscale != nil {
		v.warn(sp+"/strategy", "strategy Recreate with autoscale stops every pod on each rollout",
			"all replicas the autoscaler added go down together; prefer RollingUpdate for autoscaled services")
	}
}

func isZeroCount(v IntOrPercent) bool { return strings.TrimSuffix(string(v), "%") == "0" }

func (v *validator) autoscale(sp string, s *Service) {
	a := s.Autoscale
	if a == nil {
		return
	}
	ap := sp + "/autoscale"
	if a.Min < 1 {
		v.errorAt(ap+"/min", "autoscale.min must be at least 1", "the HorizontalPodAutoscaler never scales to zero")
	}
	if a.Max < a.Min {
		v.errorAt(ap+"/max", fmt.Sprintf("autoscale.max (%d) is below autoscale.min (%d)", a.Max, a.Min), "max must be at least min")
	}
	if a.CPU == 0 && a.Memory == 0 {
		v.errorAt(ap, "autoscale needs a target: cpu or memory", "e.g. `autoscale: {min: 2, max: 5, cpu: 80}` scales to keep average CPU at 80% of requests")
	}
	if a.CPU < 0 || a.Memory < 0 {
		v.errorAt(ap, "utilization targets must be positive percentages", "e.g. cpu: 80")
	}
	hasReq := func(field string) bool {
		if s.Resources == nil || s.Resources.Requests == nil {
			return false
		}
		if field == "cpu" {
			return s.Resources.Requests.CPU != ""
		}
		return s.Resources.Requests.Memory != ""
	}
	if a.CPU > 0 && !hasReq("cpu") {
		v.warn(ap+"/cpu", "autoscale on cpu without resources.requests.cpu", "the autoscaler measures utilization against requests; add `resources: {requests: {cpu: 100m}}` or it cannot scale")
	}
	if a.Memory > 0 && !hasReq("memory") {
		v.warn(ap+"/memory", "autoscale on memory without resources.requests.memory", "add `resources: {requests: {memory: 128Mi}}` or the autoscaler cannot scale")
	}
	if s.Replicas != nil {
		v.warn(sp+"/replicas", "replicas is ignored when autoscale is set", "the HorizontalPodAutoscaler owns the replica count between autoscale.min and autoscale.max")
	}
}

func (v *validator) securityContext(sp string, s *Service) {
	sc := s.SecurityContext
	if sc == nil {
		return
	}
	for _, f := range []struct {
		field string
		id    *int64
	}{{"runAsUser", sc.RunAsUser}, {"runAsGroup", sc.RunAsGroup}, {"fsGroup", sc.FSGroup}} {
		if f.id != nil && *f.id < 0 {
			v.errorAt(sp+"/securityContext/"+f.field, fmt.Sprintf("%s cannot be negative", f.field), "user and group IDs are 0 or more")
		}
	}
	if sc.RunAsNonRoot != nil && *sc.RunAsNonRoot && sc.RunAsUser != nil && *sc.RunAsUser == 0 {
		v.errorAt(sp+"/securityContext/runAsUser", "runAsUser: 0 is root, but runAsNonRoot is true", "pick a non-zero user ID, or drop runAsNonRoot")
	}
}
