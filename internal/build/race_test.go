package build

import (
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	ggcr "github.com/google/go-containerregistry/pkg/registry"

	"github.com/berth-dev/berth/internal/config"
)

// raceRegistry is an in-process registry that refuses its first `refuse`
// manifest PUTs with the error code given: MANIFEST_BLOB_UNKNOWN is what
// docker-registry 2.8 answers when another push of the same new blob to
// the repository won the race (seen with parallel deploys on the
// sandbox's real node, test/e2e).
func raceRegistry(t *testing.T, refuse int32, code string) (string, *atomic.Int32) {
	t.Helper()
	reg := ggcr.New(ggcr.Logger(log.New(io.Discard, "", 0)))
	var puts atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/manifests/") && puts.Add(1) <= refuse {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"errors":[{"code":"`+code+`","message":"refused"}]}`)
			return
		}
		reg.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://"), &puts
}

// TestPushRetriesLostRace: an upload refused because another push of the
// same blob won the race is tried again, up to uploadAttempts times; other
// refusals are not retried.
func TestPushRetriesLostRace(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		refuse   int32
		code     string
		wantErr  bool
		wantPuts int32
	}{
		{"lost once", 1, "MANIFEST_BLOB_UNKNOWN", false, 2},
		{"lost every time", 100, "MANIFEST_BLOB_UNKNOWN", true, uploadAttempts},
		{"denied: not a race", 100, "DENIED", true, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			host, puts := raceRegistry(t, tc.refuse, tc.code)
			dir := writeTree(t, map[string]string{"Dockerfile": "FROM scratch\nCOPY hello /\n", "hello": "hi"})
			p := &config.Project{Name: "hi", Dir: dir, Registry: host, Services: map[string]*config.Service{"hi": {Build: &config.Build{}}}}
			b, _ := newBuilder()
			_, err := b.Build(t.Context(), p, Options{Push: true})
			if (err != nil) != tc.wantErr || puts.Load() != tc.wantPuts {
				t.Errorf("err %v after %d manifest PUTs; want error %v after %d", err, puts.Load(), tc.wantErr, tc.wantPuts)
			}
			if tc.wantErr && (err == nil || !strings.Contains(err.Error(), tc.code)) {
				t.Errorf("error %v, want the registry's", err)
			}
		})
	}
}
