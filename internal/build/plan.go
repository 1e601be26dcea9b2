package build

import (
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// entry is one path of a layer berth writes.
type entry struct {
	// Name is the path inside the image, without the leading slash.
	Name string
	// Src is the context file copied there (nil for a directory berth
	// creates or for inline content).
	Src *File
	// Data is inline content (COPY <<EOF).
	Data []byte
	// Archive, for ADD of a local archive, is unpacked under Name.
	Archive *File
	Dir     bool
	Mode    int64
	UID     int
	GID     int
}

// layerPlan is one layer to write, with the history line it gets.
type layerPlan struct {
	Entries []entry
	// Group is the build.layers directory this layer holds ("" for the rest).
	Group     string
	CreatedBy string
}

// plan is the result of walking a Dockerfile over a base config: the
// image config and history to set and the layers to add, in order.
type plan struct {
	Config v1.Config
	// History lists every history entry after the base's; entries that
	// carry a layer map to Layers in order.
	History []v1.History
	Layers  []layerPlan
}

// planner walks the commands of a Dockerfile.
type planner struct {
	df      *Dockerfile
	ctx     *Context
	groups  []string
	created v1.Time
	x       *expander
	args    map[string]string
	shell   []string
	cmdSet  bool
	out     *plan
	// workdirs are WORKDIR directories not yet created in a layer.
	workdirs []string
	// baseDirs are directories the base image's config says it has (its
	// WORKDIR and parents, its VOLUMEs).
	baseDirs map[string]bool
}

// Plan walks the Dockerfile's commands over the base image's config.
// groups are build.layers: context directories copied into layers of their
// own, placed before the layer with the rest of each COPY.
func (df *Dockerfile) Plan(base *v1.ConfigFile, ctx *Context, groups []string, created time.Time) (*plan, error) {
	p := &planner{
		df: df, ctx: ctx, groups: groups, created: v1.Time{Time: created},
		x: &expander{lex: shell.NewLex(df.Escape), escape: df.Escape}, args: map[string]string{},
		shell:    []string{"/bin/sh", "-c"},
		out:      &plan{Config: *base.Config.DeepCopy()},
		baseDirs: baseDirs(base.Config),
	}
	for _, c := range df.Commands {
		if err := p.command(c); err != nil {
			var de *DaemonError
			if asDaemon(err, &de) {
				return nil, err
			}
			return nil, fmt.Errorf("%s:%d: %s: %w", df.File, line(c), text(c), err)
		}
	}
	if len(p.workdirs) > 0 {
		p.out.Layers = append(p.out.Layers, layerPlan{Entries: p.takeWorkdirs(), CreatedBy: "WORKDIR " + p.out.Config.WorkingDir + " # berth"})
		p.out.History = append(p.out.History, v1.History{Created: p.created, CreatedBy: "WORKDIR " + p.out.Config.WorkingDir + " # berth", Comment: "berth"})
	}
	return p.out, nil
}

func asDaemon(err error, de **DaemonError) bool {
	d, ok := err.(*DaemonError)
	if ok {
		*de = d
	}
	return ok
}

// env is what ${VAR} sees: the stage's ARGs, then the image's ENV.
func (p *planner) env() mapEnv {
	m := mapEnv{}
	for k, v := range p.args {
		m[k] = v
	}
	for _, kv := range p.out.Config.Env {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

func (p *planner) expand(word string) (string, error) {
	return p.x.word(word, p.env())
}

func (p *planner) command(c instructions.Command) error {
	if e, ok := c.(instructions.SupportsSingleWordExpansion); ok {
		if err := e.Expand(p.expand); err != nil {
			return err
		}
	}
	if e, ok := c.(instructions.SupportsSingleWordExpansionRaw); ok {
		if err := e.ExpandRaw(p.expand); err != nil {
			return err
		}
	}
	switch c := c.(type) {
	case *instructions.CopyCommand:
		return p.copy(c, c.SourcesAndDest, c.Chown, c.Chmod, false)
	case *instructions.AddCommand:
		return p.copy(c, c.SourcesAndDest, c.Chown, c.Chmod, true)
	}
	known, err := p.configure(c)
	if err != nil {
		return err
	}
	if !known {
		return &DaemonError{File: p.df.File, Line: line(c), Text: text(c), Reason: "berth's builder does not support " + strings.ToUpper(c.Name())}
	}
	p.out.History = append(p.out.History, v1.History{Created: p.created, CreatedBy: createdBy(c), Comment: "berth", EmptyLayer: true})
	return nil
}

// configure applies an instruction that changes only the image's config
// (or the stage's ARGs and shell); known is false for the others.
func (p *planner) configure(c instructions.Command) (known bool, err error) {
	cfg := &p.out.Config
	switch c := c.(type) {
	case *instructions.ArgCommand:
		for _, kv := range c.Args {
			v, given := p.df.args[kv.Key]
			switch {
			case given:
			case kv.Value != nil:
				v = *kv.Value
			default:
				v = p.df.metaArgs[kv.Key]
			}
			p.args[kv.Key] = v
		}
	case *instructions.EnvCommand:
		for _, kv := range c.Env {
			cfg.Env = setEnv(cfg.Env, kv.Key, kv.Value)
		}
	case *instructions.LabelCommand:
		if cfg.Labels == nil {
			cfg.Labels = map[string]string{}
		}
		for _, kv := range c.Labels {
			cfg.Labels[kv.Key] = kv.Value
		}
	case *instructions.MaintainerCommand:
		// Deprecated; kept as the label Docker suggests instead.
		if cfg.Labels == nil {
			cfg.Labels = map[string]string{}
		}
		cfg.Labels["maintainer"] = c.Maintainer
	case *instructions.WorkdirCommand:
		dir := c.Path
		if !path.IsAbs(dir) {
			dir = path.Join("/", cfg.WorkingDir, dir)
		}
		cfg.WorkingDir = path.Clean(dir)
		p.workdirs = append(p.workdirs, cfg.WorkingDir)
	case *instructions.UserCommand:
		cfg.User = c.User
	case *instructions.ExposeCommand:
		if cfg.ExposedPorts == nil {
			cfg.ExposedPorts = map[string]struct{}{}
		}
		for _, word := range c.Ports {
			ports, err := p.ports(word)
			if err != nil {
				return true, err
			}
			for _, port := range ports {
				cfg.ExposedPorts[port] = struct{}{}
			}
		}
	case *instructions.VolumeCommand:
		if cfg.Volumes == nil {
			cfg.Volumes = map[string]struct{}{}
		}
		for _, v := range c.Volumes {
			if v = strings.TrimSpace(v); v == "" {
				return true, fmt.Errorf("VOLUME needs a path")
			}
			cfg.Volumes[v] = struct{}{}
		}
	case *instructions.StopSignalCommand:
		cfg.StopSignal = c.Signal
	case *instructions.ShellCommand:
		p.shell = slices.Clone(c.Shell)
	case *instructions.CmdCommand:
		cfg.Cmd = p.cmdline(c.ShellDependantCmdLine)
		p.cmdSet = true
	case *instructions.EntrypointCommand:
		cfg.Entrypoint = p.cmdline(c.ShellDependantCmdLine)
		if !p.cmdSet {
			// As Docker: an ENTRYPOINT drops the CMD inherited from the base.
			cfg.Cmd = nil
		}
	case *instructions.HealthCheckCommand:
		h := c.Health
		cfg.Healthcheck = &v1.HealthConfig{Test: h.Test, Interval: h.Interval, Timeout: h.Timeout, StartPeriod: h.StartPeriod, Retries: h.Retries}
	case *instructions.OnbuildCommand:
		cfg.OnBuild = append(cfg.OnBuild, c.Expression)
	default:
		return false, nil
	}
	return true, nil
}

func createdBy(c instructions.Command) string {
	return text(c) + " # berth"
}

func setEnv(env []string, k, v string) []string {
	for i, kv := range env {
		if name, _, _ := strings.Cut(kv, "="); name == k {
			env[i] = k + "=" + v
			return env
		}
	}
	return append(env, k+"="+v)
}

func (p *planner) cmdline(c instructions.ShellDependantCmdLine) []string {
	if c.PrependShell {
		return append(slices.Clone(p.shell), strings.Join(c.CmdLine, " "))
	}
	return slices.Clone(c.CmdLine)
}

// ports expands one EXPOSE word: 80, 80/udp, 8000-8002/tcp.
func (p *planner) ports(word string) ([]string, error) {
	w, err := p.expand(word)
	if err != nil {
		return nil, err
	}
	num, proto, _ := strings.Cut(w, "/")
	proto = strings.ToLower(proto)
	switch proto {
	case "":
		proto = "tcp"
	case "tcp", "udp", "sctp":
	default:
		return nil, fmt.Errorf("EXPOSE %s: protocol must be tcp, udp or sctp", w)
	}
	lo, hi, isRange := strings.Cut(num, "-")
	a, err := strconv.ParseUint(lo, 10, 16)
	if err != nil || a == 0 {
		return nil, fmt.Errorf("EXPOSE %s: %q is not a port number (1-65535)", w, lo)
	}
	b := a
	if isRange {
		if b, err = strconv.ParseUint(hi, 10, 16); err != nil || b < a {
			return nil, fmt.Errorf("EXPOSE %s: bad port range", w)
		}
	}
	var out []string
	for n := a; n <= b; n++ {
		out = append(out, fmt.Sprintf("%d/%s", n, proto))
	}
	return out, nil
}

// systemDir reports directories that exist in every base and carry their
// own modes (/tmp is 1777): berth never writes an entry for them, so the
// base's metadata stays.
func systemDir(name string) bool {
	switch name {
	case "", "tmp", "var", "var/tmp", "var/lib", "var/log", "var/run", "var/cache",
		"usr", "usr/local", "usr/src", "usr/share", "usr/lib", "usr/bin", "usr/local/bin", "usr/local/lib",
		"bin", "sbin", "lib", "etc", "opt", "srv", "home", "root", "run", "mnt", "dev", "proc", "sys":
		return true
	}
	return false
}

// baseDirs are the directories a base's config shows it has: its
// WORKDIR with the parents, and its VOLUMEs (redis's /data, owned by the
// redis user). Like systemDir's, berth writes no entry for them, so their
// owner and mode stay the base's: Docker leaves a directory that exists
// as it is.
func baseDirs(c v1.Config) map[string]bool {
	dirs := map[string]bool{}
	for d := range c.Volumes {
		dirs[strings.Trim(path.Clean(d), "/")] = true
	}
	for d := strings.Trim(path.Clean("/"+c.WorkingDir), "/"); d != "" && d != "."; d = path.Dir(d) {
		dirs[d] = true
	}
	return dirs
}

// keeps reports a directory berth writes no entry for: the base's own
// metadata stays (systemDir, baseDirs).
func (p *planner) keeps(name string) bool { return systemDir(name) || p.baseDirs[name] }

// takeWorkdirs returns directory entries for WORKDIRs set since the last
// layer (created root-owned 0755, as Docker does; one the base has is
// left as it is).
func (p *planner) takeWorkdirs() []entry {
	var out []entry
	for _, d := range p.workdirs {
		name := strings.TrimPrefix(d, "/")
		if !p.keeps(name) {
			out = append(out, entry{Name: name, Dir: true, Mode: 0o755})
		}
	}
	p.workdirs = nil
	return out
}

// split puts entries copied from a build.layers directory into a layer of
// their own, before the layer of everything else, so a source change
// leaves the dependency layers (node_modules, vendor) as they were.
func (p *planner) split(entries []entry) []layerPlan {
	byGroup := map[string][]entry{}
	for _, e := range entries {
		g := ""
		if e.Src != nil {
			for _, l := range p.groups {
				l = strings.Trim(path.Clean(l), "/")
				if e.Src.Rel == l || strings.HasPrefix(e.Src.Rel, l+"/") {
					g = l
					break
				}
			}
		}
		byGroup[g] = append(byGroup[g], e)
	}
	var out []layerPlan
	for _, l := range p.groups {
		l = strings.Trim(path.Clean(l), "/")
		if es := byGroup[l]; len(es) > 0 {
			out = append(out, layerPlan{Entries: es, Group: l})
			delete(byGroup, l)
		}
	}
	if es := byGroup[""]; len(es) > 0 {
		out = append(out, layerPlan{Entries: es})
	}
	return out
}
