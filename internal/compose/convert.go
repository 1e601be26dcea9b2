package compose

import (
	"fmt"
	"maps"
	"math"
	"net"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/berth-dev/berth/internal/config"
)

// converter turns a loaded compose project into a berth project.
type converter struct {
	opts   Options
	cp     *types.Project
	ix     *index
	outDir string

	out *config.Project
	// names maps compose service names to berth service names.
	names map[string]string
	// comments are lines written above a berth service in berth.yaml.
	comments map[string][]string
	warnings []Warning
	// volumeUsers lists, per named volume, the services mounting it.
	volumeUsers map[string][]string
	// dockerfiles are the parsed Dockerfiles of built services.
	dockerfiles map[string]*dockerfile
	// images are the registry's answers, by image reference.
	images map[string]imageAnswer
	// binds are the bind mounts of each compose service.
	binds map[string][]bindMount
}

func newConverter(opts Options, cp *types.Project, ix *index, outDir string) *converter {
	return &converter{opts: opts, cp: cp, ix: ix, outDir: outDir, names: map[string]string{}, comments: map[string][]string{}, volumeUsers: map[string][]string{}, dockerfiles: map[string]*dockerfile{}, images: map[string]imageAnswer{}, binds: map[string][]bindMount{}}
}

func (c *converter) warn(at pos, path, format string, args ...any) {
	c.warnings = append(c.warnings, Warning{File: at.File, Line: at.Line, Path: path, Msg: fmt.Sprintf(format, args...)})
}

func (c *converter) sortedWarnings(files []string) []Warning {
	order := func(f string) int {
		if i := slices.Index(files, f); i >= 0 {
			return i
		}
		return len(files)
	}
	ws := slices.Clone(c.warnings)
	sort.SliceStable(ws, func(i, j int) bool {
		a, b := ws[i], ws[j]
		if order(a.File) != order(b.File) {
			return order(a.File) < order(b.File)
		}
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.Msg < b.Msg
	})
	return slices.CompactFunc(ws, func(a, b Warning) bool { return a == b })
}

// reasons summarises why no service was converted.
func (c *converter) reasons() string {
	if len(c.cp.Services) == 0 {
		if len(c.cp.DisabledServices) > 0 {
			return "every service is in a profile; enable one with --profile"
		}
		return "it defines no services"
	}
	var msgs []string
	for _, w := range c.sortedWarnings(nil) {
		msgs = append(msgs, w.String())
	}
	return strings.Join(msgs, "; ")
}

func (c *converter) convert() *config.Project {
	c.out = &config.Project{APIVersion: config.APIVersion, Name: appName(c.opts.Name, c.cp.Name), Services: map[string]*config.Service{}}
	c.topLevel()
	composeNames := slices.Sorted(maps.Keys(c.cp.Services))
	c.assignNames(composeNames)
	for _, name := range composeNames {
		if s := c.service(name, c.cp.Services[name]); s != nil {
			c.out.Services[c.names[name]] = s
		}
	}
	c.sharedVolumes()
	c.headlessClashes()
	return c.out
}

// topLevel reports top-level compose settings berth does not take.
func (c *converter) topLevel() {
	known := []string{"version", "name", "services", "networks", "volumes", "secrets", "configs", "include"}
	for _, src := range c.ix.files {
		for _, kv := range pairs(src.root) {
			k := kv[0].Value
			if strings.HasPrefix(k, "x-") || slices.Contains(known, k) {
				continue
			}
			c.warn(pos{src.display, kv[0].Line}, k, "is not translated: berth.yaml has no equivalent")
		}
	}
	for _, name := range slices.Sorted(maps.Keys(c.cp.Volumes)) {
		v := c.cp.Volumes[name]
		if !bool(v.External) && v.Driver == "" && len(v.DriverOpts) == 0 {
			continue
		}
		at := c.topPos("volumes", name)
		c.warn(at, "volumes."+name, "the volume's driver and external settings are not translated: berth creates a new PersistentVolumeClaim of --volume-size from the cluster's default storage class")
	}
}

func (c *converter) topPos(section, name string) pos {
	for i := len(c.ix.files) - 1; i >= 0; i-- {
		src := c.ix.files[i]
		_, sec := get(src.root, section)
		if k, _ := get(sec, name); k != nil {
			return pos{src.display, k.Line}
		}
	}
	if len(c.ix.files) > 0 {
		return pos{File: c.ix.files[0].display}
	}
	return pos{}
}

// appName makes a DNS-1123 label of at most 53 characters.
func appName(flag, project string) string {
	if flag != "" {
		return flag
	}
	if n := dnsLabel(project, 53, false); n != "" {
		return n
	}
	return "app"
}

var dashesRE = regexp.MustCompile(`-+`)

// dnsLabel lowercases s and replaces what a DNS label cannot hold with
// '-'; with letterFirst it must start with a letter (DNS-1035).
func dnsLabel(s string, max int, letterFirst bool) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	out := strings.Trim(dashesRE.ReplaceAllString(b.String(), "-"), "-")
	if letterFirst && out != "" && (out[0] < 'a' || out[0] > 'z') {
		out = "s-" + out
	}
	if len(out) > max {
		out = strings.TrimRight(out[:max], "-")
	}
	return out
}

// yamlWords are names YAML 1.1 reads as booleans or null; berth's chart
// writes names unquoted, so a service cannot be called that.
var yamlWords = []string{"y", "n", "yes", "no", "on", "off", "true", "false", "null"}

// assignNames gives every compose service a valid, unique berth name.
func (c *converter) assignNames(composeNames []string) {
	used := map[string]bool{}
	for _, name := range composeNames {
		n := dnsLabel(name, 54, true)
		if n == "" {
			n = "service"
		}
		if slices.Contains(yamlWords, n) {
			n += "-svc"
		}
		base := n
		for i := 2; used[n]; i++ {
			suffix := "-" + strconv.Itoa(i)
			n = strings.TrimRight(base[:min(len(base), 54-len(suffix))], "-") + suffix
		}
		used[n] = true
		c.names[name] = n
		if n != name {
			c.warn(c.ix.locate(name), "services."+name, "is named %q in berth.yaml (service names are lowercase letters, digits and '-'); other services reach it by that host name, so update addresses that use %q", n, name)
		}
	}
}

// handled are the service keys the converter reads; each other key is
// reported as not translated.
var handled = []string{
	"image", "build", "ports", "expose", "environment", "env_file", "volumes", "depends_on", "healthcheck",
	"deploy", "scale", "command", "entrypoint", "profiles", "extends", "restart", "mem_limit", "mem_reservation",
	"cpus", "pull_policy", "user", "read_only", "configs", "secrets", "platform",
}

// notes explain, for keys berth does not translate, what to do instead.
var notes = map[string]string{
	"networks":          "berth services share one cluster network, where each service with ports (a Service) is reached by its name; isolating them needs NetworkPolicies, which berth does not write",
	"container_name":    "Kubernetes names the pods; other services reach this one by its service name",
	"hostname":          "pods are reached by their service name",
	"labels":            "berth's labels must be valid Kubernetes labels; add them under labels: or podAnnotations: by hand",
	"working_dir":       "set the working directory in the Dockerfile (WORKDIR)",
	"logging":           "Kubernetes keeps container logs; read them with berth logs",
	"privileged":        "berth does not run privileged containers",
	"cap_add":           "berth does not change container capabilities",
	"extra_hosts":       "use DNS names of services, or add them to the image",
	"links":             "each service with ports (a Service) is reached by its name",
	"stop_grace_period": "Kubernetes gives pods 30 seconds to stop",
}

func (c *converter) service(name string, s types.ServiceConfig) *config.Service {
	bn := c.names[name]
	sp := "services." + name
	out := &config.Service{}
	c.unhandled(name, sp)

	c.image(name, bn, s, out)
	if out.Image == "" && out.Build == nil {
		return nil
	}
	if s.Deploy != nil && s.Deploy.Replicas != nil || s.Scale != nil {
		r := int32(min(max(s.GetScale(), 0), math.MaxInt32))
		if r != 1 {
			out.Replicas = &r
		}
	}
	if s.Entrypoint != nil {
		out.Command = slices.Clone([]string(s.Entrypoint))
		if len(s.Entrypoint) == 0 {
			c.warn(c.ix.locate(name, key("entrypoint")), sp+".entrypoint", "an empty entrypoint (clearing the image's) is not translated: Kubernetes runs the image's entrypoint when command is empty")
			out.Command = nil
		}
	}
	if s.Command != nil {
		out.Args = slices.Clone([]string(s.Command))
		if len(s.Command) == 0 {
			c.warn(c.ix.locate(name, key("command")), sp+".command", "an empty command (clearing the image's) is not translated: Kubernetes runs the image's command when args is empty")
			out.Args = nil
		}
	}
	c.devCommand(name, s)
	c.ports(name, bn, s, out)
	c.environment(name, bn, s, out)
	c.volumes(name, bn, s, out)
	c.configs(name, s, out)
	c.healthcheck(name, s, out)
	c.resources(name, s, out)
	c.runtime(name, s, out)
	c.dependsOn(name, bn, s)
	return out
}

// unhandled warns about each key of the service berth does not read.
func (c *converter) unhandled(name, sp string) {
	keys := c.ix.keys(name)
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		if slices.Contains(handled, k) || strings.HasPrefix(k, "x-") {
			continue
		}
		note := notes[k]
		if note == "" {
			note = "berth.yaml has no equivalent"
		}
		c.warn(keys[k], sp+"."+k, "is not translated: %s", note)
	}
	for _, section := range []struct {
		key  string
		read []string
	}{
		{"deploy", []string{"replicas", "resources"}},
		{"build", []string{"context", "dockerfile", "args", "target", "platforms"}},
	} {
		sub := c.ix.keys(name, key(section.key))
		for _, k := range slices.Sorted(maps.Keys(sub)) {
			if slices.Contains(section.read, k) || strings.HasPrefix(k, "x-") {
				continue
			}
			c.warn(sub[k], sp+"."+section.key+"."+k, "is not translated: berth.yaml has no equivalent")
		}
	}
}

// image sets image or build. berth needs exactly one: a service with both
// is built (berth names the image itself).
func (c *converter) image(name, bn string, s types.ServiceConfig, out *config.Service) {
	sp := "services." + name
	if b := s.Build; b != nil {
		switch {
		case b.DockerfileInline != "":
			c.warn(c.ix.locate(name, key("build"), key("dockerfile_inline")), sp+".build.dockerfile_inline", "an inline Dockerfile is not translated: write it to a file and name it in build.dockerfile")
		case isRemote(b.Context):
			c.warn(c.ix.locate(name, key("build")), sp+".build", "remote build context %s is not translated: berth builds from a local directory; clone it and set build.context", b.Context)
		default:
			out.Build = c.build(name, b, s.Platform)
		}
	}
	if out.Build != nil {
		if s.Image != "" {
			c.warn(c.ix.locate(name, key("image")), sp+".image", "image %s is not used: berth names the images it builds REGISTRY/%s (set registry: in berth.yaml)", s.Image, builtName(c.out.Name, bn))
		}
		return
	}
	if s.Image != "" {
		out.Image = s.Image
		return
	}
	c.warn(c.ix.locate(name), sp, "is left out: it has neither an image nor a local build")
}

func builtName(app, service string) string {
	if app == service {
		return app
	}
	return app + "-" + service
}

func isRemote(context string) bool {
	return strings.Contains(context, "://") || strings.HasPrefix(context, "git@") || strings.HasPrefix(context, "github.com/")
}

var platformRE = regexp.MustCompile(`^[a-z0-9]+/[a-z0-9]+(/[a-z0-9]+)?$`)

func (c *converter) build(name string, b *types.BuildConfig, platform string) *config.Build {
	sp := "services." + name + ".build"
	out := &config.Build{Context: c.rel(b.Context), Target: b.Target}
	if out.Context == "." {
		out.Context = ""
	}
	if fi, err := os.Stat(b.Context); err != nil || !fi.IsDir() {
		c.warn(c.ix.locate(name, key("build")), sp, "build context %s does not exist; berth validate fails until it does", c.rel(b.Context))
	}
	if df := b.Dockerfile; df != "" && df != "Dockerfile" {
		if filepath.IsAbs(df) {
			if rel, err := filepath.Rel(b.Context, df); err == nil {
				df = rel
			}
		}
		out.Dockerfile = filepath.ToSlash(df)
	}
	for _, k := range slices.Sorted(maps.Keys(b.Args)) {
		v := b.Args[k]
		if v == nil {
			c.warn(c.ix.locate(name, key("build"), key("args"), entry(k)), sp+".args."+k, "has no value (compose takes it from the environment, which does not set it); add it under build.args")
			continue
		}
		if out.Args == nil {
			out.Args = map[string]string{}
		}
		out.Args[k] = *v
	}
	platforms := []string(b.Platforms)
	if len(platforms) == 0 && platform != "" {
		platforms = []string{platform}
	}
	for _, p := range platforms {
		if platformRE.MatchString(p) {
			out.Platforms = append(out.Platforms, p)
		} else {
			c.warn(c.ix.locate(name, key("build"), key("platforms")), sp+".platforms", "platform %q is not OS/ARCH and is left out", p)
		}
	}
	return out
}

// rel writes a local path relative to berth.yaml's directory.
func (c *converter) rel(p string) string {
	if !filepath.IsAbs(p) {
		return filepath.ToSlash(p)
	}
	r, err := filepath.Rel(c.outDir, p)
	if err != nil {
		return filepath.ToSlash(p)
	}
	return filepath.ToSlash(r)
}

// ports: compose's ports (published to the host) and expose (internal)
// both become Service ports; the Service port is the published port.
// Without either, the ports come from the Dockerfile or image.
func (c *converter) ports(name, bn string, s types.ServiceConfig, out *config.Service) {
	sp := "services." + name
	type portKey struct {
		proto string
		port  int32
	}
	seen := map[portKey]bool{}
	published := false
	add := func(proto string, port, target uint32, at pos, path string) {
		proto = strings.ToUpper(proto)
		if proto == "" {
			proto = "TCP"
		}
		if !slices.Contains([]string{"TCP", "UDP", "SCTP"}, proto) {
			c.warn(at, path, "protocol %q is not translated (Kubernetes takes TCP, UDP or SCTP)", proto)
			return
		}
		if port == 0 || port > 65535 || target == 0 || target > 65535 {
			c.warn(at, path, "port %d:%d is out of range and left out", port, target)
			return
		}
		k := portKey{proto, int32(port)}
		if seen[k] {
			return
		}
		seen[k] = true
		p := config.Port{Port: int32(port), Protocol: proto}
		if target != port {
			p.TargetPort = int32(target)
		}
		if proto == "TCP" {
			p.Protocol = ""
		}
		out.Ports = append(out.Ports, p)
	}
	for _, p := range s.Ports {
		at := c.ix.locate(name, key("ports"), item(strconv.Itoa(int(p.Target))))
		if loopback(p.HostIP) {
			c.hostOnly(at, sp+".ports", bn, p)
			continue
		}
		port := p.Target
		if p.Published != "" {
			n, err := strconv.ParseUint(p.Published, 10, 16)
			if err != nil {
				c.warn(at, sp+".ports", "published port %q is not a single port; the Service port is %d", p.Published, p.Target)
			} else {
				port = uint32(n)
				published = true
			}
		}
		if p.HostIP != "" {
			c.warn(at, sp+".ports", "host IP %s is not translated: a Service listens on the cluster network", p.HostIP)
		}
		add(p.Protocol, port, p.Target, at, sp+".ports")
	}
	for _, e := range s.Expose {
		at := c.ix.locate(name, key("expose"), item(e))
		spec, proto, _ := strings.Cut(e, "/")
		lo, hi, isRange := strings.Cut(spec, "-")
		from, err1 := strconv.ParseUint(lo, 10, 16)
		to := from
		var err2 error
		if isRange {
			to, err2 = strconv.ParseUint(hi, 10, 16)
		}
		if err1 != nil || err2 != nil || to < from || to-from > 100 {
			c.warn(at, sp+".expose", "%q is not translated: write a port or a short range", e)
			continue
		}
		for n := from; n <= to; n++ {
			add(proto, uint32(n), uint32(n), at, sp+".expose")
		}
	}
	if len(out.Ports) == 0 {
		c.inferPorts(name, bn, s, out)
	}
	sort.SliceStable(out.Ports, func(i, j int) bool {
		a, b := out.Ports[i], out.Ports[j]
		if a.Port != b.Port {
			return a.Port < b.Port
		}
		return a.Protocol < b.Protocol
	})
	if len(out.Ports) > 1 {
		for i := range out.Ports {
			out.Ports[i].Name = out.Ports[i].EffectiveName()
		}
	}
	if published && c.opts.Expose != config.ExposeClusterIP {
		out.Expose = c.opts.Expose
	}
}

// hostOnly reports a port published on the host's loopback only: on the
// host it is for the developer alone (a debugger, an admin UI), and a
// Service port would open it to every pod of the cluster.
func (c *converter) hostOnly(at pos, path, bn string, p types.ServicePortConfig) {
	target := strconv.Itoa(int(p.Target))
	forward := target
	if p.Published != "" && p.Published != target {
		forward = p.Published + ":" + target
	}
	c.warn(at, path, "%s:%s is published on the host's loopback only (a host-only port, such as a debugger's) and is left out: a Service port would open it to the whole cluster; reach it from your machine with kubectl port-forward (kubectl port-forward deploy/%s %s)",
		net.JoinHostPort(strings.Trim(p.HostIP, "[]"), p.Published), target, bn, forward)
}

// secretName matches variable names that hold credentials.
var secretName = regexp.MustCompile(`(?i)(PASSW(OR)?D|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL|AUTH)`)

// urlPassword matches a URL with a password in it: scheme://user:password@host.
var urlPassword = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*://[^/@:\s]*:[^/@\s]+@`)

// berthRef is a ${VAR} reference berth's interpolation reads the same way compose does.
var berthRef = regexp.MustCompile(`^\$\{[A-Za-z_][A-Za-z0-9_]*(?:(?::?-|:?\?)[^}$]*)?\}$`)

var shellVarRE = regexp.MustCompile(`[^A-Za-z0-9_]`)

// environment copies environment and env_file values. Values that look
// like credentials (by name, or a URL with a password) go to a berth
// secret of the service whose value is a ${VAR} reference, never the
// plain text: the compose file's own reference when it had one, else a
// variable of the same name to export before berth render or deploy.
func (c *converter) environment(name, bn string, s types.ServiceConfig, out *config.Service) {
	sp := "services." + name + ".environment"
	for _, k := range slices.Sorted(maps.Keys(s.Environment)) {
		v := s.Environment[k]
		at, found := c.ix.find(name, key("environment"), entry(k))
		if p, ok := c.ix.find(name, key("env_file")); !found && ok {
			at = p // the value comes from an env_file
		}
		if errs := validation.IsEnvVarName(k); len(errs) > 0 {
			c.warn(at, sp+"."+k, "is left out: not a valid variable name in Kubernetes (%s)", errs[0])
			continue
		}
		if v == nil {
			c.warn(at, sp+"."+k, "has no value (compose passes it from the shell, which does not set it) and is left out; add it under env")
			continue
		}
		if out.Env == nil {
			out.Env = map[string]config.EnvValue{}
		}
		if *v == "" || !(secretName.MatchString(k) || urlPassword.MatchString(*v)) || len(validation.IsConfigMapKey(k)) > 0 {
			out.Env[k] = config.EnvValue{Value: *v}
			continue
		}
		ref := ""
		if raw, ok := c.ix.raw(name, key("environment"), entry(k)); ok {
			raw = strings.TrimPrefix(raw, k+"=")
			if berthRef.MatchString(raw) {
				ref = raw
			}
		}
		if ref == "" {
			ref = "${" + shellVarRE.ReplaceAllString(k, "_") + "}"
			c.warn(at, sp+"."+k, "moved to secret %q as %s: export %s before berth render or deploy (the compose value is not copied)", bn, ref, ref[2:len(ref)-1])
		}
		if c.out.Secrets == nil {
			c.out.Secrets = map[string]map[string]string{}
		}
		if c.out.Secrets[bn] == nil {
			c.out.Secrets[bn] = map[string]string{}
		}
		c.out.Secrets[bn][k] = ref
		out.Env[k] = config.EnvValue{SecretRef: &config.KeyRef{Name: bn, Key: k}}
	}
}

// volumes: named volumes become berth volumes (claims of --volume-size);
// bind mounts of small files become configFiles; the rest is reported.
func (c *converter) volumes(name, bn string, s types.ServiceConfig, out *config.Service) {
	sp := "services." + name + ".volumes"
	mounts := map[string]bool{}
	volNames := map[string]bool{}
	for _, v := range s.Volumes {
		at := c.ix.locate(name, key("volumes"), item(v.Target))
		target := path.Clean(v.Target)
		if !path.IsAbs(target) {
			c.warn(at, sp, "mount path %q is not absolute and is left out", v.Target)
			continue
		}
		switch v.Type {
		case types.VolumeTypeVolume:
			if v.Source == "" {
				c.warn(at, sp, "anonymous volume at %s is not translated: name it (NAME:%s) to keep its data in a claim", target, target)
				continue
			}
			if mounts[target] {
				continue
			}
			n := dnsLabel(v.Source, 63, false)
			if n == "" || n == "berth-files" {
				n = "data"
			}
			for base, i := n, 2; volNames[n]; i++ {
				n = fmt.Sprintf("%s-%d", strings.TrimRight(base[:min(len(base), 60)], "-"), i)
			}
			volNames[n], mounts[target] = true, true
			vol := config.Volume{Name: n, MountPath: target, Size: config.Quantity(c.opts.VolumeSize), ReadOnly: v.ReadOnly}
			if v.Volume != nil && v.Volume.Subpath != "" {
				vol.SubPath = v.Volume.Subpath
			}
			out.Volumes = append(out.Volumes, vol)
			c.volumeUsers[v.Source] = append(c.volumeUsers[v.Source], name)
		case types.VolumeTypeBind:
			c.bind(name, v, target, at, out)
		case types.VolumeTypeTmpfs:
			c.warn(at, sp, "tmpfs at %s is not translated: berth.yaml has no in-memory volumes", target)
		default:
			c.warn(at, sp, "%s mount at %s is not translated", v.Type, target)
		}
	}
	if len(out.Volumes) == 0 {
		return
	}
	if out.EffectiveReplicas() > 1 {
		// All replicas share the volume in compose: keep that with a
		// claim that many nodes can mount.
		for i := range out.Volumes {
			out.Volumes[i].AccessMode = "ReadWriteMany"
		}
		c.warn(c.ix.locate(name, key("volumes")), sp, "the volumes are ReadWriteMany because %d replicas share them: the cluster needs a storage class that supports it (NFS, CephFS, EFS)", out.EffectiveReplicas())
		return
	}
	// One pod with its own disk: a StatefulSet (stable claim, one pod
	// at a time) is what Kubernetes offers for that.
	out.Stateful = true
}

// maxConfigFile is what one ConfigMap holds.
const maxConfigFile = 1 << 20

// bind mounts a local file of the project, or the files of a small
// directory, as configFiles (copies in a ConfigMap, read-only); other
// bind mounts are reported.
func (c *converter) bind(name string, v types.ServiceVolumeConfig, target string, at pos, out *config.Service) {
	sp := "services." + name + ".volumes"
	src := c.rel(v.Source)
	if !c.inProject(v.Source) {
		src = filepath.ToSlash(v.Source)
	}
	c.binds[name] = append(c.binds[name], bindMount{source: src, target: target})
	fi, err := os.Stat(v.Source)
	switch {
	case err != nil:
		c.warn(at, sp, "bind mount %s:%s is not translated: %s does not exist; for a single file use configFiles: {%s: %s}", src, target, src, target, src)
	case !c.inProject(v.Source):
		c.warn(at, sp, "bind mount %s:%s is not translated: %s is outside the project, and berth carries only the project's own files (as configFiles); bake what the service needs into the image", src, target, src)
	case fi.IsDir():
		if df, ok := c.imageHas(name, v.Source, target); ok {
			c.binds[name][len(c.binds[name])-1].inImage = true
			c.warn(at, sp, "bind mount of directory %s at %s is not translated: the image has these files there (%s copies them); the mount is for editing them live", src, target, df)
			return
		}
		c.bindDir(name, v, target, at, out)
	case !fi.Mode().IsRegular() || fi.Size() > maxConfigFile:
		c.warn(at, sp, "bind mount %s:%s is not translated: configFiles take regular files of at most 1 MiB", src, target)
	default:
		c.configFile(sp, target, src, at, out, fmt.Sprintf("bind mount %s:%s became configFiles: a read-only copy in a ConfigMap, not a live mount; changes roll the pods on the next deploy", src, target))
	}
}

func (c *converter) configFile(sp, target, src string, at pos, out *config.Service, note string) {
	for mp := range out.ConfigFiles {
		if path.Base(mp) == path.Base(target) {
			c.warn(at, sp, "%s is not translated: configFiles %s has the same file name", target, mp)
			return
		}
	}
	if out.ConfigFiles == nil {
		out.ConfigFiles = map[string]string{}
	}
	out.ConfigFiles[target] = src
	c.warn(at, sp, "%s", note)
}

// configs: compose configs backed by a file become configFiles.
func (c *converter) configs(name string, s types.ServiceConfig, out *config.Service) {
	for _, ref := range s.Configs {
		at := c.ix.locate(name, key("configs"), item(ref.Source))
		target := ref.Target
		if target == "" {
			target = "/" + ref.Source
		}
		cfg, ok := c.cp.Configs[ref.Source]
		if !ok || cfg.File == "" {
			c.warn(at, "services."+name+".configs", "config %q is not translated: only configs with file: become configFiles", ref.Source)
			continue
		}
		if fi, err := os.Stat(cfg.File); err != nil || !fi.Mode().IsRegular() || fi.Size() > maxConfigFile || !path.IsAbs(target) {
			c.warn(at, "services."+name+".configs", "config %q is not translated: configFiles take an absolute path and a regular file of at most 1 MiB", ref.Source)
			continue
		}
		c.configFile("services."+name+".configs", path.Clean(target), c.rel(cfg.File), at, out, fmt.Sprintf("config %s became configFiles %s (a copy in a ConfigMap)", ref.Source, target))
	}
	for _, ref := range s.Secrets {
		at := c.ix.locate(name, key("secrets"), item(ref.Source))
		c.warn(at, "services."+name+".secrets", "secret %q is not translated: berth secrets are environment values; put it under secrets: in berth.yaml as a ${VAR} and read it with env: {NAME: {secretRef: …}}", ref.Source)
	}
}

// healthcheck becomes a readiness probe: compose uses it to gate
// depends_on and report health, which is what readiness does.
func (c *converter) healthcheck(name string, s types.ServiceConfig, out *config.Service) {
	h := s.HealthCheck
	if h == nil || h.Disable || len(h.Test) == 0 {
		return
	}
	at := c.ix.locate(name, key("healthcheck"))
	sp := "services." + name + ".healthcheck"
	var cmd []string
	switch h.Test[0] {
	case "NONE":
		return
	case "CMD":
		cmd = slices.Clone(h.Test[1:])
	case "CMD-SHELL":
		cmd = []string{"sh", "-c", strings.Join(h.Test[1:], " ")}
	default:
		c.warn(at, sp, "test %q is not translated: it starts with neither CMD nor CMD-SHELL", h.Test[0])
		return
	}
	if len(cmd) == 0 || cmd[len(cmd)-1] == "" {
		c.warn(at, sp, "the test has no command and is not translated")
		return
	}
	cmd, note, why := c.probeFiles(name, cmd, out)
	if why != "" {
		c.warn(at, sp, "is left out: %s, so the probe could never pass: copy the file into the image (COPY in a Dockerfile) and add probes.readiness to the service in berth.yaml", why)
		return
	}
	if note != "" {
		c.warn(at, sp, "%s", note)
	}
	p := &config.Probe{Exec: &config.ExecCheck{Command: cmd}}
	p.Period = duration(h.Interval)
	p.Timeout = duration(h.Timeout)
	p.InitialDelay = duration(h.StartPeriod)
	if h.Retries != nil && *h.Retries > 0 {
		p.FailureThreshold = int32(min(*h.Retries, math.MaxInt32))
	}
	out.Probes = &config.Probes{Readiness: p}
}

func duration(d *types.Duration) *config.Duration {
	if d == nil || *d <= 0 {
		return nil
	}
	td := time.Duration(*d)
	return &config.Duration{D: td, Raw: td.String()}
}

// resources maps deploy.resources (and the older mem_limit, cpus,
// mem_reservation): limits to limits, reservations to requests.
func (c *converter) resources(name string, s types.ServiceConfig, out *config.Service) {
	lim, req := &config.ResourceList{}, &config.ResourceList{}
	if s.Deploy != nil {
		if l := s.Deploy.Resources.Limits; l != nil {
			lim.CPU, lim.Memory = cpu(l.NanoCPUs), memory(l.MemoryBytes)
		}
		if r := s.Deploy.Resources.Reservations; r != nil {
			req.CPU, req.Memory = cpu(r.NanoCPUs), memory(r.MemoryBytes)
		}
	}
	if lim.CPU == "" {
		lim.CPU = cpu(types.NanoCPUs(s.CPUS))
	}
	if lim.Memory == "" {
		lim.Memory = memory(s.MemLimit)
	}
	if req.Memory == "" {
		req.Memory = memory(s.MemReservation)
	}
	at := c.ix.locate(name, key("deploy"), key("resources"))
	for _, q := range []struct {
		what     string
		req, lim *config.Quantity
	}{{"cpu", &req.CPU, &lim.CPU}, {"memory", &req.Memory, &lim.Memory}} {
		if *q.req == "" || *q.lim == "" {
			continue
		}
		r, l := resource.MustParse(string(*q.req)), resource.MustParse(string(*q.lim))
		if r.Cmp(l) > 0 {
			c.warn(at, "services."+name+".deploy.resources", "the %s reservation %s is above its limit %s and is left out", q.what, *q.req, *q.lim)
			*q.req = ""
		}
	}
	res := &config.Resources{}
	if *req != (config.ResourceList{}) {
		res.Requests = req
	}
	if *lim != (config.ResourceList{}) {
		res.Limits = lim
	}
	if res.Requests != nil || res.Limits != nil {
		out.Resources = res
	}
}

func cpu(n types.NanoCPUs) config.Quantity {
	m := int64(math.Round(float64(n) * 1000))
	switch {
	case m <= 0 || float64(n) > 1e6:
		return ""
	case m%1000 == 0:
		return config.Quantity(strconv.FormatInt(m/1000, 10))
	}
	return config.Quantity(strconv.FormatInt(m, 10) + "m")
}

func memory(b types.UnitBytes) config.Quantity {
	if b <= 0 {
		return ""
	}
	for _, u := range []struct {
		suffix string
		size   int64
	}{{"Gi", 1 << 30}, {"Mi", 1 << 20}, {"Ki", 1 << 10}} {
		if int64(b)%u.size == 0 {
			return config.Quantity(strconv.FormatInt(int64(b)/u.size, 10) + u.suffix)
		}
	}
	return config.Quantity(strconv.FormatInt(int64(b), 10))
}

var userRE = regexp.MustCompile(`^(\d+)(?::(\d+))?$`)

// runtime maps restart, pull_policy, user and read_only.
func (c *converter) runtime(name string, s types.ServiceConfig, out *config.Service) {
	sp := "services." + name
	switch r := s.Restart; {
	case r == "no" || strings.HasPrefix(r, "on-failure"):
		c.warn(c.ix.locate(name, key("restart")), sp+".restart", "restart: %s is not translated: Kubernetes always restarts a Deployment's containers", r)
	}
	switch s.PullPolicy {
	case types.PullPolicyAlways:
		out.ImagePullPolicy = "Always"
	case types.PullPolicyNever:
		out.ImagePullPolicy = "Never"
	case types.PullPolicyMissing, types.PullPolicyIfNotPresent:
		out.ImagePullPolicy = "IfNotPresent"
	}
	if s.User != "" {
		m := userRE.FindStringSubmatch(s.User)
		uid, err1 := strconv.ParseInt(m1(m, 1), 10, 64)
		gid, err2 := strconv.ParseInt(m1(m, 2), 10, 64)
		switch {
		case m == nil || err1 != nil:
			c.warn(c.ix.locate(name, key("user")), sp+".user", "user %q is not translated: Kubernetes takes numeric IDs (securityContext.runAsUser)", s.User)
		default:
			out.SecurityContext = &config.SecurityContext{RunAsUser: &uid}
			if m[2] != "" && err2 == nil {
				out.SecurityContext.RunAsGroup = &gid
			}
		}
	}
	if s.ReadOnly {
		if out.SecurityContext == nil {
			out.SecurityContext = &config.SecurityContext{}
		}
		t := true
		out.SecurityContext.ReadOnlyRootFilesystem = &t
	}
}

func m1(m []string, i int) string {
	if len(m) > i {
		return m[i]
	}
	return ""
}

// dependsOn notes the dependencies above the service: berth starts all
// services at once, and each waits for the others by retrying.
func (c *converter) dependsOn(name, bn string, s types.ServiceConfig) {
	if len(s.DependsOn) == 0 {
		return
	}
	var deps []string
	for _, d := range slices.Sorted(maps.Keys(s.DependsOn)) {
		dep := c.names[d]
		if dep == "" {
			dep = d
		}
		if cond := s.DependsOn[d].Condition; cond != "" && cond != types.ServiceConditionStarted {
			dep += " (" + cond + ")"
		}
		deps = append(deps, dep)
	}
	list := strings.Join(deps, ", ")
	c.comments[bn] = append(c.comments[bn], "compose depends_on: "+list+".", "berth starts all services together, so this one must retry until they answer.")
	c.warn(c.ix.locate(name, key("depends_on")), "services."+name+".depends_on", "%s is not translated: berth starts all services at once; the service must retry until its dependencies answer (their readiness probes keep them out of their Service until then)", list)
}

// sharedVolumes reports compose volumes that several services mount:
// each berth service gets its own claim.
func (c *converter) sharedVolumes() {
	for _, v := range slices.Sorted(maps.Keys(c.volumeUsers)) {
		users := slices.Compact(slices.Sorted(slices.Values(c.volumeUsers[v])))
		if len(users) < 2 {
			continue
		}
		c.warn(c.topPos("volumes", v), "volumes."+v, "is shared by %s in compose, but each berth service gets its own claim, so they no longer see each other's files", strings.Join(users, ", "))
	}
}

// headlessClashes renames a service whose name is the headless Service
// berth adds for a stateful one.
func (c *converter) headlessClashes() {
	for _, n := range slices.Sorted(maps.Keys(c.out.Services)) {
		base, ok := strings.CutSuffix(n, "-headless")
		if s := c.out.Services[base]; !ok || s == nil || !s.Stateful {
			continue
		}
		nn := n
		for i := 2; c.out.Services[nn] != nil; i++ {
			nn = fmt.Sprintf("%s-%d", strings.TrimRight(n[:min(len(n), 51)], "-"), i)
		}
		c.out.Services[nn] = c.out.Services[n]
		delete(c.out.Services, n)
		c.comments[nn] = c.comments[n]
		delete(c.comments, n)
		for cn, bn := range c.names {
			if bn == n {
				c.names[cn] = nn
				c.warn(c.ix.locate(cn), "services."+cn, "is named %q in berth.yaml: %q is the headless Service of stateful service %q", nn, n, base)
			}
		}
	}
}
