package render

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"golang.org/x/crypto/scrypt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"

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

// podAnnotations are a service's pod annotations with the checksums that
// roll its pods when its config files or secrets change (nil when there
// are none), and its config files.
func podAnnotations(p *config.Project, name string, s *config.Service, sums map[string]string) (map[string]string, *ConfigFilesValues, error) {
	var files *ConfigFilesValues
	podAnnotations := map[string]string{}
	for k, val := range s.PodAnnotations {
		podAnnotations[k] = val
	}
	if len(s.ConfigFiles) > 0 {
		cf, sum, err := configFiles(p, name, s)
		if err != nil {
			return nil, nil, err
		}
		files = cf
		podAnnotations[ChecksumConfigAnnotation] = sum
	}
	sum, err := secretsChecksum(p, s, sums)
	if err != nil {
		return nil, nil, err
	}
	if sum != "" {
		podAnnotations[ChecksumSecretsAnnotation] = sum
	}
	if len(podAnnotations) == 0 {
		podAnnotations = nil
	}
	return podAnnotations, files, nil
}

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

// configFiles reads a service's config files into ConfigMap values and
// returns the checksum of their content.
func configFiles(p *config.Project, name string, s *config.Service) (*ConfigFilesValues, string, error) {
	mounts := make([]string, 0, len(s.ConfigFiles))
	for m := range s.ConfigFiles {
		mounts = append(mounts, m)
	}
	slices.Sort(mounts)
	cf := &ConfigFilesValues{Name: name + "-files"}
	h := sha256.New()
	for _, m := range mounts {
		src := filepath.Join(p.Dir, filepath.FromSlash(s.ConfigFiles[m]))
		data, err := os.ReadFile(src)
		if err != nil {
			return nil, "", fmt.Errorf("reading config file for %s: %w", m, err)
		}
		fv := FileValue{Key: path.Base(m), MountPath: m}
		if textProblem(string(data)) == "" {
			fv.Content = string(data)
		} else {
			fv.Binary = base64.StdEncoding.EncodeToString(data)
		}
		fmt.Fprintf(h, "%s\x00%d\x00", m, len(data))
		h.Write(data)
		cf.Files = append(cf.Files, fv)
	}
	return cf, hex.EncodeToString(h.Sum(nil)), nil
}

// secretsChecksum fingerprints the app-level secrets a service uses, so
// changing a secret value rolls the pods that read it. Pod annotations are
// readable by anyone who may read pods, so the fingerprint is scrypt, not a
// bare SHA-256: confirming a guessed weak password offline costs
// milliseconds per guess instead of nanoseconds. sums memoises the result
// per distinct secret set within one render.
func secretsChecksum(p *config.Project, s *config.Service, sums map[string]string) (string, error) {
	used := map[string]bool{}
	for _, e := range s.Env {
		if e.SecretRef != nil {
			used[e.SecretRef.Name] = true
		}
	}
	for _, ef := range s.EnvFrom {
		if ef.Secret != "" {
			used[ef.Secret] = true
		}
	}
	var names []string
	for n := range used {
		if _, ok := p.Secrets[n]; ok {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return "", nil
	}
	slices.Sort(names)
	h := sha256.New()
	for _, n := range names {
		keys := make([]string, 0, len(p.Secrets[n]))
		for k := range p.Secrets[n] {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			v := p.Secrets[n][k]
			fmt.Fprintf(h, "%s\x00%s\x00%d\x00%s\x00", n, k, len(v), v)
		}
	}
	digest := string(h.Sum(nil))
	if sum, ok := sums[digest]; ok {
		return sum, nil
	}
	key, err := scrypt.Key([]byte(digest), []byte("berth-secrets/"+p.Name+"/"+strings.Join(names, ",")), 1<<10, 8, 1, 32)
	if err != nil {
		return "", fmt.Errorf("fingerprinting secrets: %w", err)
	}
	sums[digest] = hex.EncodeToString(key)
	return sums[digest], nil
}

// SecretChecksum fingerprints the values of Secret name of app: scrypt
// (as secretsChecksum, so a guessed weak value costs milliseconds to
// check) over the keys and values.
func SecretChecksum(app, name string, data map[string]string) (string, error) {
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	h := sha256.New()
	for _, k := range keys {
		fmt.Fprintf(h, "%s\x00%d\x00%s\x00", k, len(data[k]), data[k])
	}
	key, err := scrypt.Key(h.Sum(nil), []byte("berth-secret/"+app+"/"+name), 1<<10, 8, 1, 32)
	if err != nil {
		return "", fmt.Errorf("fingerprinting secret %s: %w", name, err)
	}
	return hex.EncodeToString(key), nil
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
