package render

// The pod template's values: probes, resources, update strategy, volumes,
// security and tolerations.

import (
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/berth-dev/berth/internal/config"
)

// podValues sets what a service's pod template holds besides its
// containers' environment: probes, resources, update strategy, volumes,
// security context and tolerations.
func podValues(sv *ServiceValues, name string, s *config.Service) {
	if s.Probes != nil {
		sv.LivenessProbe = probe(s, s.Probes.Liveness)
		sv.ReadinessProbe = probe(s, s.Probes.Readiness)
		sv.StartupProbe = probe(s, s.Probes.Startup)
	}
	sv.Resources = resources(s.Resources)
	if s.Stateful {
		sv.UpdateStrategy = statefulStrategy(s.Strategy)
	} else {
		sv.Strategy = deploymentStrategy(s.Strategy)
	}
	for _, vol := range s.Volumes {
		claim := name + "-" + vol.Name
		if s.Stateful {
			claim = vol.Name
		}
		sv.Volumes = append(sv.Volumes, VolumeValues{
			Name:         vol.Name,
			ClaimName:    claim,
			MountPath:    vol.MountPath,
			SubPath:      vol.SubPath,
			ReadOnly:     vol.ReadOnly,
			Size:         canonicalQuantity(vol.Size),
			AccessMode:   orDefault(vol.AccessMode, "ReadWriteOnce"),
			StorageClass: vol.StorageClass,
		})
	}
	if sc := s.SecurityContext; sc != nil {
		if sc.RunAsUser != nil || sc.RunAsGroup != nil || sc.RunAsNonRoot != nil || sc.FSGroup != nil {
			sv.PodSecurity = &corev1.PodSecurityContext{RunAsUser: sc.RunAsUser, RunAsGroup: sc.RunAsGroup, RunAsNonRoot: sc.RunAsNonRoot, FSGroup: sc.FSGroup}
		}
		if sc.ReadOnlyRootFilesystem != nil {
			sv.Security = &corev1.SecurityContext{ReadOnlyRootFilesystem: sc.ReadOnlyRootFilesystem}
		}
	}
	for _, t := range s.Tolerations {
		sv.Tolerations = append(sv.Tolerations, corev1.Toleration{
			Key: t.Key, Operator: corev1.TolerationOperator(t.Operator), Value: t.Value,
			Effect: corev1.TaintEffect(t.Effect), TolerationSeconds: t.TolerationSeconds,
		})
	}
}

func probe(s *config.Service, pr *config.Probe) *corev1.Probe {
	if pr == nil {
		return nil
	}
	out := &corev1.Probe{FailureThreshold: pr.FailureThreshold, SuccessThreshold: pr.SuccessThreshold}
	if pr.InitialDelay != nil {
		out.InitialDelaySeconds = pr.InitialDelay.Seconds()
	}
	if pr.Period != nil {
		out.PeriodSeconds = pr.Period.Seconds()
	}
	if pr.Timeout != nil {
		out.TimeoutSeconds = pr.Timeout.Seconds()
	}
	switch {
	case pr.HTTP != nil:
		h := &corev1.HTTPGetAction{Path: orDefault(pr.HTTP.Path, "/"), Port: portTarget(s, pr.HTTP.Port), Scheme: corev1.URIScheme(pr.HTTP.Scheme)}
		names := make([]string, 0, len(pr.HTTP.Headers))
		for k := range pr.HTTP.Headers {
			names = append(names, k)
		}
		slices.Sort(names)
		for _, k := range names {
			h.HTTPHeaders = append(h.HTTPHeaders, corev1.HTTPHeader{Name: k, Value: pr.HTTP.Headers[k]})
		}
		out.HTTPGet = h
	case pr.TCP != nil:
		out.TCPSocket = &corev1.TCPSocketAction{Port: portTarget(s, pr.TCP.Port)}
	case pr.GRPC != nil:
		out.GRPC = &corev1.GRPCAction{Port: pr.GRPC.Port.Number}
	case pr.Exec != nil:
		out.Exec = &corev1.ExecAction{Command: pr.Exec.Command}
	}
	return out
}

// portTarget resolves a probe port: a named port refers to the container
// port of that name (named with the default when the config left it
// unnamed), a number is used as is.
func portTarget(s *config.Service, ref config.PortRef) intstr.IntOrString {
	if ref.Name != "" {
		return intstr.FromString(ref.Name)
	}
	return intstr.FromInt32(ref.Number)
}

func resources(r *config.Resources) *corev1.ResourceRequirements {
	if r == nil {
		return nil
	}
	list := func(l *config.ResourceList) corev1.ResourceList {
		if l == nil {
			return nil
		}
		out := corev1.ResourceList{}
		for name, q := range map[corev1.ResourceName]config.Quantity{
			corev1.ResourceCPU: l.CPU, corev1.ResourceMemory: l.Memory, corev1.ResourceEphemeralStorage: l.EphemeralStorage,
		} {
			if q != "" {
				out[name] = resource.MustParse(string(q)) // validated by config
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	}
	out := &corev1.ResourceRequirements{Requests: list(r.Requests), Limits: list(r.Limits)}
	if out.Requests == nil && out.Limits == nil {
		return nil
	}
	return out
}

func canonicalQuantity(q config.Quantity) string {
	parsed, err := resource.ParseQuantity(string(q))
	if err != nil {
		return string(q)
	}
	return parsed.String()
}

func intOrPercent(v *config.IntOrPercent) *intstr.IntOrString {
	if v == nil {
		return nil
	}
	x := intstr.Parse(string(*v))
	return &x
}

func deploymentStrategy(st *config.Strategy) *appsv1.DeploymentStrategy {
	if st == nil {
		return nil
	}
	if st.Type == config.StrategyRecreate {
		return &appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType}
	}
	out := &appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType}
	if st.MaxSurge != nil || st.MaxUnavailable != nil {
		out.RollingUpdate = &appsv1.RollingUpdateDeployment{MaxSurge: intOrPercent(st.MaxSurge), MaxUnavailable: intOrPercent(st.MaxUnavailable)}
	}
	return out
}

func statefulStrategy(st *config.Strategy) *appsv1.StatefulSetUpdateStrategy {
	if st == nil || st.MaxUnavailable == nil {
		return nil
	}
	return &appsv1.StatefulSetUpdateStrategy{
		Type:          appsv1.RollingUpdateStatefulSetStrategyType,
		RollingUpdate: &appsv1.RollingUpdateStatefulSetStrategy{MaxUnavailable: intOrPercent(st.MaxUnavailable)},
	}
}
