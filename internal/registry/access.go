package registry

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Well-known registries whose tokens berth reads from the environment.
const (
	DOCR = "registry.digitalocean.com"
	GHCR = "ghcr.io"
)

// Access says how berth reaches registries: which hosts are insecure,
// which extra CA to trust, where credentials come from, and how hard to
// retry. The zero value works (Docker config, system CAs, default retry).
type Access struct {
	// Insecure lists registries (host or host:port) reached over plain
	// HTTP, or TLS without verification. localhost and 127.0.0.1 speak
	// plain HTTP anyway.
	Insecure []string
	// CAFile is a PEM bundle trusted besides the system's.
	CAFile string
	// Getenv reads the environment (os.Getenv when nil).
	Getenv func(string) string
	// ConfigDir is the Docker config folder (default $DOCKER_CONFIG, else
	// ~/.docker).
	ConfigDir string
	// UserAgent is sent with every request.
	UserAgent string
	// Attempts bounds retries of 5xx, 429 and broken connections
	// (default 4); Backoff is the first wait, doubled each time (default
	// 500 ms): a registry that stays down fails in seconds, not minutes.
	Attempts int
	Backoff  time.Duration
}

func (a *Access) getenv(k string) string {
	if a.Getenv != nil {
		return a.Getenv(k)
	}
	return os.Getenv(k)
}

func (a *Access) insecure(registry string) bool {
	host, _, _ := strings.Cut(registry, ":")
	return slices.Contains(a.Insecure, registry) || slices.Contains(a.Insecure, host)
}

// Reference parses an image reference; for an insecure registry it allows
// plain HTTP.
func (a *Access) Reference(s string) (name.Reference, error) {
	ref, err := name.ParseReference(s)
	if err != nil {
		return nil, err
	}
	if a.insecure(ref.Context().RegistryStr()) {
		return name.ParseReference(s, name.Insecure)
	}
	return ref, nil
}

// Keychain finds credentials: DIGITALOCEAN_ACCESS_TOKEN for DOCR and
// GITHUB_TOKEN for GHCR when set, else the Docker config (docker login,
// berth registry login, credential helpers).
func (a *Access) Keychain() authn.Keychain {
	return authn.NewMultiKeychain(envKeychain{a}, dockerKeychain{a})
}

type envKeychain struct{ a *Access }

func (k envKeychain) Resolve(r authn.Resource) (authn.Authenticator, error) {
	if c := k.a.envCredential(r.RegistryStr()); c != nil {
		return authn.FromConfig(*c), nil
	}
	return authn.Anonymous, nil
}

func (a *Access) envCredential(registry string) *authn.AuthConfig {
	switch registry {
	case DOCR:
		if t := a.getenv("DIGITALOCEAN_ACCESS_TOKEN"); t != "" {
			// DOCR takes the API token as both user name and password.
			return &authn.AuthConfig{Username: t, Password: t}
		}
	case GHCR:
		if t := a.getenv("GITHUB_TOKEN"); t != "" {
			user := a.getenv("GITHUB_ACTOR")
			if user == "" {
				user = "x-access-token"
			}
			return &authn.AuthConfig{Username: user, Password: t}
		}
	}
	return nil
}

// Source says where the credentials for a registry come from, for
// messages: an environment variable, the Docker config file (with its
// credential helper), or none.
func (a *Access) Source(registry string) string {
	switch {
	case registry == DOCR && a.getenv("DIGITALOCEAN_ACCESS_TOKEN") != "":
		return "DIGITALOCEAN_ACCESS_TOKEN"
	case registry == GHCR && a.getenv("GITHUB_TOKEN") != "":
		return "GITHUB_TOKEN"
	}
	cf, err := a.dockerConfig()
	if err != nil {
		return "none (" + err.Error() + ")"
	}
	key := configKey(registry)
	if h := cf.CredentialHelpers[key]; h != "" {
		return fmt.Sprintf("credential helper docker-credential-%s (%s)", h, cf.Filename)
	}
	if _, ok := cf.AuthConfigs[key]; ok {
		if cf.CredentialsStore != "" {
			return fmt.Sprintf("credential store docker-credential-%s (%s)", cf.CredentialsStore, cf.Filename)
		}
		return cf.Filename
	}
	return "none: no entry in " + cf.Filename
}

// Transport is the HTTP transport: Go's defaults plus CAFile, and no
// certificate verification for insecure registries.
func (a *Access) Transport() (http.RoundTripper, error) {
	t := remote.DefaultTransport.(*http.Transport).Clone()
	if a.CAFile != "" || len(a.Insecure) > 0 {
		cfg := &tls.Config{MinVersion: tls.VersionTLS12}
		if a.CAFile != "" {
			pem, err := os.ReadFile(a.CAFile)
			if err != nil {
				return nil, fmt.Errorf("--registry-ca: %w", err)
			}
			pool, err := x509.SystemCertPool()
			if err != nil || pool == nil {
				pool = x509.NewCertPool()
			}
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("--registry-ca %s holds no PEM certificate", a.CAFile)
			}
			cfg.RootCAs = pool
		}
		if len(a.Insecure) > 0 {
			// Verification is skipped only for the listed hosts.
			roots := cfg.RootCAs
			cfg.InsecureSkipVerify = true
			cfg.VerifyConnection = func(cs tls.ConnectionState) error {
				if a.insecure(cs.ServerName) {
					return nil
				}
				opts := x509.VerifyOptions{DNSName: cs.ServerName, Roots: roots, Intermediates: x509.NewCertPool()}
				for _, c := range cs.PeerCertificates[1:] {
					opts.Intermediates.AddCert(c)
				}
				_, err := cs.PeerCertificates[0].Verify(opts)
				return err
			}
		}
		t.TLSClientConfig = cfg
	}
	return t, nil
}

// Options are the go-containerregistry options for one operation:
// credentials, transport, user agent and bounded retries (ggcr's own,
// which cover 5xx, 429, resets and unexpected EOFs).
func (a *Access) Options(ctx context.Context) ([]remote.Option, error) {
	t, err := a.Transport()
	if err != nil {
		return nil, err
	}
	attempts, backoff := a.Attempts, a.Backoff
	if attempts <= 0 {
		attempts = 4
	}
	if backoff <= 0 {
		backoff = 500 * time.Millisecond
	}
	opts := []remote.Option{
		remote.WithContext(ctx),
		remote.WithAuthFromKeychain(a.Keychain()),
		remote.WithTransport(t),
		remote.WithRetryBackoff(remote.Backoff{Duration: backoff, Factor: 2, Jitter: 0.1, Steps: attempts}),
		remote.WithRetryStatusCodes(http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusInternalServerError,
			http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout),
		remote.WithJobs(4),
	}
	if a.UserAgent != "" {
		opts = append(opts, remote.WithUserAgent(a.UserAgent))
	}
	return opts, nil
}

// Explain is the package's Explain for an image reference, with the
// credential source this Access would use.
func (a *Access) Explain(err error, ref string) error {
	r, perr := name.ParseReference(ref)
	if perr != nil {
		return err
	}
	reg := r.Context().RegistryStr()
	err = Explain(err, reg, a.Source(reg))
	// Never show the credentials berth sent, even when the registry echoes them.
	if auth, kerr := a.Keychain().Resolve(r.Context()); kerr == nil && auth != nil {
		if c, aerr := auth.Authorization(); aerr == nil && c != nil {
			err = Scrub(err, c.Username, c.Password, c.RegistryToken, c.IdentityToken)
		}
	}
	return err
}
