package registry_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	ggcr "github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth-dev/berth/internal/registry"
)

func noEnv(string) string { return "" }

func TestKeychainSources(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := `{"auths": {"registry.example.com": {"auth": "` + "YWxpY2U6c2VjcmV0" + `"}}, "credHelpers": {"helped.example.com": "pass"}}`
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"DIGITALOCEAN_ACCESS_TOKEN": "dop_v1_x", "GITHUB_TOKEN": "ghs_y", "GITHUB_ACTOR": "octo"}
	a := &registry.Access{ConfigDir: dir, Getenv: func(k string) string { return env[k] }}
	for _, tc := range []struct {
		registry, source, user, password string
	}{
		{"registry.example.com", filepath.Join(dir, "config.json"), "alice", "secret"},
		{registry.DOCR, "DIGITALOCEAN_ACCESS_TOKEN", "dop_v1_x", "dop_v1_x"},
		{registry.GHCR, "GITHUB_TOKEN", "octo", "ghs_y"},
		{"helped.example.com", "credential helper docker-credential-pass (" + filepath.Join(dir, "config.json") + ")", "", ""},
		{"other.example.com", "none: no entry in " + filepath.Join(dir, "config.json"), "", ""},
	} {
		if got := a.Source(tc.registry); got != tc.source {
			t.Errorf("Source(%s) = %q, want %q", tc.registry, got, tc.source)
		}
		if tc.user == "" {
			continue
		}
		reg, _ := name.NewRegistry(tc.registry)
		auth, err := a.Keychain().Resolve(reg)
		if err != nil {
			t.Fatal(err)
		}
		ac, _ := auth.Authorization()
		if ac.Username != tc.user || ac.Password != tc.password {
			t.Errorf("%s: %s/%s", tc.registry, ac.Username, ac.Password)
		}
	}
}

// basicAuth serves the in-process registry behind Basic auth, counting
// requests and failing the first failFirst with status (0: reset the
// connection).
func basicAuth(t *testing.T, user, password string, failFirst int32, status int) (string, *atomic.Int32) {
	t.Helper()
	reg := ggcr.New(ggcr.Logger(log.New(io.Discard, "", 0)))
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) <= failFirst {
			if status == 0 {
				conn, _, _ := w.(http.Hijacker).Hijack()
				conn.Close()
				return
			}
			w.WriteHeader(status)
			return
		}
		u, p, ok := r.BasicAuth()
		if !ok || u != user || p != password {
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`)
			return
		}
		reg.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://"), &n
}

func push(t *testing.T, a *registry.Access, ref string) error {
	t.Helper()
	img, _ := random.Image(64, 1)
	r, err := a.Reference(ref)
	if err != nil {
		t.Fatal(err)
	}
	opts, err := a.Options(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(r, img, opts...); err != nil {
		return a.Explain(err, ref)
	}
	return nil
}

func TestLoginThenPush(t *testing.T) {
	t.Parallel()
	host, _ := basicAuth(t, "bob", "pw", 0, 0)
	dir := t.TempDir()
	other := `{"auths":{"elsewhere.example":{"auth":"eDp5"}},"psFormat":"table"}`
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(other), 0o600); err != nil {
		t.Fatal(err)
	}
	a := &registry.Access{ConfigDir: dir, Getenv: noEnv}
	err := push(t, a, host+"/app:1")
	var rerr *registry.Error
	if !errors.As(err, &rerr) || !strings.Contains(err.Error(), "refused the credentials (401") || !strings.Contains(err.Error(), "none: no entry") {
		t.Fatalf("anonymous push: %v", err)
	}
	if _, err := a.Login(t.Context(), host, "bob", "nope"); err == nil {
		t.Fatal("a wrong password was accepted")
	}
	if _, err := a.Login(t.Context(), host, "bob", "pw"); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "config.json"))
	for _, s := range []string{"elsewhere.example", "psFormat", host} {
		if !strings.Contains(string(data), s) {
			t.Errorf("config.json lost %q:\n%s", s, data)
		}
	}
	if err := push(t, a, host+"/app:1"); err != nil {
		t.Fatal(err)
	}
	if removed, err := a.Logout(host); !removed || err != nil {
		t.Errorf("logout: %v %v", removed, err)
	}
}

func TestRetries(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		failFirst int32
		status    int
		ok        bool
	}{
		{"503 twice", 2, http.StatusServiceUnavailable, true},
		{"reset twice", 2, 0, true},
		{"500 for good", 1000, http.StatusInternalServerError, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			host, _ := basicAuth(t, "u", "p", tc.failFirst, tc.status)
			dir := t.TempDir()
			a := &registry.Access{ConfigDir: dir, Getenv: noEnv, Backoff: 10 * time.Millisecond, Attempts: 4}
			cfg := `{"auths":{"` + host + `":{"auth":"dTpw"}}}`
			_ = os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o600)
			start := time.Now()
			err := push(t, a, host+"/app:1")
			if tc.ok && err != nil {
				t.Fatal(err)
			}
			if !tc.ok {
				var rerr *registry.Error
				if !errors.As(err, &rerr) || !strings.Contains(err.Error(), "HTTP 500, still after retries") {
					t.Errorf("error %v", err)
				}
				if time.Since(start) > 10*time.Second {
					t.Errorf("a dead registry took %s to fail", time.Since(start))
				}
			}
		})
	}
}

func TestExplain(t *testing.T) {
	t.Parallel()
	a := &registry.Access{Getenv: noEnv, ConfigDir: t.TempDir(), Attempts: 1}
	// Nothing listens on this port.
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := l.Addr().String()
	l.Close()
	tlsSrv := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(tlsSrv.Close)
	tlsHost := strings.TrimPrefix(tlsSrv.URL, "https://")
	for _, tc := range []struct {
		ref, msg, hint string
	}{
		{"registry.invalid/app:1", "registry host registry.invalid is unknown", "check the registry name"},
		{closed + "/app:1", "refused the connection", "start the registry"},
		{"localhost:" + strings.Split(tlsHost, ":")[1] + "/app:1", "TLS certificate not trusted", "--registry-ca"},
	} {
		err := push(t, a, tc.ref)
		var rerr *registry.Error
		if !errors.As(err, &rerr) || !strings.Contains(err.Error(), tc.msg) || !strings.Contains(rerr.Hint(), tc.hint) {
			t.Errorf("%s: %v (hint %q)", tc.ref, err, hintOf(err))
		}
	}
	// Credentials in a URL never show.
	err := registry.Explain(errors.New(`GET https://bob:hunter2@example.com/v2/: x509: certificate signed by unknown authority`), "example.com", "none")
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("leaked: %v", err)
	}
	_ = authn.Anonymous
}

func hintOf(err error) string {
	var h interface{ Hint() string }
	if errors.As(err, &h) {
		return h.Hint()
	}
	return ""
}
