package render

import (
	"fmt"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/berth-dev/berth/internal/config"
)

// Values are the chart's values: the one typed form of a project that the
// templates read. Kubernetes-shaped parts (env, probes, resources,
// tolerations, strategies) use the k8s.io/api types, so the templates only
// place them.
type Values struct {
	Services       map[string]*ServiceValues      `json:"services"`
	Secrets        map[string]*SecretValues       `json:"secrets"`
	StorageClasses map[string]*StorageClassValues `json:"storageClasses"`
}

// ServiceValues describe one workload.
type ServiceValues struct {
	Stateful         bool                              `json:"stateful,omitempty"`
	Image            string                            `json:"image"`
	ImagePullPolicy  corev1.PullPolicy                 `json:"imagePullPolicy,omitempty"`
	Version          string                            `json:"version,omitempty"`
	Replicas         int32                             `json:"replicas"`
	Command          []string                          `json:"command,omitempty"`
	Args             []string                          `json:"args,omitempty"`
	Expose           string                            `json:"expose"`
	Ports            []PortValues                      `json:"ports,omitempty"`
	KubeServices     []KubeServiceValues               `json:"kubeServices,omitempty"`
	GoverningService string                            `json:"governingService,omitempty"`
	Env              []corev1.EnvVar                   `json:"env,omitempty"`
	EnvFrom          []corev1.EnvFromSource            `json:"envFrom,omitempty"`
	ConfigFiles      *ConfigFilesValues                `json:"configFiles,omitempty"`
	SecretFiles      *SecretFilesValues                `json:"secretFiles,omitempty"`
	LivenessProbe    *corev1.Probe                     `json:"livenessProbe,omitempty"`
	ReadinessProbe   *corev1.Probe                     `json:"readinessProbe,omitempty"`
	StartupProbe     *corev1.Probe                     `json:"startupProbe,omitempty"`
	Resources        *corev1.ResourceRequirements      `json:"resources,omitempty"`
	Strategy         *appsv1.DeploymentStrategy        `json:"strategy,omitempty"`
	UpdateStrategy   *appsv1.StatefulSetUpdateStrategy `json:"updateStrategy,omitempty"`
	Volumes          []VolumeValues                    `json:"volumes,omitempty"`
	Autoscale        *config.Autoscale                 `json:"autoscale,omitempty"`
	Ingress          *IngressValues                    `json:"ingress,omitempty"`
	ImagePullSecrets []string                          `json:"imagePullSecrets,omitempty"`
	NodeSelector     map[string]string                 `json:"nodeSelector,omitempty"`
	Tolerations      []corev1.Toleration               `json:"tolerations,omitempty"`
	PodSecurity      *corev1.PodSecurityContext        `json:"podSecurityContext,omitempty"`
	Security         *corev1.SecurityContext           `json:"securityContext,omitempty"`
	Labels           map[string]string                 `json:"labels,omitempty"`
	Annotations      map[string]string                 `json:"annotations,omitempty"`
	PodAnnotations   map[string]string                 `json:"podAnnotations,omitempty"`
	// ChangeCause annotates the workload (kubernetes.io/change-cause).
	ChangeCause string `json:"changeCause,omitempty"`
}

// PortValues is a fully defaulted port.
type PortValues struct {
	Name       string `json:"name"`
	Port       int32  `json:"port"`
	TargetPort int32  `json:"targetPort"`
	Protocol   string `json:"protocol"`
	NodePort   int32  `json:"nodePort,omitempty"`
}

// KubeServiceValues is one Service object of a workload.
type KubeServiceValues struct {
	Name                     string `json:"name"`
	Type                     string `json:"type,omitempty"`
	Headless                 bool   `json:"headless,omitempty"`
	PublishNotReadyAddresses bool   `json:"publishNotReadyAddresses,omitempty"`
}

// ConfigFilesValues is the ConfigMap holding a service's configFiles.
type ConfigFilesValues struct {
	Name  string      `json:"name"`
	Files []FileValue `json:"files"`
}

// FileValue is one mounted file; Binary holds base64 for non-UTF-8 content.
type FileValue struct {
	Key       string `json:"key"`
	MountPath string `json:"mountPath"`
	Content   string `json:"content,omitempty"`
	Binary    string `json:"binary,omitempty"`
}

// SecretFilesValues are the Secret keys a service mounts as files: the
// sources of its projected volume and the mounts into it.
type SecretFilesValues struct {
	Sources []corev1.VolumeProjection `json:"sources"`
	Mounts  []corev1.VolumeMount      `json:"mounts"`
}

// VolumeValues is a claim and its mount.
type VolumeValues struct {
	Name         string `json:"name"`
	ClaimName    string `json:"claimName"`
	MountPath    string `json:"mountPath"`
	SubPath      string `json:"subPath,omitempty"`
	ReadOnly     bool   `json:"readOnly,omitempty"`
	Size         string `json:"size"`
	AccessMode   string `json:"accessMode"`
	StorageClass string `json:"storageClass,omitempty"`
}

// IngressValues is a defaulted ingress rule.
type IngressValues struct {
	Host        string             `json:"host,omitempty"`
	Path        string             `json:"path"`
	PathType    string             `json:"pathType"`
	Port        string             `json:"port"`
	ServiceName string             `json:"serviceName"`
	ClassName   string             `json:"className,omitempty"`
	TLS         *config.IngressTLS `json:"tls,omitempty"`
	Annotations map[string]string  `json:"annotations,omitempty"`
}

// SecretValues hold an app-level Secret's plain values; the chart encodes them.
type SecretValues struct {
	Data map[string]string `json:"data"`
	// Checksum fingerprints the real values (SecretChecksum), also when
	// Data is blanked: it is the Secret's checksum.berth.dev/data
	// annotation, by which berth undo tells whether a Secret still holds
	// the values of a revision (the release records keep no values).
	Checksum string `json:"checksum,omitempty"`
}

// StorageClassValues is a defaulted StorageClass.
type StorageClassValues struct {
	Provisioner          string            `json:"provisioner"`
	Parameters           map[string]string `json:"parameters,omitempty"`
	ReclaimPolicy        string            `json:"reclaimPolicy"`
	Default              bool              `json:"default,omitempty"`
	VolumeBindingMode    string            `json:"volumeBindingMode"`
	AllowVolumeExpansion *bool             `json:"allowVolumeExpansion,omitempty"`
}

// Annotation keys berth puts on pod templates.
const (
	ChecksumConfigAnnotation  = "checksum.berth.dev/config"
	ChecksumSecretsAnnotation = "checksum.berth.dev/secrets"
	// ChecksumDataAnnotation is on each app-level Secret: SecretChecksum of
	// its values.
	ChecksumDataAnnotation = "checksum.berth.dev/data"
)

// buildValues converts a project into chart values. images maps service
// names to the image reference to run (resolved by the caller).
func buildValues(p *config.Project, images map[string]string, redact bool, opts Options) (*Values, error) {
	v := &Values{
		Services:       map[string]*ServiceValues{},
		Secrets:        map[string]*SecretValues{},
		StorageClasses: map[string]*StorageClassValues{},
	}
	for name, data := range p.Secrets {
		sv := &SecretValues{Data: map[string]string{}}
		for k, val := range data {
			if config.IsEncrypted(val) && !redact {
				// A programming error: the caller did not decrypt
				// (secrets.Open). Never deploy a ciphertext as the value.
				return nil, fmt.Errorf("secret %s: key %s is still encrypted; decrypt the project's secrets before rendering them", name, k)
			}
			if redact {
				val = ""
			}
			sv.Data[k] = val
		}
		sum, err := SecretChecksum(p.Name, name, data)
		if err != nil {
			return nil, err
		}
		sv.Checksum = sum
		v.Secrets[name] = sv
	}
	for name, sc := range p.StorageClasses {
		v.StorageClasses[name] = &StorageClassValues{
			Provisioner:          sc.Provisioner,
			Parameters:           sc.Parameters,
			ReclaimPolicy:        orDefault(sc.ReclaimPolicy, "Delete"),
			Default:              sc.Default,
			VolumeBindingMode:    orDefault(sc.VolumeBindingMode, "Immediate"),
			AllowVolumeExpansion: sc.AllowVolumeExpansion,
		}
	}
	sums := map[string]string{}
	for name, s := range p.Services {
		sv, err := serviceValues(p, name, s, images[name], sums)
		if err != nil {
			return nil, err
		}
		sv.ChangeCause = opts.ChangeCause
		if c, ok := opts.Causes[name]; ok {
			sv.ChangeCause = c
		}
		if n, ok := opts.Replicas[name]; ok && s.Autoscale == nil {
			sv.Replicas = n
		}
		v.Services[name] = sv
	}
	return v, nil
}

func serviceValues(p *config.Project, name string, s *config.Service, image string, sums map[string]string) (*ServiceValues, error) {
	sv := &ServiceValues{
		Stateful:         s.Stateful,
		Image:            image,
		ImagePullPolicy:  corev1.PullPolicy(s.ImagePullPolicy),
		Version:          imageVersion(image),
		Replicas:         s.EffectiveReplicas(),
		Command:          s.Command,
		Args:             s.Args,
		ImagePullSecrets: s.ImagePullSecrets,
		NodeSelector:     s.NodeSelector,
		Labels:           s.Labels,
		Annotations:      s.Annotations,
		Autoscale:        s.Autoscale,
	}
	networkValues(sv, name, s)
	sv.Env, sv.EnvFrom = envValues(s)
	var err error
	if sv.PodAnnotations, sv.ConfigFiles, err = podAnnotations(p, name, s, sums); err != nil {
		return nil, err
	}
	sv.SecretFiles = secretFilesValues(s)
	podValues(sv, name, s)
	sv.Ingress = ingressValues(sv, name, s)
	return sv, nil
}

// networkValues sets a service's ports and the Kubernetes Services that
// expose them (with a StatefulSet's governing headless Service).
func networkValues(sv *ServiceValues, name string, s *config.Service) {
	for i, pt := range s.Ports {
		pv := PortValues{
			Port:       pt.Port,
			TargetPort: pt.TargetPort,
			Protocol:   orDefault(pt.Protocol, "TCP"),
			NodePort:   pt.NodePort,
		}
		if pv.TargetPort == 0 {
			pv.TargetPort = pv.Port
		}
		pv.Name = s.Ports[i].EffectiveName()
		sv.Ports = append(sv.Ports, pv)
	}
	sv.Expose = s.Expose
	if sv.Expose == "" {
		sv.Expose = config.ExposeClusterIP
		if len(sv.Ports) == 0 {
			sv.Expose = config.ExposeNone
		}
	}
	switch sv.Expose {
	case config.ExposeHeadless:
		sv.KubeServices = append(sv.KubeServices, KubeServiceValues{Name: name, Headless: true, PublishNotReadyAddresses: s.Stateful})
	case config.ExposeNone:
	default:
		sv.KubeServices = append(sv.KubeServices, KubeServiceValues{Name: name, Type: sv.Expose})
	}
	if s.Stateful {
		sv.GoverningService = name
		if sv.Expose != config.ExposeHeadless {
			sv.GoverningService = name + "-headless"
			sv.KubeServices = append(sv.KubeServices, KubeServiceValues{Name: sv.GoverningService, Headless: true, PublishNotReadyAddresses: true})
		}
		slices.SortFunc(sv.KubeServices, func(a, b KubeServiceValues) int { return strings.Compare(a.Name, b.Name) })
	}
}

// envValues is a service's environment: variables sorted by name, then
// the sources it imports whole.
func envValues(s *config.Service) ([]corev1.EnvVar, []corev1.EnvFromSource) {
	var env []corev1.EnvVar
	var envFrom []corev1.EnvFromSource
	envNames := make([]string, 0, len(s.Env))
	for k := range s.Env {
		envNames = append(envNames, k)
	}
	slices.Sort(envNames)
	for _, k := range envNames {
		e := s.Env[k]
		ev := corev1.EnvVar{Name: k, Value: e.Value}
		switch {
		case e.SecretRef != nil:
			ev.Value = ""
			ev.ValueFrom = &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
				LocalObjectReference: corev1.LocalObjectReference{Name: e.SecretRef.Name}, Key: e.SecretRef.Key, Optional: optional(e.SecretRef.Optional)}}
		case e.ConfigMapRef != nil:
			ev.Value = ""
			ev.ValueFrom = &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{
				LocalObjectReference: corev1.LocalObjectReference{Name: e.ConfigMapRef.Name}, Key: e.ConfigMapRef.Key, Optional: optional(e.ConfigMapRef.Optional)}}
		case e.FieldRef != "":
			ev.Value = ""
			ev.ValueFrom = &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: e.FieldRef}}
		}
		env = append(env, ev)
	}
	for _, ef := range s.EnvFrom {
		src := corev1.EnvFromSource{Prefix: ef.Prefix}
		if ef.Secret != "" {
			src.SecretRef = &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: ef.Secret}}
		} else {
			src.ConfigMapRef = &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: ef.ConfigMap}}
		}
		envFrom = append(envFrom, src)
	}
	return env, envFrom
}

// ingressValues is a service's Ingress, nil without one; its port is the
// service's first unless ingress.port names another.
func ingressValues(sv *ServiceValues, name string, s *config.Service) *IngressValues {
	in := s.Ingress
	if in == nil {
		return nil
	}
	port := sv.Ports[0].Name
	if idx := portIndex(s, in.Port); !in.Port.IsZero() && idx >= 0 {
		port = sv.Ports[idx].Name
	}
	return &IngressValues{
		Host:        in.Host,
		Path:        orDefault(in.Path, "/"),
		PathType:    orDefault(in.PathType, "Prefix"),
		Port:        port,
		ServiceName: name,
		ClassName:   in.ClassName,
		TLS:         in.TLS,
		Annotations: in.Annotations,
	}
}

func portIndex(s *config.Service, ref config.PortRef) int {
	p := s.Port(ref)
	for i := range s.Ports {
		if p == &s.Ports[i] {
			return i
		}
	}
	return -1
}

func optional(b bool) *bool {
	if !b {
		return nil
	}
	return &b
}

// imageVersion derives the app.kubernetes.io/version label from an image
// reference: its tag, or the start of its digest.
func imageVersion(ref string) string {
	if i := strings.LastIndex(ref, "@"); i >= 0 {
		d := ref[i+1:]
		if _, hexPart, ok := strings.Cut(d, ":"); ok && len(hexPart) >= 12 {
			return hexPart[:12]
		}
		ref = ref[:i]
	}
	slash := strings.LastIndex(ref, "/")
	if c := strings.LastIndex(ref, ":"); c > slash {
		tag := ref[c+1:]
		if len(tag) > 63 {
			tag = tag[:63]
		}
		return strings.Trim(tag, "-_.")
	}
	return "latest"
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
