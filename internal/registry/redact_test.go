package registry_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/registry"
)

// TestCredentialsNeverShown: a registry that echoes the request's
// Authorization header in its error messages (a hostile or buggy registry
// or proxy) does not put the password, nor the Basic auth header built
// from it, into berth's errors, after login or a push.
func TestCredentialsNeverShown(t *testing.T) {
	t.Parallel()
	const user, password = "bob", "planted-registry-password"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		if h == "" {
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/v2/" {
			w.WriteHeader(http.StatusForbidden)
		} else {
			w.WriteHeader(http.StatusInternalServerError) // its message is shown
		}
		fmt.Fprintf(w, `{"errors":[{"code":"DENIED","message":"denied for %s (%s)"}]}`, h, password)
	}))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	basic := base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
	check := func(what string, err error) {
		t.Helper()
		if err == nil {
			t.Fatalf("%s: no error", what)
		}
		text := err.Error()
		if h, ok := err.(interface{ Hint() string }); ok {
			text += h.Hint()
		}
		if strings.Contains(text, password) || strings.Contains(text, basic) {
			t.Errorf("%s shows the credentials: %s", what, text)
		}
		if !strings.Contains(text, "(redacted)") {
			t.Errorf("%s: the echo is gone altogether, so the test proves nothing: %s", what, text)
		}
	}
	dir := t.TempDir()
	a := &registry.Access{ConfigDir: dir, Getenv: noEnv, Attempts: 1}
	_, err := a.Login(t.Context(), host, user, password)
	check("login", err)

	cfg := fmt.Sprintf(`{"auths":{%q:{"auth":%q}}}`, host, basic)
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	// What a push's error says passes through Explain, which knows the
	// credentials it sent.
	check("push", a.Explain(fmt.Errorf("PUT http://%s/v2/app/blobs: DENIED: got Basic %s for %s", host, basic, password), host+"/app:1"))
	if err := push(t, a, host+"/app:1"); err == nil || strings.Contains(err.Error(), password) || strings.Contains(err.Error(), basic) {
		t.Errorf("push: %v", err)
	}
}
