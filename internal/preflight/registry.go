package preflight

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/kube"
	"github.com/berth-dev/berth/internal/registry"
)

// probeTimeout bounds each question to a registry: an image that cannot
// be asked about is skipped, not waited for.
const probeTimeout = 5 * time.Second

// Probes ask registries what the checks need to know (Options' Ping,
// Private and Platforms), each with one attempt and at most 5 seconds.
type Probes struct {
	access registry.Access
}

// RegistryProbes are the Probes that reach registries as access says
// (credentials, CAs, insecure hosts); access is not changed.
func RegistryProbes(access *registry.Access) *Probes {
	pr := &Probes{}
	if access != nil {
		pr.access = *access
	}
	pr.access.Attempts = 1
	return pr
}

// Ping asks registry host for /v2/ and says why it does not answer; any
// HTTP answer (401 included) is one.
func (pr *Probes) Ping(ctx context.Context, host string) error {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	reg, err := pr.access.Reference(host + "/ping")
	if err != nil {
		return err
	}
	t, err := pr.access.Transport()
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, reg.Context().Scheme()+"://"+host+"/v2/", nil)
	if err != nil {
		return err
	}
	resp, err := (&http.Client{Transport: t}).Do(req)
	if err != nil {
		return registry.Explain(err, host, "")
	}
	resp.Body.Close()
	return nil
}

// Private reports whether image's registry refuses it to an anonymous
// pull (401 or 403); an error when it cannot tell.
func (pr *Probes) Private(ctx context.Context, image string) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	ref, err := pr.access.Reference(image)
	if err != nil {
		return false, err
	}
	t, err := pr.access.Transport()
	if err != nil {
		return false, err
	}
	_, err = remote.Head(ref, remote.WithContext(ctx), remote.WithTransport(t), remote.WithAuth(authn.Anonymous))
	var te *transport.Error
	if errors.As(err, &te) && (te.StatusCode == http.StatusUnauthorized || te.StatusCode == http.StatusForbidden) {
		return true, nil
	}
	return false, err
}

// Platforms are the platforms (os/arch[/variant]) image is built for:
// those of an index's manifests (attestations left out), or the image's
// config; nil when the image does not say.
func (pr *Probes) Platforms(ctx context.Context, image string) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	ref, err := pr.access.Reference(image)
	if err != nil {
		return nil, err
	}
	opts, err := pr.access.Options(ctx)
	if err != nil {
		return nil, err
	}
	desc, err := remote.Get(ref, opts...)
	if err != nil {
		return nil, err
	}
	if desc.MediaType.IsIndex() {
		idx, err := desc.ImageIndex()
		if err != nil {
			return nil, err
		}
		im, err := idx.IndexManifest()
		if err != nil {
			return nil, err
		}
		var out []string
		for _, m := range im.Manifests {
			if m.Platform != nil && m.Platform.Architecture != "unknown" {
				out = append(out, m.Platform.String())
			}
		}
		return out, nil
	}
	img, err := desc.Image()
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil || cf.OS == "" || cf.Architecture == "" {
		return nil, err
	}
	return []string{cf.Platform().String()}, nil
}

// ProjectOptions are the Options of checking p before a deploy of images
// (by service): p's target kind, the registry its builds go to (asked
// only when a service is built), and registry probes through access.
func ProjectOptions(p *config.Project, images map[string]string, access *registry.Access) Options {
	kind := config.TargetKube
	if p.Target != nil && p.Target.Kind != "" {
		kind = p.Target.Kind
	}
	buildRegistry := ""
	for _, s := range p.Services {
		if s.Build != nil {
			buildRegistry = p.Registry
		}
	}
	pr := RegistryProbes(access)
	return Options{
		Target:    kind,
		Images:    images,
		Registry:  buildRegistry,
		Ping:      pr.Ping,
		Private:   pr.Private,
		Platforms: pr.Platforms,
		Integrated: func(image string) bool {
			// DOKS nodes pull from an integrated DigitalOcean registry.
			return kind == config.TargetDigitalOcean && strings.HasPrefix(image, registry.DOCR+"/")
		},
	}
}

// Checker runs the checks before a deploy: it is deploy.Pipeline's
// Preflight.
type Checker struct {
	Client *kube.Client
	// Access says how registries are reached (the zero value when nil).
	Access *registry.Access
	// Report hears the results of each Check before it returns (nil:
	// nobody); berth prints the warnings and errors.
	Report func([]Result)
}

// Run runs every check of p in namespace ns, for the images given by
// service.
func (c *Checker) Run(ctx context.Context, p *config.Project, ns string, images map[string]string) []Result {
	return Run(ctx, c.Client, p, ns, ProjectOptions(p, images, c.Access))
}

// Check runs the checks, tells Report, and returns a *FailedError when a
// check has level error.
func (c *Checker) Check(ctx context.Context, p *config.Project, ns string, images map[string]string) error {
	rs := c.Run(ctx, p, ns, images)
	if c.Report != nil {
		c.Report(rs)
	}
	if Failed(rs) {
		return &FailedError{Results: rs}
	}
	return nil
}

// FailedError is a preflight with at least one error: a deploy stops
// before anything is applied.
type FailedError struct {
	// Results are all the checks' results, errors and others.
	Results []Result
}

func (e *FailedError) Error() string { return "preflight checks failed; nothing was applied" }

// Hint says the way on.
func (e *FailedError) Hint() string {
	return "fix the errors above, or skip the checks with --skip-preflight"
}
