package kube

import (
	"fmt"
	"net/http"
	"runtime"
	"sync/atomic"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/scale"

	"github.com/berth-dev/berth/internal/version"
)

// FieldManager is the server-side apply field manager berth uses.
const FieldManager = "berth"

// Client holds the clients of one berth command.
type Client struct {
	Config    *rest.Config
	Clientset kubernetes.Interface
	Dynamic   dynamic.Interface
	Mapper    meta.ResettableRESTMapper
	// Namespace is the kube context's namespace ("" when it sets none).
	Namespace string
	// Scales reaches the scale subresource of any scalable kind.
	Scales scale.ScalesGetter
}

// NewClient builds a Client from kubectl-style flags.
func NewClient(getter genericclioptions.RESTClientGetter) (*Client, error) {
	cfg, err := getter.ToRESTConfig()
	if err != nil {
		return nil, fmt.Errorf("reading the kubeconfig: %w", err)
	}
	ns, _, err := getter.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		ns = ""
	}
	c, err := NewClientFromConfig(cfg)
	if err != nil {
		return nil, err
	}
	c.Namespace = ns
	return c, nil
}

// UserAgent is what berth's requests to the API server say they are. The
// API server names the field manager of writes that set none (kubectl's
// rollout undo, which berth rollout undo runs) after its first word, so it
// must be FieldManager whatever the binary is called: a deploy then takes
// those fields back (see ApplyOptions.TakeFrom).
func UserAgent() string {
	return FieldManager + "/" + version.Get().Version + " (" + runtime.GOOS + "/" + runtime.GOARCH + ")"
}

// NewClientFromConfig builds a Client from a REST config. Rate limits are
// raised so a parallel apply is not throttled client-side; discovery runs
// once, lazily, and is cached in memory for the command. Once the API
// server has answered, requests it refuses (it is restarting) are retried
// for up to RetryFor.
func NewClientFromConfig(cfg *rest.Config) (*Client, error) {
	cfg = rest.CopyConfig(cfg)
	if cfg.UserAgent == "" {
		cfg.UserAgent = UserAgent()
	}
	if cfg.QPS == 0 || cfg.QPS < 100 {
		cfg.QPS = 100
	}
	if cfg.Burst < 200 {
		cfg.Burst = 200
	}
	answered, down := &atomic.Bool{}, &atomic.Pointer[error]{}
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		return &retryTransport{next: rt, answered: answered, down: down, retryFor: RetryFor}
	})
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("building the Kubernetes client: %w", err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("building the dynamic client: %w", err)
	}
	disc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("building the discovery client: %w", err)
	}
	cached := memory.NewMemCacheClient(disc)
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(cached)
	scales, err := scale.NewForConfig(cfg, mapper, dynamic.LegacyAPIPathResolverFunc, scale.NewDiscoveryScaleKindResolver(cached))
	if err != nil {
		return nil, fmt.Errorf("building the scale client: %w", err)
	}
	return &Client{Config: cfg, Clientset: cs, Dynamic: dyn, Mapper: mapper, Scales: scales}, nil
}
