package compose

import (
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"

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
	// secretKeys are the berth secrets of the compose secrets translated so far.
	secretKeys map[string]secretKey
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
	c.secrets(name, s, out)
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
