package target

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/digitalocean/godo"
	"golang.org/x/oauth2"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/yaml"

	"github.com/berth-dev/berth/internal/config"
)

// DigitalOcean defaults, after the reference deployment: three nodes with
// 4 GB each.
const (
	DefaultRegion    = "ams3"
	DefaultSize      = "s-2vcpu-4gb"
	DefaultNodeCount = 3
	// RegistryHost is DigitalOcean Container Registry's host.
	RegistryHost = "registry.digitalocean.com"
	// BlockStorageClass is DOKS's StorageClass for volumes.
	BlockStorageClass = "do-block-storage"
)

// DigitalOcean creates or reuses a DigitalOcean Kubernetes cluster and its
// container registry through the DigitalOcean API (godo).
type DigitalOcean struct {
	Client *godo.Client
	// Spec is berth.yaml's target with defaults filled in.
	Spec config.DigitalOceanTarget
	Log  io.Writer
	// Poll is how often cluster state is read while waiting (10 s).
	Poll time.Duration

	token string // cut out of errors and logs
}

// Token finds the API token: the flag, DIGITALOCEAN_ACCESS_TOKEN, then
// doctl's config file. It returns the token and where it came from; the
// token itself is never printed.
func Token(flag string, getenv func(string) string, home string) (token, source string, err error) {
	if flag != "" {
		return flag, "--access-token", nil
	}
	if t := getenv("DIGITALOCEAN_ACCESS_TOKEN"); t != "" {
		return t, "DIGITALOCEAN_ACCESS_TOKEN", nil
	}
	cfgDir := getenv("XDG_CONFIG_HOME")
	if cfgDir == "" {
		cfgDir = filepath.Join(home, ".config")
	}
	file := filepath.Join(cfgDir, "doctl", "config.yaml")
	if data, err := os.ReadFile(file); err == nil {
		var doctl struct {
			AccessToken  string            `json:"access-token"`
			Context      string            `json:"context"`
			AuthContexts map[string]string `json:"auth-contexts"`
		}
		if err := yaml.Unmarshal(data, &doctl); err == nil {
			if t := doctl.AuthContexts[doctl.Context]; doctl.Context != "" && doctl.Context != "default" && t != "" {
				return t, file + " (context " + doctl.Context + ")", nil
			}
			if doctl.AccessToken != "" {
				return doctl.AccessToken, file, nil
			}
		}
	}
	return "", "", &Error{Err: errors.New("no DigitalOcean API token"),
		Fix: "create one at https://cloud.digitalocean.com/account/api/tokens (read and write), then export DIGITALOCEAN_ACCESS_TOKEN=... or run doctl auth init"}
}

// NewDigitalOcean builds the client. baseURL is the API endpoint (tests
// point it at a local server; "" is the real API); retryWait is the first
// wait between retries of 429 and 5xx answers.
func NewDigitalOcean(token, baseURL string, retryWait time.Duration, spec *config.DigitalOceanTarget, appName string, log io.Writer) (*DigitalOcean, error) {
	// godo's retries (go-retryablehttp: 429 and 5xx, with backoff) need
	// an oauth2 transport.
	hc := oauth2.NewClient(context.Background(), oauth2.StaticTokenSource(&oauth2.Token{AccessToken: token}))
	hc.Timeout = 60 * time.Second
	opts := []godo.ClientOpt{godo.SetUserAgent("berth"), godo.WithRetryAndBackoffs(godo.RetryConfig{
		RetryMax: 4, RetryWaitMin: godo.PtrTo(retryWait.Seconds()), RetryWaitMax: godo.PtrTo(8.0),
	})}
	if baseURL != "" {
		opts = append(opts, godo.SetBaseURL(baseURL))
	}
	c, err := godo.New(hc, opts...)
	if err != nil {
		return nil, err
	}
	d := &DigitalOcean{Client: c, Log: log, Poll: 10 * time.Second, token: token}
	if spec != nil {
		d.Spec = *spec
	}
	if d.Spec.Cluster == "" {
		d.Spec.Cluster = appName
	}
	if d.Spec.Region == "" {
		d.Spec.Region = DefaultRegion
	}
	if d.Spec.Version == "" {
		d.Spec.Version = "latest"
	}
	np := config.NodePool{Size: DefaultSize, Count: DefaultNodeCount}
	if d.Spec.NodePool != nil {
		np = *d.Spec.NodePool
		if np.Size == "" {
			np.Size = DefaultSize
		}
		if np.Count == 0 {
			np.Count = DefaultNodeCount
		}
	}
	d.Spec.NodePool = &np
	return d, nil
}

func (d *DigitalOcean) logf(format string, args ...any) {
	if d.Log != nil {
		msg := fmt.Sprintf(format, args...)
		if d.token != "" {
			msg = strings.ReplaceAll(msg, d.token, "(token)")
		}
		fmt.Fprintln(d.Log, msg)
	}
}

// Find returns the cluster named Spec.Cluster, or nil.
func (d *DigitalOcean) Find(ctx context.Context) (*godo.KubernetesCluster, error) {
	opt := &godo.ListOptions{PerPage: 200}
	for {
		list, resp, err := d.Client.Kubernetes.List(ctx, opt)
		if err != nil {
			return nil, d.explain(err)
		}
		for _, c := range list {
			if c.Name == d.Spec.Cluster {
				return c, nil
			}
		}
		if resp == nil || resp.Links == nil || resp.Links.IsLastPage() {
			return nil, nil
		}
		page, err := resp.Links.CurrentPage()
		if err != nil {
			return nil, err
		}
		opt.Page = page + 1
	}
}

// Plan is what up would create on DigitalOcean, with monthly prices.
type Plan struct {
	Cluster        string  `json:"cluster"`
	Region         string  `json:"region"`
	Version        string  `json:"version"`
	Exists         bool    `json:"exists"`
	Size           string  `json:"size"`
	Nodes          int     `json:"nodes"`
	MaxNodes       int     `json:"maxNodes,omitempty"`
	NodeMonthly    float64 `json:"nodeMonthlyUSD"`
	Registry       string  `json:"registry,omitempty"`
	RegistryExists bool    `json:"registryExists"`
	MonthlyUSD     float64 `json:"monthlyUSD"`
}

// Plan reads what exists and prices what would be created; it changes
// nothing.
func (d *DigitalOcean) Plan(ctx context.Context) (*Plan, error) {
	np := d.Spec.NodePool
	p := &Plan{Cluster: d.Spec.Cluster, Region: d.Spec.Region, Version: d.Spec.Version, Size: np.Size, Nodes: np.Count, Registry: d.Spec.Registry}
	if np.Autoscale != nil {
		p.Nodes, p.MaxNodes = max(np.Autoscale.Min, 1), np.Autoscale.Max
	}
	c, err := d.Find(ctx)
	if err != nil {
		return nil, err
	}
	p.Exists = c != nil
	if err := d.checkOptions(ctx); err != nil {
		return nil, err
	}
	sizes, _, err := d.Client.Sizes.List(ctx, &godo.ListOptions{PerPage: 200})
	if err != nil {
		return nil, d.explain(err)
	}
	for _, s := range sizes {
		if s.Slug == np.Size {
			p.NodeMonthly = s.PriceMonthly
		}
	}
	if !p.Exists {
		p.MonthlyUSD = p.NodeMonthly * float64(p.Nodes)
	}
	if d.Spec.Registry != "" {
		r, resp, err := d.Client.Registry.Get(ctx)
		switch {
		case err == nil:
			p.RegistryExists = r.Name == d.Spec.Registry
		case resp != nil && resp.StatusCode == http.StatusNotFound:
		default:
			return nil, d.explain(err)
		}
	}
	return p, nil
}

// checkOptions checks region, size and version against what DOKS offers,
// listing the valid ones when they do not fit.
func (d *DigitalOcean) checkOptions(ctx context.Context) error {
	o, _, err := d.Client.Kubernetes.GetOptions(ctx)
	if err != nil {
		return d.explain(err)
	}
	var regions, sizes, versions []string
	for _, r := range o.Regions {
		regions = append(regions, r.Slug)
	}
	for _, s := range o.Sizes {
		sizes = append(sizes, s.Slug)
	}
	for _, v := range o.Versions {
		versions = append(versions, v.Slug)
	}
	switch {
	case !slices.Contains(regions, d.Spec.Region):
		return &Error{Err: fmt.Errorf("region %q does not offer Kubernetes", d.Spec.Region), Fix: "use one of: " + strings.Join(regions, ", ")}
	case !slices.Contains(sizes, d.Spec.NodePool.Size):
		return &Error{Err: fmt.Errorf("node size %q is not available for Kubernetes", d.Spec.NodePool.Size), Fix: "use one of: " + strings.Join(sizes, ", ")}
	case d.Spec.Version != "latest" && !slices.Contains(versions, d.Spec.Version):
		return &Error{Err: fmt.Errorf("Kubernetes version %q is not offered", d.Spec.Version), Fix: "use latest or one of: " + strings.Join(versions, ", ")}
	}
	return nil
}

// EnsureCluster returns the cluster, creating it when it does not exist.
// created tells which. A second call creates nothing.
func (d *DigitalOcean) EnsureCluster(ctx context.Context) (cluster *godo.KubernetesCluster, created bool, err error) {
	c, err := d.Find(ctx)
	if err != nil || c != nil {
		return c, false, err
	}
	if err := d.checkOptions(ctx); err != nil {
		return nil, false, err
	}
	np := d.Spec.NodePool
	pool := &godo.KubernetesNodePoolCreateRequest{Name: d.Spec.Cluster + "-default", Size: np.Size, Count: np.Count}
	if np.Autoscale != nil {
		pool.AutoScale, pool.MinNodes, pool.MaxNodes = true, np.Autoscale.Min, np.Autoscale.Max
		pool.Count = max(np.Autoscale.Min, 1)
	}
	req := &godo.KubernetesClusterCreateRequest{
		Name: d.Spec.Cluster, RegionSlug: d.Spec.Region, VersionSlug: d.Spec.Version,
		Tags: []string{"berth"}, NodePools: []*godo.KubernetesNodePoolCreateRequest{pool},
	}
	d.logf("creating cluster %s in %s: %d × %s", d.Spec.Cluster, d.Spec.Region, pool.Count, pool.Size)
	c, _, err = d.Client.Kubernetes.Create(ctx, req)
	if err != nil {
		return nil, false, d.explain(err)
	}
	return c, true, nil
}

// WaitRunning polls the cluster until it runs, printing state changes;
// polls start at one second and slow down to Poll.
func (d *DigitalOcean) WaitRunning(ctx context.Context, id string) (*godo.KubernetesCluster, error) {
	last := ""
	wait := min(time.Second, d.Poll)
	for {
		c, _, err := d.Client.Kubernetes.Get(ctx, id)
		if err != nil {
			return nil, d.explain(err)
		}
		state := ""
		if c.Status != nil {
			state = string(c.Status.State)
			if c.Status.Message != "" {
				state += ": " + c.Status.Message
			}
		}
		if state != last {
			d.logf("cluster %s: %s", c.Name, state)
			last = state
		}
		switch {
		case c.Status != nil && c.Status.State == godo.KubernetesClusterStatusRunning:
			return c, nil
		case c.Status != nil && (c.Status.State == godo.KubernetesClusterStatusError || c.Status.State == godo.KubernetesClusterStatusDeleted || c.Status.State == godo.KubernetesClusterStatusInvalid):
			return nil, fmt.Errorf("cluster %s is %s", c.Name, state)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, d.Poll)
	}
}

// SaveKubeconfig merges the cluster's kubeconfig into file (clusters,
// users and contexts of other names are kept) and returns the context
// name, do-REGION-NAME.
func (d *DigitalOcean) SaveKubeconfig(ctx context.Context, id, file string) (string, error) {
	kc, _, err := d.Client.Kubernetes.GetKubeConfig(ctx, id, nil)
	if err != nil {
		return "", d.explain(err)
	}
	got, err := clientcmd.Load(kc.KubeconfigYAML)
	if err != nil {
		return "", fmt.Errorf("the cluster's kubeconfig: %w", err)
	}
	into := clientcmdapi.NewConfig()
	if _, err := os.Stat(file); err == nil {
		if into, err = clientcmd.LoadFromFile(file); err != nil {
			return "", fmt.Errorf("reading %s: %w", file, err)
		}
	}
	name := "do-" + d.Spec.Region + "-" + d.Spec.Cluster
	var ctxEntry *clientcmdapi.Context
	for _, c := range got.Contexts {
		ctxEntry = c.DeepCopy()
		break
	}
	if ctxEntry == nil {
		return "", errors.New("the cluster's kubeconfig has no context")
	}
	cluster, user := got.Clusters[ctxEntry.Cluster], got.AuthInfos[ctxEntry.AuthInfo]
	if cluster == nil || user == nil {
		return "", errors.New("the cluster's kubeconfig is incomplete")
	}
	into.Clusters[name] = cluster
	into.AuthInfos[name+"-admin"] = user
	ctxEntry.Cluster, ctxEntry.AuthInfo = name, name+"-admin"
	into.Contexts[name] = ctxEntry
	if into.CurrentContext == "" {
		into.CurrentContext = name
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return "", err
	}
	if err := clientcmd.WriteToFile(*into, file); err != nil {
		return "", err
	}
	return name, nil
}

// EnsureRegistry makes sure the account's container registry is the one
// named, creating it when the account has none, and integrates it with the
// cluster so nodes can pull. It returns the registry's image prefix.
func (d *DigitalOcean) EnsureRegistry(ctx context.Context, clusterID string) (string, error) {
	if d.Spec.Registry == "" {
		return "", nil
	}
	r, resp, err := d.Client.Registry.Get(ctx)
	switch {
	case err == nil && r.Name != d.Spec.Registry:
		return "", &Error{Err: fmt.Errorf("the account's container registry is %q, not %q", r.Name, d.Spec.Registry),
			Fix: "an account has one registry: set target.digitalocean.registry: " + r.Name}
	case err == nil:
	case resp != nil && resp.StatusCode == http.StatusNotFound:
		d.logf("creating container registry %s", d.Spec.Registry)
		if _, _, err := d.Client.Registry.Create(ctx, &godo.RegistryCreateRequest{Name: d.Spec.Registry, SubscriptionTierSlug: "starter", Region: d.Spec.Region}); err != nil {
			return "", d.explain(err)
		}
	default:
		return "", d.explain(err)
	}
	if _, err := d.Client.Kubernetes.AddRegistry(ctx, &godo.KubernetesClusterRegistryRequest{ClusterUUIDs: []string{clusterID}}); err != nil {
		return "", d.explain(err)
	}
	return RegistryHost + "/" + d.Spec.Registry, nil
}

// Teardown is what deleting the cluster destroys.
type Teardown struct {
	Cluster       *godo.KubernetesCluster
	LoadBalancers []string
	Volumes       []string
}

// PlanTeardown finds the cluster and what goes with it. Only a cluster
// berth created (tagged berth) may be deleted.
func (d *DigitalOcean) PlanTeardown(ctx context.Context) (*Teardown, error) {
	c, err := d.Find(ctx)
	if err != nil {
		return nil, err
	}
	if c == nil {
		return nil, fmt.Errorf("there is no cluster %s", d.Spec.Cluster)
	}
	if !slices.Contains(c.Tags, "berth") {
		return nil, &Error{Err: fmt.Errorf("cluster %s was not created by berth (it has no berth tag); berth does not delete it", c.Name),
			Fix: "delete it yourself if you mean to: doctl kubernetes cluster delete " + c.Name}
	}
	res, _, err := d.Client.Kubernetes.ListAssociatedResourcesForDeletion(ctx, c.ID)
	if err != nil {
		return nil, d.explain(err)
	}
	t := &Teardown{Cluster: c}
	for _, lb := range res.LoadBalancers {
		t.LoadBalancers = append(t.LoadBalancers, lb.ID+" ("+lb.Name+")")
	}
	for _, v := range res.Volumes {
		t.Volumes = append(t.Volumes, v.ID+" ("+v.Name+")")
	}
	return t, nil
}

// DeleteCluster deletes the cluster with its load balancers; its volumes
// (the data of its PersistentVolumes) only when volumes is true.
func (d *DigitalOcean) DeleteCluster(ctx context.Context, t *Teardown, volumes bool) error {
	req := &godo.KubernetesClusterDeleteSelectiveRequest{LoadBalancers: ids(t.LoadBalancers), Volumes: []string{}, VolumeSnapshots: []string{}}
	if volumes {
		req.Volumes = ids(t.Volumes)
	}
	if _, err := d.Client.Kubernetes.DeleteSelective(ctx, t.Cluster.ID, req); err != nil {
		return d.explain(err)
	}
	return nil
}

func ids(described []string) []string {
	out := []string{}
	for _, s := range described {
		id, _, _ := strings.Cut(s, " ")
		out = append(out, id)
	}
	return out
}

// explain turns API errors into ones that say what to do, and cuts the
// API token out of every message: an API or proxy that echoes the request
// (its Authorization header) must not put the token on screen.
func (d *DigitalOcean) explain(err error) error {
	return scrub(explainAPI(err), d.token)
}

// scrub replaces secret in the message of err, keeping its fix.
func scrub(err error, secret string) error {
	if err == nil || secret == "" || !strings.Contains(err.Error(), secret) {
		return err
	}
	out := &Error{Err: errors.New(strings.ReplaceAll(err.Error(), secret, "(token)"))}
	var te *Error
	if errors.As(err, &te) {
		out.Fix = strings.ReplaceAll(te.Fix, secret, "(token)")
	}
	return out
}

// explainAPI turns API errors into ones that say what to do.
func explainAPI(err error) error {
	var er *godo.ErrorResponse
	if !errors.As(err, &er) || er.Response == nil {
		return err
	}
	msg := strings.TrimSpace(er.Message)
	switch er.Response.StatusCode {
	case http.StatusUnauthorized:
		return &Error{Err: fmt.Errorf("DigitalOcean refused the API token (401): %s", msg),
			Fix: "create a token with read and write scope at https://cloud.digitalocean.com/account/api/tokens and set DIGITALOCEAN_ACCESS_TOKEN"}
	case http.StatusForbidden:
		return &Error{Err: fmt.Errorf("DigitalOcean denied the request (403): %s", msg),
			Fix: "the token lacks write scope, or the account reached a limit (droplets, clusters): see https://cloud.digitalocean.com/account/team"}
	case http.StatusUnprocessableEntity:
		return &Error{Err: fmt.Errorf("DigitalOcean rejected the request (422): %s", msg),
			Fix: "a quota or an option the region lacks; berth up --plan checks region, size and version"}
	case http.StatusTooManyRequests:
		return &Error{Err: fmt.Errorf("DigitalOcean rate limit reached (429), still after retries: %s", msg), Fix: "wait a minute and run berth up again; it resumes"}
	}
	if er.Response.StatusCode >= 500 {
		return &Error{Err: fmt.Errorf("DigitalOcean API failed (%d), still after retries: %s", er.Response.StatusCode, msg), Fix: "try again later; berth up resumes where it stopped"}
	}
	return err
}
