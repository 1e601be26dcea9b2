package config

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
)

// MaxConfigFileSize is the most a configFiles entry may hold: a ConfigMap
// is stored in etcd and is limited to 1 MiB in all.
const MaxConfigFileSize = 1 << 20

// validator runs the semantic checks the schema cannot express.
type validator struct {
	t        *tree
	p        *Project
	warnings []*Warning
}

func (v *validator) errorAt(p string, msg, hint string) {
	v.t.errs = append(v.t.errs, &Error{File: v.t.file, Pos: v.t.at(p), Path: v.t.display(p), Msg: msg, Hint: hint})
}

func (v *validator) errorAtKey(p string, msg, hint string) {
	v.t.errs = append(v.t.errs, &Error{File: v.t.file, Pos: v.t.atKey(p), Path: v.t.display(p), Msg: msg, Hint: hint})
}

func (v *validator) warn(p string, msg, hint string) {
	v.warnings = append(v.warnings, &Warning{File: v.t.file, Pos: v.t.at(p), Path: v.t.display(p), Msg: msg, Hint: hint})
}

func (v *validator) run() {
	p := v.p
	if p.APIVersion != APIVersion {
		v.errorAt("/apiVersion", fmt.Sprintf("unsupported apiVersion %q", p.APIVersion), "use apiVersion: "+APIVersion)
	}
	v.dnsLabel("/name", p.Name, "application name", 53)
	if p.Namespace != "" {
		v.dnsLabel("/namespace", p.Namespace, "namespace", 63)
	}
	if len(p.Services) == 0 {
		v.errorAtKey("/services", "no services defined", "add at least one service, e.g.\nservices:\n  web:\n    image: nginx:1.27\n    ports: [{port: 80}]")
	}
	for _, name := range sortedKeys(p.Services) {
		v.service(name, p.Services[name])
	}
	v.checkNames()
	for _, name := range sortedKeys(p.Secrets) {
		sp := ptr("secrets", name)
		v.dnsSubdomain(sp, name, "secret name")
		for _, key := range sortedKeys(p.Secrets[name]) {
			if errs := validation.IsConfigMapKey(key); len(errs) > 0 {
				v.errorAtKey(ptr("secrets", name, key), fmt.Sprintf("invalid secret key %q: %s", key, nameProblem(errs)), "keys are letters, digits, '-', '_' and '.'")
			}
		}
	}
	for _, name := range sortedKeys(p.Charts) {
		v.chart(ptr("charts", name), name, p.Charts[name])
	}
	defaults := 0
	for _, name := range sortedKeys(p.StorageClasses) {
		sc := p.StorageClasses[name]
		sp := ptr("storageClasses", name)
		v.dnsSubdomain(sp, name, "storage class name")
		if sc == nil {
			v.errorAt(sp, "storage class has no settings", "give at least `provisioner:`")
			continue
		}
		if sc.Default {
			defaults++
			if defaults > 1 {
				v.errorAt(sp+"/default", "more than one storage class is marked default", "mark at most one class `default: true`")
			}
		}
	}
	if p.Target != nil {
		v.target("/target", p.Target)
	}
	for _, env := range sortedKeys(p.Environments) {
		if errs := validation.IsDNS1123Label(env); len(errs) > 0 {
			v.errorAtKey(ptr("environments", env), fmt.Sprintf("invalid environment name %q", env), "use lowercase letters, digits and '-', e.g. production")
		}
		e := p.Environments[env]
		if e != nil && e.Namespace != "" {
			v.dnsLabel(ptr("environments", env, "namespace"), e.Namespace, "namespace", 63)
		}
		if e != nil && e.Target != nil {
			v.target(ptr("environments", env, "target"), e.Target)
		}
	}
}

func (v *validator) target(p string, t *Target) {
	switch t.Kind {
	case TargetKube, TargetMinikube, TargetDigitalOcean:
	default:
		v.errorAt(p, fmt.Sprintf("unknown target %q", t.Kind), "use kube, minikube or digitalocean")
	}
	if t.Minikube != nil && t.DigitalOcean != nil {
		v.errorAt(p, "a target is either minikube or digitalocean, not both", "keep one of them")
	}
}

func (v *validator) dnsLabel(p, value, what string, maxLen int) {
	errs := validation.IsDNS1123Label(value)
	if len(value) > maxLen {
		errs = append(errs, fmt.Sprintf("must be no more than %d characters", maxLen))
	}
	if len(errs) > 0 {
		v.errorAt(p, fmt.Sprintf("invalid %s %q: %s", what, value, nameProblem(errs)), "use lowercase letters, digits and '-', starting and ending with a letter or digit, e.g. my-app")
	}
}

func (v *validator) dnsSubdomain(p, value, what string) {
	if errs := validation.IsDNS1123Subdomain(value); len(errs) > 0 {
		v.errorAtKey(p, fmt.Sprintf("invalid %s %q: %s", what, value, nameProblem(errs)), "use lowercase letters, digits, '-' and '.'")
	}
}

// nameProblem shortens apimachinery's name errors, which quote the regular
// expression, to what a person needs.
func nameProblem(errs []string) string {
	var out []string
	for _, e := range errs {
		switch {
		case strings.Contains(e, "regex used for validation"):
			// apimachinery ends its messages with the regular expression
			// and examples; keep the sentence before them.
			if i := strings.Index(e, " (e.g."); i > 0 {
				e = e[:i]
			}
			if i := strings.Index(e, ", regex used"); i > 0 {
				e = e[:i]
			}
			out = append(out, e)
		default:
			out = append(out, e)
		}
	}
	return strings.Join(out, "; ")
}

// maxServiceName leaves room for the longest suffix berth adds (-headless).
const maxServiceName = 63 - len("-headless")

func (v *validator) service(name string, s *Service) {
	sp := ptr("services", name)
	if errs := validation.IsDNS1035Label(name); len(errs) > 0 || len(name) > maxServiceName {
		if len(name) > maxServiceName {
			errs = append(errs, fmt.Sprintf("must be no more than %d characters", maxServiceName))
		}
		v.errorAtKey(sp, fmt.Sprintf("invalid service name %q: %s", name, nameProblem(errs)),
			"service names become Kubernetes object names: lowercase letters, digits and '-', starting with a letter")
	}
	if s == nil {
		v.errorAtKey(sp, "service has no settings", "give at least `image:` or `build:`")
		return
	}
	switch {
	case s.Image == "" && s.Build == nil:
		v.errorAtKey(sp, "service has neither image nor build", "set `image: REF` for a prebuilt image, or `build: {context: .}` to have berth build it")
	case s.Image != "" && s.Build != nil:
		v.errorAt(sp+"/image", "service has both image and build", "keep one: `image` uses a prebuilt image, `build` has berth build and tag it")
	}
	if s.Build != nil {
		v.build(sp+"/build", s.Build)
	}
	if s.Replicas != nil && *s.Replicas < 0 {
		v.errorAt(sp+"/replicas", "replicas cannot be negative", "use 0 to stop the service, or a positive count")
	}
	v.ports(sp, s)
	v.env(sp, s)
	v.configFiles(sp, s)
	if s.Probes != nil {
		v.probe(sp+"/probes/liveness", s, s.Probes.Liveness)
		v.probe(sp+"/probes/readiness", s, s.Probes.Readiness)
		v.probe(sp+"/probes/startup", s, s.Probes.Startup)
	}
	v.resources(sp, s)
	v.strategy(sp, s)
	v.volumes(sp, name, s)
	v.autoscale(sp, s)
	v.ingress(sp, s)
	v.securityContext(sp, s)
	for i, sec := range s.ImagePullSecrets {
		v.dnsSubdomain(ptr("services", name, "imagePullSecrets", strconv.Itoa(i)), sec, "image pull secret name")
	}
	for _, m := range []struct {
		field string
		kv    map[string]string
	}{{"labels", s.Labels}, {"nodeSelector", s.NodeSelector}} {
		for _, k := range sortedKeys(m.kv) {
			kp := ptr("services", name, m.field, k)
			if errs := validation.IsQualifiedName(k); len(errs) > 0 {
				v.errorAtKey(kp, fmt.Sprintf("invalid label key %q: %s", k, nameProblem(errs)), "label keys are [prefix/]name with letters, digits, '-', '_' and '.'")
			}
			if errs := validation.IsValidLabelValue(m.kv[k]); len(errs) > 0 {
				v.errorAt(kp, fmt.Sprintf("invalid label value %q: %s", m.kv[k], nameProblem(errs)), "label values are at most 63 letters, digits, '-', '_' and '.'")
			}
			if m.field == "labels" && strings.HasPrefix(k, "app.kubernetes.io/") {
				v.errorAtKey(kp, fmt.Sprintf("label %q is set by berth", k), "berth manages the app.kubernetes.io/ labels; pick another key")
			}
		}
	}
}

func (v *validator) build(bp string, b *Build) {
	ctxDir := filepath.Join(v.p.Dir, filepath.FromSlash(orDefault(b.Context, ".")))
	st, err := os.Stat(ctxDir)
	switch {
	case err != nil:
		v.errorAt(bp+"/context", fmt.Sprintf("build context %s does not exist", ctxDir), "the context is a directory relative to berth.yaml")
		return
	case !st.IsDir():
		v.errorAt(bp+"/context", fmt.Sprintf("build context %s is not a directory", ctxDir), "the context is a directory relative to berth.yaml")
		return
	}
	df := filepath.Join(ctxDir, filepath.FromSlash(orDefault(b.Dockerfile, "Dockerfile")))
	if _, err := os.Stat(df); err != nil {
		v.errorAt(bp+"/dockerfile", fmt.Sprintf("Dockerfile %s does not exist", df), "dockerfile is relative to the build context; default Dockerfile")
	}
	for i, pl := range b.Platforms {
		if os, arch, ok := strings.Cut(pl, "/"); !ok || os == "" || arch == "" {
			v.errorAt(ptr(strings.Split(bp[1:], "/")...)+"/platforms/"+strconv.Itoa(i), fmt.Sprintf("invalid platform %q", pl), "write OS/ARCH, e.g. linux/amd64 or linux/arm64")
		}
	}
}

func (v *validator) ports(sp string, s *Service) {
	names := map[string]int{}
	numbers := map[string]int{}
	for i := range s.Ports {
		pt := &s.Ports[i]
		pp := sp + "/ports/" + strconv.Itoa(i)
		if pt.Name != "" {
			if errs := validation.IsValidPortName(pt.Name); len(errs) > 0 {
				v.errorAt(pp+"/name", fmt.Sprintf("invalid port name %q: %s", pt.Name, nameProblem(errs)), "port names are at most 15 lowercase letters, digits and '-', with at least one letter, e.g. http")
			}
			if j, dup := names[pt.Name]; dup {
				v.errorAt(pp+"/name", fmt.Sprintf("port name %q is already used by ports[%d]", pt.Name, j), "give each port its own name")
			}
			names[pt.Name] = i
		}
		if errs := validation.IsValidPortNum(int(pt.Port)); len(errs) > 0 {
			v.errorAt(pp+"/port", fmt.Sprintf("invalid port %d: %s", pt.Port, strings.Join(errs, "; ")), "ports are 1-65535")
		}
		if pt.TargetPort != 0 {
			if errs := validation.IsValidPortNum(int(pt.TargetPort)); len(errs) > 0 {
				v.errorAt(pp+"/targetPort", fmt.Sprintf("invalid targetPort %d: %s", pt.TargetPort, strings.Join(errs, "; ")), "ports are 1-65535")
			}
		}
		key := orDefault(pt.Protocol, "TCP") + "/" + strconv.Itoa(int(pt.Port))
		if j, dup := numbers[key]; dup {
			v.errorAt(pp+"/port", fmt.Sprintf("port %s is already defined by ports[%d]", key, j), "each port number may appear once per protocol")
		}
		numbers[key] = i
		if pt.NodePort != 0 {
			if pt.NodePort < 30000 || pt.NodePort > 32767 {
				v.errorAt(pp+"/nodePort", fmt.Sprintf("nodePort %d is outside 30000-32767", pt.NodePort), "Kubernetes allocates node ports from 30000-32767 by default; pick one there or leave nodePort out")
			}
			if s.Expose != ExposeNodePort && s.Expose != ExposeLoadBalancer {
				v.errorAt(pp+"/nodePort", "nodePort needs expose: NodePort or LoadBalancer", "add `expose: NodePort`, or remove nodePort")
			}
		}
	}
	if len(s.Ports) > 1 {
		for i := range s.Ports {
			if s.Ports[i].Name == "" {
				v.errorAt(sp+"/ports/"+strconv.Itoa(i), "a service with several ports must name each port", "add `name: http` (or another name, at most 15 characters)")
			}
		}
	}
	switch s.Expose {
	case ExposeNodePort, ExposeLoadBalancer, ExposeClusterIP:
		if len(s.Ports) == 0 {
			v.errorAt(sp+"/expose", fmt.Sprintf("expose: %s needs at least one port", s.Expose), "add `ports: [{port: 80, targetPort: 8080}]`, or remove expose")
		}
	}
}

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

func (v *validator) configFiles(sp string, s *Service) {
	keys := map[string]string{}
	for _, mount := range sortedKeys(s.ConfigFiles) {
		cp := sp + "/configFiles/" + pointerEscape(mount)
		if !path.IsAbs(mount) {
			v.errorAtKey(cp, fmt.Sprintf("mount path %q is not absolute", mount), "configFiles maps an absolute path in the container to a local file, e.g. /etc/app/config.json: ./config.json")
			continue
		}
		if k := path.Base(mount); keys[k] != "" {
			v.errorAtKey(cp, fmt.Sprintf("mount path %q has the same file name as %q", mount, keys[k]), "config files of one service need distinct file names")
		} else {
			keys[k] = mount
		}
		src := filepath.Join(v.p.Dir, filepath.FromSlash(s.ConfigFiles[mount]))
		st, err := os.Stat(src)
		switch {
		case err != nil:
			v.errorAt(cp, fmt.Sprintf("config file %s does not exist", src), "paths are relative to berth.yaml")
		case st.IsDir():
			v.errorAt(cp, fmt.Sprintf("config file %s is a directory", src), "name a file; mount each file of a directory separately")
		case st.Size() > MaxConfigFileSize:
			v.errorAt(cp, fmt.Sprintf("config file %s is %d bytes; a ConfigMap holds at most 1 MiB", src, st.Size()), "bake large files into the image, or use a volume")
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

// portRef checks a reference to one of the service's ports. Numbers that
// are not declared are allowed for probes (a container may listen on an
// undeclared port) but must be valid.
func (v *validator) portRef(p string, s *Service, ref PortRef, allowUndeclared bool) {
	if ref.IsZero() {
		v.errorAt(p, "port is required", "name one of the service's ports, e.g. http, or give a number")
		return
	}
	if ref.Name != "" {
		if s.Port(ref) == nil {
			var names []string
			for _, pt := range s.Ports {
				if pt.Name != "" {
					names = append(names, pt.Name)
				}
			}
			hint := "add a port with that name under ports, or use a port number"
			if len(names) > 0 {
				hint = "the service's ports are: " + strings.Join(names, ", ")
				if sg := suggest(ref.Name, names); sg != "" {
					hint = fmt.Sprintf("did you mean %q? (%s)", sg, hint)
				}
			}
			v.errorAt(p, fmt.Sprintf("no port named %q in this service", ref.Name), hint)
		}
		return
	}
	if errs := validation.IsValidPortNum(int(ref.Number)); len(errs) > 0 {
		v.errorAt(p, fmt.Sprintf("invalid port %d", ref.Number), "ports are 1-65535")
		return
	}
	if !allowUndeclared && s.Port(ref) == nil {
		v.errorAt(p, fmt.Sprintf("port %d is not one of the service's ports", ref.Number), "add it under ports, or name an existing port")
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

func (v *validator) volumes(sp, name string, s *Service) {
	names := map[string]int{}
	mounts := map[string]int{}
	for i, vol := range s.Volumes {
		vp := sp + "/volumes/" + strconv.Itoa(i)
		if vol.Name == ConfigFilesVolume {
			v.errorAt(vp+"/name", fmt.Sprintf("volume name %q is reserved for configFiles", vol.Name), "pick another name, e.g. data")
		}
		if errs := validation.IsDNS1123Label(vol.Name); len(errs) > 0 {
			v.errorAt(vp+"/name", fmt.Sprintf("invalid volume name %q: %s", vol.Name, nameProblem(errs)), "use lowercase letters, digits and '-', e.g. data")
		}
		if j, dup := names[vol.Name]; dup {
			v.errorAt(vp+"/name", fmt.Sprintf("volume name %q is already used by volumes[%d]", vol.Name, j), "give each volume its own name")
		}
		names[vol.Name] = i
		if !path.IsAbs(vol.MountPath) {
			v.errorAt(vp+"/mountPath", fmt.Sprintf("mount path %q is not absolute", vol.MountPath), "e.g. /data")
		} else if j, dup := mounts[path.Clean(vol.MountPath)]; dup {
			v.errorAt(vp+"/mountPath", fmt.Sprintf("mount path %q is already used by volumes[%d]", vol.MountPath, j), "mount each volume at its own path")
		} else {
			mounts[path.Clean(vol.MountPath)] = i
		}
		if vol.Size == "" {
			v.errorAt(vp, "volume has no size", "add `size: 1Gi` (or another quantity)")
		} else if q, ok := v.quantity(vp+"/size", vol.Size, "volume size"); ok && q.Sign() == 0 {
			v.errorAt(vp+"/size", "volume size must be above zero", "e.g. 256Mi or 10Gi")
		}
		if vol.StorageClass != "" {
			if errs := validation.IsDNS1123Subdomain(vol.StorageClass); len(errs) > 0 {
				v.errorAt(vp+"/storageClass", fmt.Sprintf("invalid storage class name %q", vol.StorageClass), "name a class from storageClasses or one that exists in the cluster")
			}
		}
		mode := orDefault(vol.AccessMode, "ReadWriteOnce")
		single := mode == "ReadWriteOnce" || mode == "ReadWriteOncePod"
		if single && !s.Stateful && s.MaxReplicas() > 1 {
			what := fmt.Sprintf("replicas: %d", s.EffectiveReplicas())
			if s.Autoscale != nil && s.Autoscale.Max > s.EffectiveReplicas() {
				what = fmt.Sprintf("autoscale.max: %d", s.Autoscale.Max)
			}
			v.errorAt(vp, fmt.Sprintf("volume %q is %s but service %q can run %d pods (%s)", vol.Name, mode, name, s.MaxReplicas(), what),
				"all replicas of a Deployment share one claim, and a "+mode+" volume attaches to one node only, so extra pods hang in ContainerCreating or corrupt each other's data.\n"+
					"Fix it one of these ways:\n"+
					"  - stateful: true: a StatefulSet gives each replica its own volume (databases, queues)\n"+
					"  - replicas: 1 with strategy: Recreate: one pod, replaced by stopping the old one first\n"+
					"  - accessMode: ReadWriteMany with a storage class that supports it (NFS, CephFS, EFS), or keep the data in a shared store (object storage, a database)")
		}
	}
	if !s.Stateful && len(s.Volumes) > 0 && s.MaxReplicas() == 1 && (s.Strategy == nil || s.Strategy.Type != StrategyRecreate) {
		for i, vol := range s.Volumes {
			if m := orDefault(vol.AccessMode, "ReadWriteOnce"); m == "ReadWriteOnce" || m == "ReadWriteOncePod" {
				v.warn(sp+"/volumes/"+strconv.Itoa(i), fmt.Sprintf("volume %q is %s and the service rolls out with RollingUpdate", vol.Name, m),
					"a rolling update starts the new pod before the old one stops; on another node it waits for the volume (Multi-Attach error) and the rollout stalls. Add `strategy: Recreate`")
				break
			}
		}
	}
	if s.Stateful && len(s.Volumes) == 0 {
		v.warn(sp+"/stateful", "stateful service has no volumes", "a StatefulSet without volumes loses its data when a pod is replaced; add volumes, or drop stateful: true")
	}
}

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

func (v *validator) ingress(sp string, s *Service) {
	in := s.Ingress
	if in == nil {
		return
	}
	ip := sp + "/ingress"
	if in.Host != "" {
		host := strings.TrimPrefix(in.Host, "*.")
		if errs := validation.IsDNS1123Subdomain(host); len(errs) > 0 {
			v.errorAt(ip+"/host", fmt.Sprintf("invalid host %q: %s", in.Host, nameProblem(errs)), "a DNS name such as example.org, without scheme or port")
		}
	}
	if in.Path != "" && !strings.HasPrefix(in.Path, "/") {
		v.errorAt(ip+"/path", fmt.Sprintf("ingress path %q must start with /", in.Path), "write it as /"+in.Path)
	}
	if len(s.Ports) == 0 {
		v.errorAt(ip, "ingress needs the service to have a port", "add `ports: [{name: http, port: 80, targetPort: 8080}]`")
		return
	}
	if s.Expose == ExposeNone {
		v.errorAt(ip, "ingress needs a Service, but expose is None", "use expose: ClusterIP (the default), or remove the ingress")
	}
	if !in.Port.IsZero() {
		v.portRef(ip+"/port", s, in.Port, false)
	}
	if in.TLS != nil && in.TLS.SecretName == "" {
		v.errorAt(ip+"/tls", "ingress tls needs secretName", "name the Secret holding tls.crt and tls.key")
	}
}

// ConfigFilesVolume is the pod volume that holds a service's configFiles.
const ConfigFilesVolume = "berth-files"

// checkNames reports objects of one kind that would get the same name.
func (v *validator) checkNames() {
	claims := map[string]string{}
	for _, name := range sortedKeys(v.p.Services) {
		s := v.p.Services[name]
		if s == nil || s.Stateful {
			continue
		}
		for i, vol := range s.Volumes {
			claim := name + "-" + vol.Name
			if other, ok := claims[claim]; ok {
				v.errorAt(ptr("services", name, "volumes", strconv.Itoa(i), "name"),
					fmt.Sprintf("the claim for this volume would be named %q, like the one of %s", claim, other),
					"claims are named SERVICE-VOLUME; rename this volume")
			}
			claims[claim] = fmt.Sprintf("service %q", name)
		}
	}
	for _, name := range sortedKeys(v.p.Services) {
		s := v.p.Services[name]
		if s != nil && s.Stateful && s.Expose != ExposeHeadless {
			if other, ok := v.p.Services[name+"-headless"]; ok && other != nil {
				v.errorAtKey(ptr("services", name+"-headless"), fmt.Sprintf("service %q clashes with the headless Service berth creates for stateful service %q", name+"-headless", name),
					"rename one of them, or give the stateful service expose: Headless")
			}
		}
	}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
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

// chart checks a third-party chart entry.
func (v *validator) chart(cp, name string, c *Chart) {
	v.dnsLabel(cp, name, "chart release name", 53)
	if c == nil || c.Chart == "" {
		v.errorAtKey(cp, "chart has no chart:", "name the chart, e.g. {repo: https://kubernetes.github.io/ingress-nginx, chart: ingress-nginx}, or chart: oci://REGISTRY/PATH")
		return
	}
	oci := strings.HasPrefix(c.Chart, "oci://")
	switch {
	case oci && c.Repo != "":
		v.errorAt(cp+"/repo", "an oci:// chart takes no repo", "drop repo: the oci:// reference says where the chart is")
	case !oci && c.Repo == "":
		v.errorAtKey(cp, "chart "+c.Chart+" has no repo", "give the chart repository, e.g. repo: https://charts.bitnami.com/bitnami, or an oci:// chart reference")
	case !oci && !strings.HasPrefix(c.Repo, "https://") && !strings.HasPrefix(c.Repo, "http://"):
		v.errorAt(cp+"/repo", fmt.Sprintf("repo %q is not an http(s) URL", c.Repo), "use the URL helm repo add takes, e.g. https://kubernetes.github.io/ingress-nginx")
	}
	if c.Namespace != "" {
		v.dnsLabel(cp+"/namespace", c.Namespace, "namespace", 63)
	}
}
