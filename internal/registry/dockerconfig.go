package registry

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"

	"github.com/docker/cli/cli/config"
	"github.com/docker/cli/cli/config/configfile"
	"github.com/docker/cli/cli/config/types"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// configDir is the Docker config folder berth reads and writes.
func (a *Access) configDir() string {
	if a.ConfigDir != "" {
		return a.ConfigDir
	}
	if d := a.getenv("DOCKER_CONFIG"); d != "" {
		return d
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ".docker"
	}
	return filepath.Join(home, ".docker")
}

// dockerConfig loads config.json with Docker's own code, so credential
// helpers and stores work as they do for docker login.
func (a *Access) dockerConfig() (*configfile.ConfigFile, error) {
	cf, err := config.Load(a.configDir())
	if err != nil {
		return nil, fmt.Errorf("reading the Docker config in %s: %w", a.configDir(), err)
	}
	return cf, nil
}

// configKey is the key Docker files a registry's credentials under.
func configKey(registry string) string {
	if registry == name.DefaultRegistry || registry == "docker.io" {
		return "https://index.docker.io/v1/"
	}
	return registry
}

type dockerKeychain struct{ a *Access }

func (k dockerKeychain) Resolve(r authn.Resource) (authn.Authenticator, error) {
	cf, err := k.a.dockerConfig()
	if err != nil {
		return nil, err
	}
	ac, err := cf.GetAuthConfig(configKey(r.RegistryStr()))
	if err != nil {
		return nil, fmt.Errorf("credentials for %s: %w", r.RegistryStr(), err)
	}
	if ac.Username == "" && ac.Password == "" && ac.Auth == "" && ac.IdentityToken == "" && ac.RegistryToken == "" {
		return authn.Anonymous, nil
	}
	return authn.FromConfig(authn.AuthConfig{Username: ac.Username, Password: ac.Password, Auth: ac.Auth,
		IdentityToken: ac.IdentityToken, RegistryToken: ac.RegistryToken}), nil
}

// Login checks user and password against the registry with a real
// authenticated request (a wrong password is refused before anything is
// saved), then stores them as docker login does: in the credential helper
// or store the Docker config names, else in config.json (mode 0600, other
// entries kept). It returns where they went.
func (a *Access) Login(ctx context.Context, registry, user, password string) (string, error) {
	var ropts []name.Option
	if a.insecure(registry) {
		ropts = append(ropts, name.Insecure)
	}
	reg, err := name.NewRegistry(registry, ropts...)
	if err != nil {
		return "", err
	}
	if err := a.verify(ctx, reg, user, password); err != nil {
		return "", Scrub(err, user, password)
	}
	cf, err := a.dockerConfig()
	if err != nil {
		return "", err
	}
	key := configKey(registry)
	store := cf.GetCredentialsStore(key)
	if err := store.Store(types.AuthConfig{Username: user, Password: password, ServerAddress: key}); err != nil {
		return "", fmt.Errorf("saving the credentials: %w", err)
	}
	if err := cf.Save(); err != nil {
		return "", fmt.Errorf("saving %s: %w", cf.Filename, err)
	}
	if h := cf.CredentialHelpers[key]; h != "" {
		return "credential helper docker-credential-" + h, nil
	}
	if cf.CredentialsStore != "" {
		return "credential store docker-credential-" + cf.CredentialsStore, nil
	}
	return cf.Filename, nil
}

// Logout removes the saved credentials of a registry.
func (a *Access) Logout(registry string) (bool, error) {
	cf, err := a.dockerConfig()
	if err != nil {
		return false, err
	}
	key := configKey(registry)
	if _, ok := cf.AuthConfigs[key]; !ok && cf.CredentialHelpers[key] == "" {
		return false, nil
	}
	if err := cf.GetCredentialsStore(key).Erase(key); err != nil {
		return false, err
	}
	return true, cf.Save()
}

// verify asks the registry's /v2/ endpoint with the credentials, after
// the token exchange when the registry uses tokens.
func (a *Access) verify(ctx context.Context, reg name.Registry, user, password string) error {
	base, err := a.Transport()
	if err != nil {
		return err
	}
	auth := authn.FromConfig(authn.AuthConfig{Username: user, Password: password})
	tr, err := transport.NewWithContext(ctx, reg, auth, base, []string{reg.Scope(transport.PullScope)})
	if err != nil {
		return Explain(err, reg.RegistryStr(), "the password given")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s://%s/v2/", reg.Scheme(), reg.RegistryStr()), nil)
	if err != nil {
		return err
	}
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		return Explain(err, reg.RegistryStr(), "the password given")
	}
	defer resp.Body.Close()
	if err := transport.CheckError(resp, http.StatusOK); err != nil {
		return Explain(err, reg.RegistryStr(), "the password given")
	}
	return nil
}
