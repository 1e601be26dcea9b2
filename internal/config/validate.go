package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

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
	v.secretFiles(sp, s)
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
