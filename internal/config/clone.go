package config

import (
	"maps"
	"slices"
)

// Clone returns a deep copy of p: changing the copy (its registry, a
// service's image or pull policy, its charts, its target, a volume's
// storage class) leaves p as it was. Targets use it to return the project
// as they deploy it instead of changing the one loaded.
func (p *Project) Clone() *Project {
	if p == nil {
		return nil
	}
	q := *p
	q.Target = p.Target.Clone()
	q.Services = cloneMap(p.Services, (*Service).Clone)
	q.Secrets = cloneSecrets(p.Secrets)
	q.Encryption = p.Encryption.clone()
	q.StorageClasses = cloneMap(p.StorageClasses, (*StorageClass).clone)
	q.Charts = cloneMap(p.Charts, (*Chart).Clone)
	q.Environments = cloneMap(p.Environments, (*Environment).clone)
	q.Encrypted = slices.Clone(p.Encrypted)
	return &q
}

// Clone returns a deep copy of t.
func (t *Target) Clone() *Target {
	if t == nil {
		return nil
	}
	c := *t
	c.Minikube = copyOf(t.Minikube)
	if t.DigitalOcean != nil {
		do := *t.DigitalOcean
		if np := t.DigitalOcean.NodePool; np != nil {
			pool := *np
			pool.Autoscale = copyOf(np.Autoscale)
			do.NodePool = &pool
		}
		c.DigitalOcean = &do
	}
	return &c
}

// Clone returns a deep copy of s.
func (s *Service) Clone() *Service {
	if s == nil {
		return nil
	}
	c := *s
	if s.Build != nil {
		b := *s.Build
		b.Args = maps.Clone(s.Build.Args)
		b.Platforms = slices.Clone(s.Build.Platforms)
		b.Layers = slices.Clone(s.Build.Layers)
		c.Build = &b
	}
	c.Replicas = copyOf(s.Replicas)
	c.Command = slices.Clone(s.Command)
	c.Args = slices.Clone(s.Args)
	c.Ports = slices.Clone(s.Ports)
	if s.Env != nil {
		c.Env = make(map[string]EnvValue, len(s.Env))
		for k, v := range s.Env {
			v.SecretRef, v.ConfigMapRef = copyOf(v.SecretRef), copyOf(v.ConfigMapRef)
			c.Env[k] = v
		}
	}
	c.EnvFrom = slices.Clone(s.EnvFrom)
	c.ConfigFiles = maps.Clone(s.ConfigFiles)
	c.SecretFiles = maps.Clone(s.SecretFiles)
	if s.Probes != nil {
		c.Probes = &Probes{Liveness: s.Probes.Liveness.clone(), Readiness: s.Probes.Readiness.clone(), Startup: s.Probes.Startup.clone()}
	}
	if s.Resources != nil {
		c.Resources = &Resources{Requests: copyOf(s.Resources.Requests), Limits: copyOf(s.Resources.Limits)}
	}
	if s.Strategy != nil {
		st := *s.Strategy
		st.MaxSurge, st.MaxUnavailable = copyOf(st.MaxSurge), copyOf(st.MaxUnavailable)
		c.Strategy = &st
	}
	c.Volumes = slices.Clone(s.Volumes)
	c.Autoscale = copyOf(s.Autoscale)
	if s.Ingress != nil {
		in := *s.Ingress
		in.TLS = copyOf(in.TLS)
		in.Annotations = maps.Clone(in.Annotations)
		c.Ingress = &in
	}
	if s.SecurityContext != nil {
		sc := *s.SecurityContext
		sc.RunAsUser, sc.RunAsGroup, sc.FSGroup = copyOf(sc.RunAsUser), copyOf(sc.RunAsGroup), copyOf(sc.FSGroup)
		sc.RunAsNonRoot, sc.ReadOnlyRootFilesystem = copyOf(sc.RunAsNonRoot), copyOf(sc.ReadOnlyRootFilesystem)
		c.SecurityContext = &sc
	}
	c.ImagePullSecrets = slices.Clone(s.ImagePullSecrets)
	c.NodeSelector = maps.Clone(s.NodeSelector)
	if s.Tolerations != nil {
		c.Tolerations = make([]Toleration, len(s.Tolerations))
		for i, t := range s.Tolerations {
			t.TolerationSeconds = copyOf(t.TolerationSeconds)
			c.Tolerations[i] = t
		}
	}
	c.Labels = maps.Clone(s.Labels)
	c.Annotations = maps.Clone(s.Annotations)
	c.PodAnnotations = maps.Clone(s.PodAnnotations)
	return &c
}

// Clone returns a deep copy of c, its values included.
func (c *Chart) Clone() *Chart {
	if c == nil {
		return nil
	}
	out := *c
	if c.Values != nil {
		out.Values = cloneValue(c.Values).(map[string]any)
	}
	return &out
}

func (p *Probe) clone() *Probe {
	if p == nil {
		return nil
	}
	c := *p
	if p.HTTP != nil {
		h := *p.HTTP
		h.Headers = maps.Clone(h.Headers)
		c.HTTP = &h
	}
	c.TCP, c.GRPC = copyOf(p.TCP), copyOf(p.GRPC)
	if p.Exec != nil {
		c.Exec = &ExecCheck{Command: slices.Clone(p.Exec.Command)}
	}
	c.InitialDelay, c.Period, c.Timeout = copyOf(p.InitialDelay), copyOf(p.Period), copyOf(p.Timeout)
	return &c
}

func (e *Encryption) clone() *Encryption {
	if e == nil {
		return nil
	}
	return &Encryption{Age: slices.Clone(e.Age)}
}

func (s *StorageClass) clone() *StorageClass {
	if s == nil {
		return nil
	}
	c := *s
	c.Parameters = maps.Clone(s.Parameters)
	c.AllowVolumeExpansion = copyOf(s.AllowVolumeExpansion)
	return &c
}

func (e *Environment) clone() *Environment {
	if e == nil {
		return nil
	}
	c := *e
	c.Target = e.Target.Clone()
	c.Services = cloneMap(e.Services, (*Service).Clone)
	c.Secrets = cloneSecrets(e.Secrets)
	c.Encryption = e.Encryption.clone()
	c.StorageClasses = cloneMap(e.StorageClasses, (*StorageClass).clone)
	c.Charts = cloneMap(e.Charts, (*Chart).Clone)
	return &c
}

func cloneSecrets(m map[string]map[string]string) map[string]map[string]string {
	return cloneMap(m, maps.Clone[map[string]string])
}

// cloneMap copies m, copying each value with clone.
func cloneMap[K comparable, V any](m map[K]V, clone func(V) V) map[K]V {
	if m == nil {
		return nil
	}
	out := make(map[K]V, len(m))
	for k, v := range m {
		out[k] = clone(v)
	}
	return out
}

// cloneValue copies a value decoded from YAML (chart values): maps and
// lists are copied, scalars shared.
func cloneValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		return cloneMap(v, cloneValue)
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = cloneValue(e)
		}
		return out
	default:
		return v
	}
}

// copyOf copies what p points to (a struct or scalar without references).
func copyOf[T any](p *T) *T {
	if p == nil {
		return nil
	}
	c := *p
	return &c
}
