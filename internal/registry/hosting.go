package registry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
	"sigs.k8s.io/yaml"
)

// The standard place a cluster advertises its local registry (KEP-1755,
// as kind, k3d, minikube's registry addon and Tilt use it).
const (
	HostingNamespace = "kube-public"
	HostingName      = "local-registry-hosting"
	HostingKey       = "localRegistryHosting.v1"
)

// Hosting is a cluster's local registry as KEP-1755's
// LocalRegistryHostingV1 describes it.
type Hosting struct {
	// Host is where tools outside the cluster push (HOST[:PORT]).
	Host string `json:"host,omitempty"`
	// HostFromContainerRuntime is where the nodes' container runtime
	// pulls from: the host image references in manifests use. Empty: Host.
	HostFromContainerRuntime string `json:"hostFromContainerRuntime,omitempty"`
	// HostFromClusterNetwork is where Pods reach the registry.
	HostFromClusterNetwork string `json:"hostFromClusterNetwork,omitempty"`
	// Help is a URL on setting up the cluster's registry; tools show it
	// when Host is empty.
	Help string `json:"help,omitempty"`
}

// PullHost is the host the cluster's nodes pull images from.
func (h Hosting) PullHost() string {
	if h.HostFromContainerRuntime != "" {
		return h.HostFromContainerRuntime
	}
	return h.Host
}

// PullRef is ref, an image pushed to Host, as the nodes name it (on
// PullHost); other references are returned as they are.
func (h Hosting) PullRef(ref string) string {
	if h.Host == "" || !strings.HasPrefix(ref, h.Host+"/") {
		return ref
	}
	return h.PullHost() + strings.TrimPrefix(ref, h.Host)
}

// ParseHosting reads the value of the localRegistryHosting.v1 key. Fields
// it does not know are ignored, as the KEP asks of readers; a value that
// is not a YAML mapping of strings, or a host that is not HOST[:PORT], is
// an error.
func ParseHosting(data string) (Hosting, error) {
	var h Hosting
	if strings.TrimSpace(data) == "" {
		return h, errors.New("the value is empty")
	}
	if err := yaml.Unmarshal([]byte(data), &h); err != nil {
		return Hosting{}, fmt.Errorf("not the KEP-1755 format (host, hostFromContainerRuntime, hostFromClusterNetwork, help): %w", err)
	}
	for _, f := range []struct{ field, v string }{
		{"host", h.Host}, {"hostFromContainerRuntime", h.HostFromContainerRuntime}, {"hostFromClusterNetwork", h.HostFromClusterNetwork},
	} {
		if f.v == "" {
			continue
		}
		if _, err := name.NewRegistry(f.v, name.StrictValidation); err != nil || strings.ContainsAny(f.v, "/ ") {
			return Hosting{}, fmt.Errorf("%s %q is not a registry HOST[:PORT]", f.field, f.v)
		}
	}
	if h.Host == "" && h.Help == "" {
		return Hosting{}, errors.New("neither host nor help is set")
	}
	if h.Host == "" && h.HostFromContainerRuntime != "" {
		return Hosting{}, errors.New("hostFromContainerRuntime is set but host is not: nothing to push to")
	}
	return h, nil
}

// lookupTimeout bounds Lookup's one request: a command that only needs
// the cluster for this (berth build) must not hang on one that is away.
const lookupTimeout = 5 * time.Second

// ErrNotAdvertised is what Discovery.Read's error wraps when the cluster
// advertises no registry, or berth may not read where it would.
var ErrNotAdvertised = errors.New("the cluster advertises no local registry")

// HostingError is an advertisement berth cannot use: it names the
// ConfigMap and key.
type HostingError struct {
	// Source is NAMESPACE/NAME of the ConfigMap.
	Source string
	Err    error
}

func (e *HostingError) Error() string {
	return fmt.Sprintf("ConfigMap %s, key %s: %v", e.Source, HostingKey, e.Err)
}

func (e *HostingError) Unwrap() error { return e.Err }

// Advertisement is the local registry a cluster advertises, and where.
type Advertisement struct {
	Hosting
	// Source is NAMESPACE/NAME of the ConfigMap that advertises it.
	Source string
}

// Discovery reads the registry a cluster advertises.
type Discovery struct {
	// ConfigMaps reads ConfigMaps (a clientset's CoreV1()).
	ConfigMaps corev1client.ConfigMapsGetter
	// Namespace and Name locate the ConfigMap; empty means the standard
	// kube-public/local-registry-hosting. Tests on a shared cluster point
	// them at a ConfigMap of their own.
	Namespace, Name string
}

// Source is NAMESPACE/NAME of the ConfigMap d reads.
func (d Discovery) Source() string {
	return cmpOr(d.Namespace, HostingNamespace) + "/" + cmpOr(d.Name, HostingName)
}

// Read returns the cluster's advertisement. No ConfigMap, or no right to
// read it, is an error wrapping ErrNotAdvertised (saying which); a
// ConfigMap berth cannot use is a *HostingError. An advertisement with no
// host (only help) is returned: the cluster has no registry yet.
func (d Discovery) Read(ctx context.Context) (*Advertisement, error) {
	src := d.Source()
	cm, err := d.ConfigMaps.ConfigMaps(cmpOr(d.Namespace, HostingNamespace)).Get(ctx, cmpOr(d.Name, HostingName), metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return nil, fmt.Errorf("%w: no ConfigMap %s", ErrNotAdvertised, src)
	case apierrors.IsForbidden(err), apierrors.IsUnauthorized(err):
		return nil, fmt.Errorf("%w: cannot read ConfigMap %s: %w", ErrNotAdvertised, src, err)
	case err != nil:
		return nil, fmt.Errorf("reading ConfigMap %s: %w", src, err)
	}
	data, ok := cm.Data[HostingKey]
	if !ok {
		return nil, &HostingError{Source: src, Err: errors.New("the key is missing")}
	}
	h, err := ParseHosting(data)
	if err != nil {
		return nil, &HostingError{Source: src, Err: err}
	}
	return &Advertisement{Hosting: h, Source: src}, nil
}

// Lookup is the registry to push to when berth.yaml names none
// (configured is its registry:, "" when unset): the cluster's
// advertisement, announced with one line on log, or nil. An explicit
// registry always wins and the cluster is not asked. An unusable
// advertisement is a warning on log; none, no right to read it, or no
// cluster answering (within lookupTimeout) is a line on debug: the
// command goes on as without an advertisement. An advertisement with help
// and no host (the cluster can have a registry, has none yet) prints its
// help on log and returns nil. Nil writers discard.
func (d Discovery) Lookup(ctx context.Context, configured string, log, debug io.Writer) *Advertisement {
	if configured != "" {
		return nil
	}
	log, debug = orDiscard(log), orDiscard(debug)
	ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	a, err := d.Read(ctx)
	var he *HostingError
	switch {
	case errors.As(err, &he):
		fmt.Fprintf(log, "warning: ignoring the cluster's registry advertisement: %v\n", err)
		return nil
	case err != nil:
		fmt.Fprintf(debug, "registry: %v\n", err)
		return nil
	case a.Host == "":
		fmt.Fprintf(log, "registry: the cluster advertises no registry host yet (%s); to set one up see %s\n", a.Source, a.Help)
		return nil
	}
	line := fmt.Sprintf("registry: using %s, advertised by the cluster (%s)", a.Host, a.Source)
	if a.PullHost() != a.Host {
		line += "; the nodes pull from " + a.PullHost()
	}
	fmt.Fprintln(log, line)
	return a
}

// PullRefs is images (service → reference) as the nodes name them
// (Hosting.PullRef); a nil a returns images.
func (a *Advertisement) PullRefs(images map[string]string) map[string]string {
	if a == nil {
		return images
	}
	out := make(map[string]string, len(images))
	for k, v := range images {
		out[k] = a.PullRef(v)
	}
	return out
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}
