package registry

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// Checker asks registries whether images exist.
type Checker struct {
	// Keychain finds credentials; authn.DefaultKeychain when nil.
	Keychain authn.Keychain
	// Timeout bounds the check of one image (default 10 s).
	Timeout time.Duration
	// Transport is the HTTP transport (remote.DefaultTransport when nil).
	Transport http.RoundTripper
}

// Problem is an image that could not be confirmed.
type Problem struct {
	Image string `json:"image"`
	// Missing is true when the registry answered that the image does not
	// exist; false when it could not be asked (network, credentials).
	Missing bool   `json:"missing"`
	Err     string `json:"error"`
}

func (p Problem) String() string {
	if p.Missing {
		return fmt.Sprintf("%s: not in the registry (%s)", p.Image, p.Err)
	}
	return fmt.Sprintf("%s: could not check (%s)", p.Image, p.Err)
}

// Check asks the registry of every image (in parallel, each once) whether
// its manifest exists, with a HEAD request like docker manifest inspect,
// and returns the images it could not confirm, sorted.
func (c *Checker) Check(ctx context.Context, images []string) []Problem {
	images = slices.Clone(images)
	slices.Sort(images)
	images = slices.Compact(images)
	problems := make([]*Problem, len(images))
	var wg sync.WaitGroup
	for i, img := range images {
		wg.Go(func() { problems[i] = c.check(ctx, img) })
	}
	wg.Wait()
	var out []Problem
	for _, p := range problems {
		if p != nil {
			out = append(out, *p)
		}
	}
	return out
}

func (c *Checker) check(ctx context.Context, image string) *Problem {
	ref, err := name.ParseReference(image)
	if err != nil {
		return &Problem{Image: image, Err: err.Error()}
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	kc := c.Keychain
	if kc == nil {
		kc = authn.DefaultKeychain
	}
	opts := []remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(kc)}
	if c.Transport != nil {
		opts = append(opts, remote.WithTransport(c.Transport))
	}
	_, err = remote.Head(ref, opts...)
	if err == nil {
		return nil
	}
	return &Problem{Image: image, Missing: IsNotFound(err), Err: errorText(err)}
}

// IsNotFound reports whether err is a registry's answer that a manifest or
// repository does not exist.
func IsNotFound(err error) bool {
	var te *transport.Error
	if !errors.As(err, &te) {
		return false
	}
	if te.StatusCode == http.StatusNotFound {
		return true
	}
	for _, d := range te.Errors {
		if d.Code == transport.ManifestUnknownErrorCode || d.Code == transport.NameUnknownErrorCode {
			return true
		}
	}
	return false
}

// errorText is err without ggcr's long request dumps.
func errorText(err error) string {
	var te *transport.Error
	if errors.As(err, &te) {
		if te.StatusCode == http.StatusNotFound {
			return "HTTP 404"
		}
		if len(te.Errors) > 0 {
			return te.Errors[0].String()
		}
		return fmt.Sprintf("HTTP %d", te.StatusCode)
	}
	return err.Error()
}
