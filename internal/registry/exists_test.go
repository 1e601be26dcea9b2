package registry_test

import (
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	ggcr "github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth-dev/berth/internal/registry"
)

// newRegistry serves go-containerregistry's in-process registry (a real
// implementation of the distribution API) on 127.0.0.1.
func newRegistry(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(ggcr.New(ggcr.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// push uploads a random image as ref and returns ref@digest.
func push(t *testing.T, ref string) string {
	t.Helper()
	img, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(r, img); err != nil {
		t.Fatal(err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return r.Context().String() + "@" + d.String()
}

func TestCheck(t *testing.T) {
	t.Parallel()
	host := newRegistry(t)
	tagged := host + "/shop/web:v1"
	digested := push(t, tagged)
	gone := push(t, host+"/shop/web:v0")
	// Deleting a manifest: what registry garbage collection or a
	// retention policy does to old images.
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodDelete, "http://"+host+"/v2/shop/web/manifests/"+gone[strings.Index(gone, "@")+1:], nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("deleting %s: HTTP %d", gone, resp.StatusCode)
	}
	closed := httptest.NewServer(http.NotFoundHandler())
	unreachable := strings.TrimPrefix(closed.URL, "http://") + "/x:1"
	closed.Close()

	c := &registry.Checker{Keychain: authn.NewMultiKeychain()}
	got := c.Check(t.Context(), []string{tagged, digested, tagged, host + "/shop/web:nope", gone, host + "/shop/other:v1", unreachable})
	want := map[string]bool{ // image → missing (false: could not check)
		host + "/shop/web:nope": true,
		gone:                    true,
		host + "/shop/other:v1": true,
		unreachable:             false,
	}
	if len(got) != len(want) {
		t.Fatalf("problems %v, want %d of them", got, len(want))
	}
	for _, p := range got {
		missing, ok := want[p.Image]
		if !ok || missing != p.Missing {
			t.Errorf("problem %v: want missing=%v (listed: %v)", p, missing, ok)
		}
		if p.Err == "" || strings.Contains(p.Err, "\n") {
			t.Errorf("problem %v: error text %q", p, p.Err)
		}
	}
}
