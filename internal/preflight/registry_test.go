package preflight_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/preflight"
	"github.com/berth-dev/berth/internal/registry"
	"github.com/berth-dev/berth/internal/testutil"
)

// access reaches the test registries: no Docker config, no environment.
func access(t *testing.T) *registry.Access {
	return &registry.Access{ConfigDir: t.TempDir(), Getenv: func(string) string { return "" }}
}

// TestProbesPing: the in-process registry answers; a closed port does
// not, and the error says so.
func TestProbesPing(t *testing.T) {
	t.Parallel()
	pr := preflight.RegistryProbes(access(t))
	if err := pr.Ping(t.Context(), testutil.Registry(t)); err != nil {
		t.Errorf("Ping(up) = %v", err)
	}
	srv := httptest.NewServer(http.NotFoundHandler())
	host := strings.TrimPrefix(srv.URL, "http://")
	srv.Close()
	if err := pr.Ping(t.Context(), host); err == nil || !strings.Contains(err.Error(), host) {
		t.Errorf("Ping(closed) = %v, want an error naming %s", err, host)
	}
}

// TestProbesPrivate: an image the registry gives anyone is public; a
// registry that wants credentials for everything makes it private; a
// missing image is an error, not private.
func TestProbesPrivate(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	pr := preflight.RegistryProbes(access(t))
	host := testutil.Registry(t)
	public := testutil.PushRandom(t, host+"/team/web:1")
	if private, err := pr.Private(ctx, public); err != nil || private {
		t.Errorf("Private(public) = %v, %v; want false, nil", private, err)
	}
	if private, err := pr.Private(ctx, host+"/team/missing:1"); err == nil || private {
		t.Errorf("Private(missing) = %v, %v; want false and an error", private, err)
	}

	image := testutil.AuthRegistry(t, "ci", "s3cret") + "/team/web:1"
	if private, err := pr.Private(ctx, image); err != nil || !private {
		t.Errorf("Private(locked) = %v, %v; want true, nil", private, err)
	}
}

// TestProbesPlatforms reads an image's platform from its config and an
// index's from its manifests, leaving attestations out; an image that
// names no platform has none.
func TestProbesPlatforms(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	pr := preflight.RegistryProbes(access(t))
	host := testutil.Registry(t)

	arm := testutil.PlatformImage(t, "linux", "arm64", "v8")
	testutil.Push(t, host+"/app/arm:1", arm)
	amd := testutil.PlatformImage(t, "linux", "amd64", "")
	attestation, err := random.Image(64, 1)
	if err != nil {
		t.Fatal(err)
	}
	idx := mutate.AppendManifests(empty.Index,
		mutate.IndexAddendum{Add: amd, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}},
		mutate.IndexAddendum{Add: arm, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}}},
		mutate.IndexAddendum{Add: attestation, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "unknown", Architecture: "unknown"}}},
	)
	ref, err := name.ParseReference(host + "/app/multi:1")
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.WriteIndex(ref, idx, remote.WithContext(ctx)); err != nil {
		t.Fatal(err)
	}
	bare := testutil.PushRandom(t, host+"/app/bare:1")

	for _, tc := range []struct {
		image string
		want  []string
	}{
		{host + "/app/arm:1", []string{"linux/arm64/v8"}},
		{host + "/app/multi:1", []string{"linux/amd64", "linux/arm64/v8"}},
		{bare, nil},
	} {
		got, err := pr.Platforms(ctx, tc.image)
		if err != nil {
			t.Errorf("Platforms(%s): %v", tc.image, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("Platforms(%s) (-want +got):\n%s", tc.image, diff)
		}
	}
	if _, err := pr.Platforms(ctx, host+"/app/missing:1"); err == nil {
		t.Error("Platforms(missing) = nil error")
	}
}

// TestRegistryProbesKeepsAccess: the probes ask once, without changing
// the Access they were given.
func TestRegistryProbesKeepsAccess(t *testing.T) {
	t.Parallel()
	a := access(t)
	a.Attempts = 4
	preflight.RegistryProbes(a)
	if a.Attempts != 4 {
		t.Errorf("Attempts = %d after RegistryProbes, want 4", a.Attempts)
	}
	if err := preflight.RegistryProbes(nil).Ping(t.Context(), testutil.Registry(t)); err != nil {
		t.Errorf("RegistryProbes(nil).Ping = %v", err)
	}
}

// TestProjectOptions: the target kind (kube by default), the registry
// asked only when a service is built, the probes, and DigitalOcean's
// integrated registry.
func TestProjectOptions(t *testing.T) {
	t.Parallel()
	images := map[string]string{"web": "nginx:1.27"}
	pulled := project(t, "apiVersion: berth/v1\nname: shop\nregistry: registry.example.com/team\nservices:\n  web: {image: nginx:1.27}\n")
	o := preflight.ProjectOptions(pulled, images, access(t))
	if o.Target != config.TargetKube || o.Registry != "" || o.Ping == nil || o.Private == nil || o.Platforms == nil || o.Integrated == nil {
		t.Errorf("image only: %+v", o)
	}
	if diff := cmp.Diff(images, o.Images); diff != "" {
		t.Errorf("Images (-want +got):\n%s", diff)
	}
	if o.Integrated("registry.digitalocean.com/shop/web:1") {
		t.Error("Integrated on kube")
	}

	built := &config.Project{Name: "shop", Registry: "registry.digitalocean.com/shop", Target: &config.Target{Kind: config.TargetDigitalOcean},
		Services: map[string]*config.Service{"web": {Build: &config.Build{Context: "."}}, "db": {Image: "postgres:16"}}}
	o = preflight.ProjectOptions(built, images, access(t))
	if o.Target != config.TargetDigitalOcean || o.Registry != "registry.digitalocean.com/shop" {
		t.Errorf("built on DigitalOcean: target %q, registry %q", o.Target, o.Registry)
	}
	if !o.Integrated("registry.digitalocean.com/shop/web:1") || o.Integrated("ghcr.io/shop/web:1") {
		t.Error("Integrated: want DigitalOcean's registry only")
	}
}

// TestFailedError: the error a deploy stops with says nothing was applied
// and how to go on.
func TestFailedError(t *testing.T) {
	t.Parallel()
	var err error = &preflight.FailedError{Results: []preflight.Result{{Check: "cluster", Level: preflight.Error}}}
	var fe *preflight.FailedError
	var hinted interface{ Hint() string }
	if !errors.As(err, &fe) || !errors.As(err, &hinted) {
		t.Fatal("FailedError: want a hint")
	}
	if err.Error() != "preflight checks failed; nothing was applied" || hinted.Hint() != "fix the errors above, or skip the checks with --skip-preflight" {
		t.Errorf("FailedError = %q, hint %q", err, hinted.Hint())
	}
}

// TestChecker checks as berth deploy does: the probes read the image's
// platforms from the registry, Report hears every result before Check
// returns, and an error result is a *FailedError carrying them.
func TestChecker(t *testing.T) {
	t.Parallel()
	kc, ns := client(t, "")
	ctx := t.Context()
	host := testutil.Registry(t)
	s390x := host + "/shop/web:s390x"
	testutil.Push(t, s390x, testutil.PlatformImage(t, "linux", "s390x", ""))
	amd := host + "/shop/web:amd64"
	testutil.Push(t, amd, testutil.PlatformImage(t, "linux", "amd64", ""))
	p := project(t, "apiVersion: berth/v1\nname: shop\nservices:\n  web: {image: "+s390x+"}\n")

	var reported []preflight.Result
	chk := &preflight.Checker{Client: kc, Access: access(t), Report: func(rs []preflight.Result) { reported = rs }}
	err := chk.Check(ctx, p, ns, map[string]string{"web": s390x})
	var failed *preflight.FailedError
	if !errors.As(err, &failed) {
		t.Fatalf("Check(s390x) = %v, want a FailedError", err)
	}
	if r := find(reported, "image web"); r.Level != preflight.Error || !strings.Contains(r.Message, s390x+" is built for linux/s390x") {
		t.Errorf("image web: %+v", r)
	}
	if diff := cmp.Diff(reported, failed.Results); diff != "" {
		t.Errorf("FailedError.Results differ from the report (-reported +error):\n%s", diff)
	}

	reported = nil
	if err := chk.Check(ctx, p, ns, map[string]string{"web": amd}); err != nil {
		t.Fatalf("Check(amd64) = %v", err)
	}
	if r := find(reported, "image web"); r.Level != preflight.Warning || !strings.Contains(r.Message, "its pods fail on the linux/arm64 nodes") {
		t.Errorf("image web (amd64 only): %+v", r)
	}
	if r := find(reported, "cluster"); r.Level != preflight.OK {
		t.Errorf("cluster: %+v", r)
	}
}
