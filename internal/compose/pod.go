package compose

// The pod's settings: probes from healthcheck, resources from
// deploy.resources, and restart, pull_policy, user and read_only.

import (
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/berth-dev/berth/internal/config"
)

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
