package config

// A service's container: environment, probes, resources and security context.

import (
	"encoding/json"
	"strconv"
	"time"
)

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
