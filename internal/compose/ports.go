package compose

import (
	"context"
	"fmt"
	"maps"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"golang.org/x/sync/errgroup"

	"github.com/berth-dev/berth/internal/build"
	"github.com/berth-dev/berth/internal/config"
)

// In compose every service is reachable by its name on the project's
// network, whatever its ports say; in Kubernetes only a Service makes a
// name, and a Service needs ports. When the compose file lists none
// (neither ports nor expose), they come from, in order: the EXPOSE of the
// service's Dockerfile, the config of its image (or of the Dockerfile's
// base image) when a registry answers, and the well-known ports of
// Docker's official images below.

// wellKnown are the ports the Docker Official Images (docker.io/library)
// listen on by default; the first is the one clients use. docs/import.md
// lists them.
var wellKnown = map[string][]string{
	"adminer":           {"8080/tcp"},
	"cassandra":         {"9042/tcp"},
	"couchdb":           {"5984/tcp"},
	"eclipse-mosquitto": {"1883/tcp"},
	"elasticsearch":     {"9200/tcp", "9300/tcp"},
	"httpd":             {"80/tcp"},
	"influxdb":          {"8086/tcp"},
	"kibana":            {"5601/tcp"},
	"mariadb":           {"3306/tcp"},
	"memcached":         {"11211/tcp"},
	"mongo":             {"27017/tcp"},
	"mysql":             {"3306/tcp"},
	"nats":              {"4222/tcp"},
	"neo4j":             {"7474/tcp", "7687/tcp"},
	"nginx":             {"80/tcp"},
	"postgres":          {"5432/tcp"},
	"rabbitmq":          {"5672/tcp"},
	"redis":             {"6379/tcp"},
	"zookeeper":         {"2181/tcp"},
}

// officialImage is the name of a Docker Official Image (redis for
// redis:7, docker.io/library/redis@sha256:…), "" for other images; tag
// is the reference's tag.
func officialImage(ref string) (image, tag string) {
	r, err := name.ParseReference(ref)
	if err != nil || r.Context().RegistryStr() != name.DefaultRegistry {
		return "", ""
	}
	image, ok := strings.CutPrefix(r.Context().RepositoryStr(), "library/")
	if !ok {
		return "", ""
	}
	if t, ok := r.(name.Tag); ok {
		tag = t.TagStr()
	}
	return image, tag
}

// wellKnownPorts are the default ports of an official image.
func wellKnownPorts(ref string) []string {
	image, tag := officialImage(ref)
	ports := slices.Clone(wellKnown[image])
	if image == "rabbitmq" && strings.Contains(tag, "management") {
		ports = append(ports, "15672/tcp") // the management UI
	}
	return ports
}

// dockerfile is what a service's Dockerfile says about its ports and
// the files it copies.
type dockerfile struct {
	display string   // the Dockerfile's path, relative to berth.yaml
	ports   []string // EXPOSE, e.g. 8080/tcp
	base    string   // the FROM image of the built stage
	err     error    // EXPOSE words that did not expand
	copies  []copied // COPY and ADD of the build context
}

// dockerfileOf parses the Dockerfile of a service built from a local
// context; nil when there is none or it does not parse (berth validate
// and berth build report that).
func (c *converter) dockerfileOf(name string, s types.ServiceConfig) *dockerfile {
	if d, ok := c.dockerfiles[name]; ok {
		return d
	}
	var d *dockerfile
	defer func() { c.dockerfiles[name] = d }()
	b := s.Build
	if b == nil || b.DockerfileInline != "" || isRemote(b.Context) {
		return nil
	}
	file := b.Dockerfile
	if file == "" {
		file = "Dockerfile"
	}
	if !filepath.IsAbs(file) {
		file = filepath.Join(b.Context, file)
	}
	if fi, err := os.Stat(file); err != nil || !fi.Mode().IsRegular() || fi.Size() > 1<<20 {
		return nil
	}
	args := map[string]string{}
	for k, v := range b.Args {
		if v != nil {
			args[k] = *v
		}
	}
	platform := s.Platform
	if len(b.Platforms) > 0 {
		platform = b.Platforms[0]
	}
	if platform == "" {
		platform = build.DefaultPlatform()
	}
	df, _ := build.ParseDockerfile(file, args, b.Target, platform) // a *DaemonError still has the stages
	if df == nil {
		return nil
	}
	d = &dockerfile{display: c.rel(file), base: df.Base, copies: contextCopies(df.Commands)}
	d.ports, d.err = df.ExposedPorts()
	if d.base == "scratch" {
		d.base = ""
	}
	return d
}

// inferPorts gives a service that compose lists no ports for the ports
// its Dockerfile or image declare, so that it gets a Service (ClusterIP:
// nothing is published) and a name on the cluster network, as it has on
// the compose network.
func (c *converter) inferPorts(name, bn string, s types.ServiceConfig, out *config.Service) {
	var ports []string
	var from string
	var why []string
	image := s.Image
	if s.Build != nil {
		image = ""
		if d := c.dockerfileOf(name, s); d != nil {
			image = d.base
			if d.err != nil {
				why = append(why, d.err.Error())
			}
			if len(d.ports) > 0 {
				ports, from = d.ports, "EXPOSE in "+d.display
			}
		}
	}
	if a, ok := c.images[image]; ok && len(ports) == 0 && image != "" {
		switch {
		case a.err != nil:
			why = append(why, a.err.Error())
		case len(a.ports) > 0:
			ports, from = a.ports, "EXPOSE of image "+image+" (its config, from the registry)"
			if s.Build != nil {
				from = "EXPOSE of the Dockerfile's base image " + image + " (its config, from the registry)"
			}
		}
	}
	if len(ports) == 0 && image != "" {
		if ports = wellKnownPorts(image); len(ports) > 0 {
			official, _ := officialImage(image)
			from = "the default of the official " + official + " image"
			if s.Build != nil {
				from += ", the Dockerfile's base"
			}
			from += " (well-known ports, docs/import.md)"
		}
	}
	for _, p := range ports {
		num, proto, _ := strings.Cut(p, "/")
		n, err := strconv.ParseUint(num, 10, 16)
		if err != nil || n == 0 {
			continue
		}
		port := config.Port{Port: int32(n), Protocol: strings.ToUpper(proto)}
		if port.Protocol == "TCP" || port.Protocol == "" {
			port.Protocol = ""
		}
		out.Ports = append(out.Ports, port)
	}
	if len(out.Ports) > 0 {
		c.comments[bn] = append(c.comments[bn], "ports: "+from+".", "compose lists none, but other services reach it by name.")
		return
	}
	msg := fmt.Sprintf("has no port berth knows of (no ports or expose in compose, no EXPOSE in its image), so it gets no Service and other services cannot reach it by the name %q; if they connect to it, add expose: [\"PORT\"] to the compose service and import again, or ports: [{port: PORT}] to the service in berth.yaml", bn)
	if len(why) > 0 {
		msg += " (" + strings.Join(why, "; ") + ")"
	}
	c.warn(c.ix.locate(name), "services."+name, "%s", msg)
}

// imageAnswer is what the registry said of an image: the ports of its
// config, or why it did not say.
type imageAnswer struct {
	ports []string
	err   error
}

// maxLookups is how many images are looked up at once.
const maxLookups = 4

// lookupImages asks the registry, all at once and within
// opts.LookupTimeout, for the config of each image that alone can give a
// service's ports: the services compose lists no ports for, whose
// Dockerfile (if they are built) exposes none.
func (c *converter) lookupImages(ctx context.Context) {
	if c.opts.Registry == nil {
		return
	}
	var refs []string
	for _, name := range slices.Sorted(maps.Keys(c.cp.Services)) {
		s := c.cp.Services[name]
		if composePorts(s) {
			continue
		}
		ref := s.Image
		if s.Build != nil {
			d := c.dockerfileOf(name, s)
			if d == nil || len(d.ports) > 0 {
				continue
			}
			ref = d.base
		}
		if ref != "" && !slices.Contains(refs, ref) {
			refs = append(refs, ref)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, c.opts.LookupTimeout)
	defer cancel()
	answers := make([]imageAnswer, len(refs))
	var g errgroup.Group
	g.SetLimit(maxLookups)
	for i, ref := range refs {
		g.Go(func() error {
			ports, err := imagePorts(ctx, c.opts.Registry, ref)
			if err != nil {
				if ctx.Err() != nil {
					err = fmt.Errorf("%s: the registry did not answer within %v", ref, c.opts.LookupTimeout)
				} else {
					err = fmt.Errorf("reading the config of %s from its registry: %s", ref, firstLine(err.Error()))
				}
			}
			answers[i] = imageAnswer{ports, err}
			return nil
		})
	}
	_ = g.Wait() // the lookups return no errors: each answer holds its own
	for i, ref := range refs {
		c.images[ref] = answers[i]
	}
}

// composePorts reports whether compose lists ports of the service that
// berth can serve: expose, or ports not bound to the host's loopback.
func composePorts(s types.ServiceConfig) bool {
	if len(s.Expose) > 0 {
		return true
	}
	return slices.ContainsFunc(s.Ports, func(p types.ServicePortConfig) bool { return !loopback(p.HostIP) })
}

// loopback reports a host IP that only the host itself reaches.
func loopback(hostIP string) bool {
	if hostIP == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(hostIP, "[]"))
	return ip != nil && ip.IsLoopback()
}

// imagePorts reads the ExposedPorts of an image's config.
func imagePorts(ctx context.Context, reg build.Remote, image string) ([]string, error) {
	ref, err := reg.Reference(image)
	if err != nil {
		return nil, err
	}
	opts, err := reg.Options(ctx)
	if err != nil {
		return nil, err
	}
	img, err := remote.Image(ref, append(opts, remote.WithContext(ctx))...)
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	return slices.Sorted(maps.Keys(cf.Config.ExposedPorts)), nil
}

// firstLine is the first line of s, at most 200 bytes.
func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 200 {
		s = s[:197] + "..."
	}
	return s
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
