package config

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// APIVersion is the only berth.yaml apiVersion this release understands.
const APIVersion = "berth/v1"

// Project is a whole berth.yaml: one application made of services.
type Project struct {
	// APIVersion must be berth/v1.
	APIVersion string `json:"apiVersion"`
	// Name is the application name (DNS-1123 label); it names the Helm release.
	Name string `json:"name"`
	// Namespace the application is deployed to (default: the -n flag, else "default").
	Namespace string `json:"namespace,omitempty"`
	// Registry is the repository prefix for images berth builds, e.g. localhost:5000/team.
	Registry string `json:"registry,omitempty"`
	// Target says where the application runs: kube (the current kube context), minikube or digitalocean.
	Target *Target `json:"target,omitempty"`
	// Services are the application's workloads, by name; the name becomes the object names.
	Services map[string]*Service `json:"services"`
	// Secrets are app-level Secrets (object name = key); values usually come from ${VARS}, or are encrypted in the file as ENC[age:…] (berth secrets encrypt).
	Secrets map[string]map[string]string `json:"secrets,omitempty"`
	// Encryption lists who can read the encrypted secret values: berth secrets encrypt encrypts to these recipients.
	Encryption *Encryption `json:"encryption,omitempty"`
	// StorageClasses are StorageClass objects created with the application.
	StorageClasses map[string]*StorageClass `json:"storageClasses,omitempty"`
	// Charts are third-party Helm charts (an ingress controller, a cache) installed before the services, each as its own Helm release named by its key.
	Charts map[string]*Chart `json:"charts,omitempty"`
	// Environments are overlays merged over the base, selected with -e NAME.
	Environments map[string]*Environment `json:"environments,omitempty"`

	// Dir is the directory of the config file; relative paths resolve against it.
	Dir string `json:"-"`
	// File is the config file's path as given.
	File string `json:"-"`
	// Env is the environment overlay applied, if any.
	Env string `json:"-"`
	// Encrypted are the secret values still encrypted (ENC[age:…]) after
	// Load, with where they are written; package secrets decrypts them in
	// memory before anything is rendered.
	Encrypted []EncryptedValue `json:"-"`
}

// Encryption names the recipients of encrypted secret values.
type Encryption struct {
	// Age are age recipients (age1…, or age1pq1… for post-quantum keys); every one of them can decrypt the values berth secrets encrypt writes.
	Age []string `json:"age,omitempty"`
}

// EncryptedValue is a secret value written encrypted in berth.yaml.
type EncryptedValue struct {
	// Secret and Key name the value: secrets.SECRET.KEY.
	Secret, Key string
	// Path is where it is written, e.g. environments.production.secrets.db.password.
	Path string
	// Pos is its position in the file.
	Pos Pos
	// Value is the ENC[age:…] text.
	Value string
}

// Environment is an overlay over the base config.
type Environment struct {
	// Namespace overrides the base namespace.
	Namespace string `json:"namespace,omitempty"`
	// Registry overrides the base registry.
	Registry string `json:"registry,omitempty"`
	// Target overrides the base target.
	Target *Target `json:"target,omitempty"`
	// Services override fields of base services; a service must exist in the base.
	Services map[string]*Service `json:"services,omitempty"`
	// Secrets override values of base secrets; a secret must exist in the base.
	Secrets map[string]map[string]string `json:"secrets,omitempty"`
	// Encryption overrides the recipients of the environment's encrypted secret values (say, production's keys only).
	Encryption *Encryption `json:"encryption,omitempty"`
	// StorageClasses override fields of base storage classes.
	StorageClasses map[string]*StorageClass `json:"storageClasses,omitempty"`
	// Charts add charts or override fields (version, values…) of base charts.
	Charts map[string]*Chart `json:"charts,omitempty"`
}

// Target selects where the application runs. In YAML it is either a name
// (kube, minikube, digitalocean) or a mapping with one of minikube/digitalocean.
type Target struct {
	// Kind is kube, minikube or digitalocean.
	Kind string `json:"-"`
	// Minikube holds minikube settings.
	Minikube *MinikubeTarget `json:"minikube,omitempty"`
	// DigitalOcean holds DigitalOcean Kubernetes settings.
	DigitalOcean *DigitalOceanTarget `json:"digitalocean,omitempty"`
}

// Target kinds.
const (
	TargetKube         = "kube"
	TargetMinikube     = "minikube"
	TargetDigitalOcean = "digitalocean"
)

// MinikubeTarget configures the minikube target.
type MinikubeTarget struct {
	// Profile is the minikube profile (default minikube).
	Profile string `json:"profile,omitempty"`
}

// DigitalOceanTarget configures the DigitalOcean Kubernetes target.
type DigitalOceanTarget struct {
	// Cluster is the cluster name.
	Cluster string `json:"cluster,omitempty"`
	// Region is the DigitalOcean region slug, e.g. ams3.
	Region string `json:"region,omitempty"`
	// Version is the Kubernetes version slug, or latest.
	Version string `json:"version,omitempty"`
	// NodePool describes the default node pool.
	NodePool *NodePool `json:"nodePool,omitempty"`
	// Registry is the DigitalOcean Container Registry name.
	Registry string `json:"registry,omitempty"`
}

// NodePool is a DigitalOcean node pool.
type NodePool struct {
	// Size is the droplet size slug, e.g. s-2vcpu-4gb.
	Size string `json:"size,omitempty"`
	// Count is the number of nodes.
	Count int `json:"count,omitempty"`
	// Autoscale bounds the node count.
	Autoscale *NodeAutoscale `json:"autoscale,omitempty"`
}

// NodeAutoscale bounds a node pool.
type NodeAutoscale struct {
	// Min nodes.
	Min int `json:"min"`
	// Max nodes.
	Max int `json:"max"`
}

// UnmarshalJSON accepts a target name or a mapping.
func (t *Target) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		*t = Target{Kind: s}
		return nil
	}
	type plain Target
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*t = Target(p)
	switch {
	case t.Minikube != nil:
		t.Kind = TargetMinikube
	case t.DigitalOcean != nil:
		t.Kind = TargetDigitalOcean
	default:
		t.Kind = TargetKube
	}
	return nil
}

// MarshalJSON writes a bare name when there are no settings.
func (t Target) MarshalJSON() ([]byte, error) {
	if t.Minikube == nil && t.DigitalOcean == nil {
		return json.Marshal(t.Kind)
	}
	type plain Target
	return json.Marshal(plain(t))
}

// Service is one workload: a Deployment (or StatefulSet) with its Service,
// volumes, autoscaler and ingress.
type Service struct {
	// Image is a prebuilt image reference; mutually exclusive with build.
	Image string `json:"image,omitempty"`
	// Build builds the image from source; mutually exclusive with image.
	Build *Build `json:"build,omitempty"`
	// Replicas is the number of pods (default 1); ignored when autoscale is set.
	Replicas *int32 `json:"replicas,omitempty"`
	// Command overrides the image's entrypoint.
	Command []string `json:"command,omitempty"`
	// Args overrides the image's command.
	Args []string `json:"args,omitempty"`
	// Ports the service listens on.
	Ports []Port `json:"ports,omitempty"`
	// Expose is the Service type: ClusterIP (default with ports), NodePort, LoadBalancer, Headless or None.
	Expose string `json:"expose,omitempty"`
	// Env sets environment variables: a value, or a secretRef/configMapRef/fieldRef.
	Env map[string]EnvValue `json:"env,omitempty"`
	// EnvFrom imports all keys of Secrets or ConfigMaps as variables.
	EnvFrom []EnvFrom `json:"envFrom,omitempty"`
	// ConfigFiles mounts local files into the container: mount path → file relative to berth.yaml.
	ConfigFiles map[string]string `json:"configFiles,omitempty"`
	// Probes are the liveness, readiness and startup checks.
	Probes *Probes `json:"probes,omitempty"`
	// Resources are CPU and memory requests and limits.
	Resources *Resources `json:"resources,omitempty"`
	// Strategy is RollingUpdate (default) or Recreate, or a mapping with type, maxSurge, maxUnavailable.
	Strategy *Strategy `json:"strategy,omitempty"`
	// Stateful makes the service a StatefulSet with a headless governing Service and per-pod volumes.
	Stateful bool `json:"stateful,omitempty"`
	// Volumes are persistent volumes mounted into the container.
	Volumes []Volume `json:"volumes,omitempty"`
	// Autoscale adds a HorizontalPodAutoscaler.
	Autoscale *Autoscale `json:"autoscale,omitempty"`
	// Ingress routes external HTTP traffic to one of the service's ports.
	Ingress *Ingress `json:"ingress,omitempty"`
	// SecurityContext sets the user, group and filesystem rights the pods run with.
	SecurityContext *SecurityContext `json:"securityContext,omitempty"`
	// ImagePullPolicy is IfNotPresent, Always or Never.
	ImagePullPolicy string `json:"imagePullPolicy,omitempty"`
	// ImagePullSecrets name Secrets holding registry credentials.
	ImagePullSecrets []string `json:"imagePullSecrets,omitempty"`
	// NodeSelector constrains pods to nodes with these labels.
	NodeSelector map[string]string `json:"nodeSelector,omitempty"`
	// Tolerations let pods schedule onto tainted nodes.
	Tolerations []Toleration `json:"tolerations,omitempty"`
	// Labels are added to every object of the service.
	Labels map[string]string `json:"labels,omitempty"`
	// Annotations are added to every object of the service.
	Annotations map[string]string `json:"annotations,omitempty"`
	// PodAnnotations are added to the pod template.
	PodAnnotations map[string]string `json:"podAnnotations,omitempty"`
}

// Chart is a third-party Helm chart berth installs or upgrades.
type Chart struct {
	// Repo is the chart repository URL (https://…); leave it out for an oci:// chart.
	Repo string `json:"repo,omitempty"`
	// Chart is the chart's name in repo, or an oci://REGISTRY/PATH reference.
	Chart string `json:"chart,omitempty"`
	// Version is a version or a semver range such as 4.x; the newest when empty.
	Version string `json:"version,omitempty"`
	// Namespace of the release (default: the application's namespace); created when missing.
	Namespace string `json:"namespace,omitempty"`
	// Values are the chart's values, as helm install -f would take them.
	Values map[string]any `json:"values,omitempty"`
}

// Build describes how berth builds a service's image.
type Build struct {
	// Context is the build context directory, relative to berth.yaml (default .).
	Context string `json:"context,omitempty"`
	// Dockerfile is the Dockerfile path, relative to the context (default Dockerfile).
	Dockerfile string `json:"dockerfile,omitempty"`
	// Builder is auto (default), berth, docker, podman, buildah, nerdctl or minikube.
	Builder string `json:"builder,omitempty"`
	// Target is the Dockerfile stage to build.
	Target string `json:"target,omitempty"`
	// Args are build arguments.
	Args map[string]string `json:"args,omitempty"`
	// Platforms to build, e.g. linux/amd64.
	Platforms []string `json:"platforms,omitempty"`
	// Layers are context directories put in their own image layer before the rest (e.g. node_modules).
	Layers []string `json:"layers,omitempty"`
	// From overrides the Dockerfile's base image.
	From string `json:"from,omitempty"`
}

// Port is a port the service listens on.
type Port struct {
	// Name is the port name (≤ 15 characters, lowercase); probes and ingress refer to it.
	Name string `json:"name,omitempty"`
	// Port is the Service port.
	Port int32 `json:"port"`
	// TargetPort is the container port (default: port).
	TargetPort int32 `json:"targetPort,omitempty"`
	// Protocol is TCP (default), UDP or SCTP.
	Protocol string `json:"protocol,omitempty"`
	// NodePort pins the node port (30000-32767) for NodePort and LoadBalancer services.
	NodePort int32 `json:"nodePort,omitempty"`
}

// EnvValue is an environment variable: a literal value or a reference.
type EnvValue struct {
	// Value is the literal value.
	Value string `json:"-"`
	// SecretRef takes the value from a Secret key.
	SecretRef *KeyRef `json:"secretRef,omitempty"`
	// ConfigMapRef takes the value from a ConfigMap key.
	ConfigMapRef *KeyRef `json:"configMapRef,omitempty"`
	// FieldRef takes the value from a pod field, e.g. metadata.name or status.podIP.
	FieldRef string `json:"fieldRef,omitempty"`
}

// KeyRef names a key of a Secret or ConfigMap.
type KeyRef struct {
	// Name of the Secret or ConfigMap.
	Name string `json:"name"`
	// Key inside it.
	Key string `json:"key"`
	// Optional lets the pod start when the key is missing.
	Optional bool `json:"optional,omitempty"`
}

// UnmarshalJSON accepts a scalar (string, number or boolean) or a reference mapping.
func (e *EnvValue) UnmarshalJSON(b []byte) error {
	switch {
	case len(b) > 0 && b[0] == '{':
		type plain EnvValue
		var p plain
		if err := json.Unmarshal(b, &p); err != nil {
			return err
		}
		*e = EnvValue(p)
		return nil
	case len(b) > 0 && b[0] == '"':
		return json.Unmarshal(b, &e.Value)
	case string(b) == "null":
		*e = EnvValue{}
		return nil
	default: // numbers and booleans keep their YAML spelling
		*e = EnvValue{Value: string(b)}
		return nil
	}
}

// MarshalJSON writes a literal as a string.
func (e EnvValue) MarshalJSON() ([]byte, error) {
	if e.SecretRef == nil && e.ConfigMapRef == nil && e.FieldRef == "" {
		return json.Marshal(e.Value)
	}
	type plain EnvValue
	return json.Marshal(plain(e))
}

// EnvFrom imports a whole Secret or ConfigMap.
type EnvFrom struct {
	// Secret names a Secret.
	Secret string `json:"secret,omitempty"`
	// ConfigMap names a ConfigMap.
	ConfigMap string `json:"configMap,omitempty"`
	// Prefix is prepended to every variable name.
	Prefix string `json:"prefix,omitempty"`
}

// Probes groups the container checks.
type Probes struct {
	// Liveness restarts the container when it fails.
	Liveness *Probe `json:"liveness,omitempty"`
	// Readiness removes the pod from Service endpoints while it fails.
	Readiness *Probe `json:"readiness,omitempty"`
	// Startup holds the other probes until the app has started.
	Startup *Probe `json:"startup,omitempty"`
}

// Probe is one check: exactly one of http, tcp, exec or grpc.
type Probe struct {
	// HTTP checks with an HTTP GET.
	HTTP *HTTPCheck `json:"http,omitempty"`
	// TCP checks that a port accepts connections.
	TCP *TCPCheck `json:"tcp,omitempty"`
	// Exec runs a command in the container.
	Exec *ExecCheck `json:"exec,omitempty"`
	// GRPC uses the gRPC health protocol.
	GRPC *TCPCheck `json:"grpc,omitempty"`
	// InitialDelay before the first check, e.g. 3s.
	InitialDelay *Duration `json:"initialDelay,omitempty"`
	// Period between checks, e.g. 10s.
	Period *Duration `json:"period,omitempty"`
	// Timeout of one check.
	Timeout *Duration `json:"timeout,omitempty"`
	// FailureThreshold is the consecutive failures that count as failed.
	FailureThreshold int32 `json:"failureThreshold,omitempty"`
	// SuccessThreshold is the consecutive successes that count as passed.
	SuccessThreshold int32 `json:"successThreshold,omitempty"`
}

// HTTPCheck is an HTTP GET probe.
type HTTPCheck struct {
	// Path to request, e.g. /health.
	Path string `json:"path,omitempty"`
	// Port is a port name of the service or a number.
	Port PortRef `json:"port"`
	// Scheme is HTTP (default) or HTTPS.
	Scheme string `json:"scheme,omitempty"`
	// Headers to send.
	Headers map[string]string `json:"headers,omitempty"`
}

// TCPCheck is a TCP (or gRPC) probe.
type TCPCheck struct {
	// Port is a port name of the service or a number.
	Port PortRef `json:"port"`
}

// ExecCheck runs a command.
type ExecCheck struct {
	// Command and its arguments.
	Command []string `json:"command"`
}

// PortRef refers to a port by name or number.
type PortRef struct {
	// Name is set when the reference is a name.
	Name string
	// Number is set when the reference is a number.
	Number int32
}

// String returns the name or the number.
func (p PortRef) String() string {
	if p.Name != "" {
		return p.Name
	}
	return strconv.Itoa(int(p.Number))
}

// IsZero reports an empty reference.
func (p PortRef) IsZero() bool { return p.Name == "" && p.Number == 0 }

// UnmarshalJSON accepts a name or a number.
func (p *PortRef) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if n, err := strconv.Atoi(s); err == nil {
			*p = PortRef{Number: int32(n)}
			return nil
		}
		*p = PortRef{Name: s}
		return nil
	}
	var n int32
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*p = PortRef{Number: n}
	return nil
}

// MarshalJSON writes the name or the number.
func (p PortRef) MarshalJSON() ([]byte, error) {
	if p.Name != "" {
		return json.Marshal(p.Name)
	}
	return json.Marshal(p.Number)
}

// Duration is a Go/Kubernetes style duration such as 3s, 1m30s, or a number of seconds.
type Duration struct {
	// D is the parsed duration.
	D time.Duration
	// Raw is the text as written.
	Raw string
}

// UnmarshalJSON accepts "3s" or 3 (seconds). Parse errors surface in validation.
func (d *Duration) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &d.Raw); err != nil {
			return err
		}
		d.D, _ = time.ParseDuration(d.Raw)
		return nil
	}
	var n float64
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	d.Raw = string(b)
	d.D = time.Duration(n * float64(time.Second))
	return nil
}

// MarshalJSON writes the text as written: a number stays a number.
func (d Duration) MarshalJSON() ([]byte, error) {
	if _, err := strconv.ParseFloat(d.Raw, 64); err == nil {
		return []byte(d.Raw), nil
	}
	return json.Marshal(d.Raw)
}

// Seconds rounds up to whole seconds, as Kubernetes probe fields take.
func (d Duration) Seconds() int32 {
	s := d.D / time.Second
	if d.D%time.Second != 0 {
		s++
	}
	return int32(s)
}

// Resources are requests and limits.
type Resources struct {
	// Requests are what the scheduler reserves.
	Requests *ResourceList `json:"requests,omitempty"`
	// Limits are the most the container may use.
	Limits *ResourceList `json:"limits,omitempty"`
}

// ResourceList is an amount of CPU, memory and ephemeral storage.
type ResourceList struct {
	// CPU in cores or millicores, e.g. 100m or 0.5.
	CPU Quantity `json:"cpu,omitempty"`
	// Memory in bytes with a suffix, e.g. 128Mi.
	Memory Quantity `json:"memory,omitempty"`
	// EphemeralStorage in bytes with a suffix.
	EphemeralStorage Quantity `json:"ephemeral-storage,omitempty"`
}

// Quantity is a Kubernetes resource quantity written as a string or a number.
type Quantity string

// UnmarshalJSON accepts strings and numbers.
func (q *Quantity) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*q = Quantity(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*q = Quantity(n.String())
	return nil
}

// Strategy is how a Deployment replaces pods.
type Strategy struct {
	// Type is RollingUpdate or Recreate.
	Type string `json:"type,omitempty"`
	// MaxSurge is how many extra pods a rolling update may create (number or percentage).
	MaxSurge *IntOrPercent `json:"maxSurge,omitempty"`
	// MaxUnavailable is how many pods may be unavailable during a rolling update.
	MaxUnavailable *IntOrPercent `json:"maxUnavailable,omitempty"`
}

// UnmarshalJSON accepts a strategy name or a mapping.
func (s *Strategy) UnmarshalJSON(b []byte) error {
	var name string
	if json.Unmarshal(b, &name) == nil {
		*s = Strategy{Type: name}
		return nil
	}
	type plain Strategy
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*s = Strategy(p)
	return nil
}

// IntOrPercent is a count such as 1 or a percentage such as 25%.
type IntOrPercent string

// UnmarshalJSON accepts strings and integers.
func (v *IntOrPercent) UnmarshalJSON(b []byte) error {
	q := Quantity("")
	if err := q.UnmarshalJSON(b); err != nil {
		return err
	}
	*v = IntOrPercent(q)
	return nil
}

// Volume is a persistent volume mounted into the container.
type Volume struct {
	// Name of the volume (DNS-1123 label); the PVC is named SERVICE-NAME.
	Name string `json:"name"`
	// MountPath inside the container.
	MountPath string `json:"mountPath"`
	// Size of the claim, e.g. 256Mi.
	Size Quantity `json:"size"`
	// AccessMode is ReadWriteOnce (default), ReadWriteMany, ReadOnlyMany or ReadWriteOncePod.
	AccessMode string `json:"accessMode,omitempty"`
	// StorageClass names a class from storageClasses or one in the cluster; the cluster default when empty.
	StorageClass string `json:"storageClass,omitempty"`
	// SubPath mounts a sub-directory of the volume.
	SubPath string `json:"subPath,omitempty"`
	// ReadOnly mounts the volume read-only.
	ReadOnly bool `json:"readOnly,omitempty"`
}

// Autoscale configures a HorizontalPodAutoscaler.
type Autoscale struct {
	// Min replicas.
	Min int32 `json:"min"`
	// Max replicas.
	Max int32 `json:"max"`
	// CPU is the target average CPU utilization in percent of requests.
	CPU int32 `json:"cpu,omitempty"`
	// Memory is the target average memory utilization in percent of requests.
	Memory int32 `json:"memory,omitempty"`
}

// Ingress routes HTTP traffic for a host and path to a service port.
type Ingress struct {
	// Host name, e.g. example.org.
	Host string `json:"host,omitempty"`
	// Path prefix (default /).
	Path string `json:"path,omitempty"`
	// PathType is Prefix (default), Exact or ImplementationSpecific.
	PathType string `json:"pathType,omitempty"`
	// Port is a port name or number of the service (default: its first port).
	Port PortRef `json:"port,omitzero"`
	// ClassName is the IngressClass, e.g. nginx.
	ClassName string `json:"className,omitempty"`
	// TLS terminates HTTPS with a certificate Secret.
	TLS *IngressTLS `json:"tls,omitempty"`
	// Annotations for the ingress controller.
	Annotations map[string]string `json:"annotations,omitempty"`
}

// IngressTLS names the certificate Secret.
type IngressTLS struct {
	// SecretName holds tls.crt and tls.key.
	SecretName string `json:"secretName"`
}

// SecurityContext is the identity and rights a service's pods run with.
type SecurityContext struct {
	// RunAsUser is the user ID the container runs as.
	RunAsUser *int64 `json:"runAsUser,omitempty"`
	// RunAsGroup is the primary group ID of the container process.
	RunAsGroup *int64 `json:"runAsGroup,omitempty"`
	// RunAsNonRoot refuses to start a container whose image runs as root.
	RunAsNonRoot *bool `json:"runAsNonRoot,omitempty"`
	// FSGroup owns mounted volumes, so a non-root process can write to a fresh disk.
	FSGroup *int64 `json:"fsGroup,omitempty"`
	// ReadOnlyRootFilesystem mounts the container's root filesystem read-only.
	ReadOnlyRootFilesystem *bool `json:"readOnlyRootFilesystem,omitempty"`
}

// Toleration lets pods schedule onto nodes with a matching taint.
type Toleration struct {
	// Key of the taint.
	Key string `json:"key,omitempty"`
	// Operator is Equal (default) or Exists.
	Operator string `json:"operator,omitempty"`
	// Value of the taint.
	Value string `json:"value,omitempty"`
	// Effect is NoSchedule, PreferNoSchedule or NoExecute.
	Effect string `json:"effect,omitempty"`
	// TolerationSeconds bounds how long a NoExecute toleration lasts.
	TolerationSeconds *int64 `json:"tolerationSeconds,omitempty"`
}

// StorageClass is a StorageClass object created with the application.
type StorageClass struct {
	// Provisioner, e.g. kubernetes.io/aws-ebs or dobs.csi.digitalocean.com.
	Provisioner string `json:"provisioner"`
	// Parameters for the provisioner.
	Parameters map[string]string `json:"parameters,omitempty"`
	// ReclaimPolicy is Delete (default) or Retain.
	ReclaimPolicy string `json:"reclaimPolicy,omitempty"`
	// Default marks the class as the cluster default.
	Default bool `json:"default,omitempty"`
	// VolumeBindingMode is Immediate (default) or WaitForFirstConsumer.
	VolumeBindingMode string `json:"volumeBindingMode,omitempty"`
	// AllowVolumeExpansion lets claims grow.
	AllowVolumeExpansion *bool `json:"allowVolumeExpansion,omitempty"`
}

// Expose values.
const (
	ExposeClusterIP    = "ClusterIP"
	ExposeNodePort     = "NodePort"
	ExposeLoadBalancer = "LoadBalancer"
	ExposeHeadless     = "Headless"
	ExposeNone         = "None"
)

// Strategy types.
const (
	StrategyRollingUpdate = "RollingUpdate"
	StrategyRecreate      = "Recreate"
)

// EffectiveReplicas is the replica count berth.yaml asks for.
func (s *Service) EffectiveReplicas() int32 {
	if s.Replicas == nil {
		return 1
	}
	return *s.Replicas
}

// MaxReplicas is the most pods the service can run at once by config.
func (s *Service) MaxReplicas() int32 {
	if s.Autoscale != nil && s.Autoscale.Max > s.EffectiveReplicas() {
		return s.Autoscale.Max
	}
	return s.EffectiveReplicas()
}

// EffectiveName is the port's name, or for an unnamed port its protocol
// and number, e.g. tcp-8080: the name berth gives it in the manifests.
func (p Port) EffectiveName() string {
	if p.Name != "" {
		return p.Name
	}
	proto := p.Protocol
	if proto == "" {
		proto = "TCP"
	}
	return strings.ToLower(proto) + "-" + strconv.Itoa(int(p.Port))
}

// Port returns the port a reference names, or nil.
func (s *Service) Port(ref PortRef) *Port {
	for i := range s.Ports {
		p := &s.Ports[i]
		if ref.Name != "" && p.EffectiveName() == ref.Name {
			return p
		}
		if ref.Name == "" && (p.Port == ref.Number || p.TargetPort == ref.Number) {
			return p
		}
	}
	return nil
}

// String describes a Target for messages.
func (t *Target) String() string {
	if t == nil || t.Kind == "" {
		return TargetKube
	}
	return t.Kind
}

var _ fmt.Stringer = (*Target)(nil)
