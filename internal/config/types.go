package config

import (
	"encoding/json"
	"strconv"
	"strings"
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
	// Secrets are app-level Secrets (object name = key); values usually come from ${VARS} or a file (${file:PATH}), or are encrypted in the file as ENC[age:…] (berth secrets encrypt).
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
	// SecretFiles mounts keys of Secrets as read-only files: mount path → {name, key}.
	SecretFiles map[string]SecretFile `json:"secretFiles,omitempty"`
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

// SecretFile names the key of a Secret mounted as a file.
type SecretFile struct {
	// Name of the Secret: one under secrets, or one made outside berth.yaml.
	Name string `json:"name"`
	// Key inside it.
	Key string `json:"key"`
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
