package build_test

import (
	"maps"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-dev/berth/internal/build"
	"github.com/berth-dev/berth/internal/registry"
	"github.com/berth-dev/berth/internal/testutil"
)

// TestPinAll pins the services the in-process registry has by their
// content tag, returns the others as missing in the order given, and
// leaves its input alone.
func TestPinAll(t *testing.T) {
	t.Parallel()
	host := testutil.Registry(t)
	web := testutil.PushRandom(t, host+"/app/web:abc123")
	access := &registry.Access{Getenv: func(string) string { return "" }, Attempts: 1}
	images := map[string]string{
		"web":    host + "/app/web:abc123",
		"worker": host + "/app/worker:abc123", // never pushed
		"db":     "postgres:16",               // not asked about
		"api":    host + "/app/api:def456",    // never pushed
	}
	before := maps.Clone(images)
	pinned, missing := build.PinAll(t.Context(), access, images, []string{"worker", "web", "api"})
	want := map[string]string{
		"web":    host + "/app/web:abc123@" + digestOf(t, web),
		"worker": host + "/app/worker:abc123",
		"db":     "postgres:16",
		"api":    host + "/app/api:def456",
	}
	if diff := cmp.Diff(want, pinned); diff != "" {
		t.Errorf("pinned (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"worker", "api"}, missing); diff != "" {
		t.Errorf("missing (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(before, images); diff != "" {
		t.Errorf("PinAll changed its input (-before +after):\n%s", diff)
	}
}

// TestPinAllNothing asks nothing when no service needs a pin.
func TestPinAllNothing(t *testing.T) {
	t.Parallel()
	pinned, missing := build.PinAll(t.Context(), &registry.Access{Getenv: func(string) string { return "" }}, nil, nil)
	if len(pinned) != 0 || pinned == nil || missing != nil {
		t.Errorf("PinAll(nil) = %v, %v; want an empty map and no missing", pinned, missing)
	}
}

func digestOf(t *testing.T, ref string) string {
	t.Helper()
	_, digest, ok := strings.Cut(ref, "@")
	if !ok {
		t.Fatalf("%s has no digest", ref)
	}
	return digest
}
