package registry_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/berth-dev/berth/internal/registry"
	"github.com/berth-dev/berth/internal/testutil"
)

func TestCheck(t *testing.T) {
	t.Parallel()
	host := testutil.Registry(t)
	tagged := host + "/shop/web:v1"
	digested := testutil.PushRandom(t, tagged)
	gone := testutil.PushRandom(t, host+"/shop/web:v0")
	testutil.DeleteManifest(t, gone)
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
