package target

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/berth-dev/berth/internal/build"
	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/registry"
	"github.com/berth-dev/berth/internal/testutil"
)

// fakePublisher is a Publisher that has the builds pushed to the
// project's registry (an in-process one) and names each image
// "pulled/SERVICE"; it records what Ship asked of it. A stand-in for the
// targets, which need a cluster.
type fakePublisher struct {
	calls   []string
	results []build.Result
	err     error
}

var _ Publisher = (*fakePublisher)(nil)

func (f *fakePublisher) Builder(b build.Builder) (*build.Builder, bool) {
	f.calls = append(f.calls, "builder")
	return &b, true
}

func (f *fakePublisher) Summary(services []string) string {
	return "build " + strings.Join(services, ", ")
}

func (f *fakePublisher) Publish(_ context.Context, p *config.Project, results []build.Result) (*config.Project, map[string]string, error) {
	f.calls = append(f.calls, "publish")
	f.results = results
	if f.err != nil {
		return nil, nil, f.err
	}
	images := map[string]string{}
	for _, r := range results {
		images[r.Service] = "pulled/" + r.Service
	}
	q := *p
	q.Name = "published"
	return &q, images, nil
}

// quiet is a build.Observer that drops the build's progress.
type quiet struct{}

func (quiet) Log(string, string)     {}
func (quiet) Push(string, v1.Update) {}

// localBuilder builds with berth's own builder, no container runtime.
func localBuilder() build.Builder {
	return build.Builder{Observer: quiet{}, Remote: &registry.Access{}, LookPath: func(string) (string, error) { return "", exec.ErrNotFound }}
}

// shipProject has two services built from a Dockerfile berth builds
// without a container runtime, and one image; its registry is an
// in-process one.
func shipProject(t *testing.T) *config.Project {
	t.Helper()
	dir := t.TempDir()
	for name, text := range map[string]string{"Dockerfile": "FROM scratch\nCOPY hello /\n", "hello": "hi"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return &config.Project{Name: "shop", Dir: dir, Registry: testutil.Registry(t) + "/team", Services: map[string]*config.Service{
		"web": {Build: &config.Build{}}, "worker": {Build: &config.Build{}}, "db": {Image: "postgres:16"},
	}}
}

func TestShip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		overrides  map[string]string
		publishErr error
		wantCalls  []string
		wantBuilt  []string
		wantImages map[string]string
		wantName   string
		wantErr    string
	}{
		{
			name:      "builds and publishes",
			wantCalls: []string{"builder", "step build web, worker", "built", "publish"}, wantBuilt: []string{"web", "worker"},
			wantImages: map[string]string{"web": "pulled/web", "worker": "pulled/worker"}, wantName: "published",
		},
		{
			name: "an override is not built", overrides: map[string]string{"web": "mine/web:1"},
			wantCalls: []string{"builder", "step build worker", "built", "publish"}, wantBuilt: []string{"worker"},
			wantImages: map[string]string{"web": "mine/web:1", "worker": "pulled/worker"}, wantName: "published",
		},
		{
			name: "nothing to build", overrides: map[string]string{"web": "mine/web:1", "worker": "mine/worker:1"},
			wantImages: map[string]string{"web": "mine/web:1", "worker": "mine/worker:1"}, wantName: "shop",
		},
		{
			name: "publish fails", publishErr: errors.New("no room"),
			wantCalls: []string{"builder", "step build web, worker", "built", "publish"}, wantBuilt: []string{"web", "worker"},
			wantErr: "no room",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pub := &fakePublisher{err: tt.publishErr}
			s := &Shipper{
				Publisher: pub,
				Overrides: tt.overrides,
				Builder:   func() (build.Builder, error) { return localBuilder(), nil },
				Step:      func(summary string) { pub.calls = append(pub.calls, "step "+summary) },
				Built:     func() { pub.calls = append(pub.calls, "built") },
			}
			p, images, err := s.Ship(t.Context(), shipProject(t))
			if diff := cmp.Diff(tt.wantCalls, pub.calls); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
			var built []string
			for _, r := range pub.results {
				built = append(built, r.Service)
			}
			if diff := cmp.Diff(tt.wantBuilt, built); diff != "" {
				t.Errorf("built (-want +got):\n%s", diff)
			}
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err %v, want %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantImages, images); diff != "" {
				t.Errorf("images (-want +got):\n%s", diff)
			}
			if p.Name != tt.wantName {
				t.Errorf("deployed project %q, want %q", p.Name, tt.wantName)
			}
		})
	}
}

// TestShipBuildErrors: the Builder's error stops Ship before anything is
// built; a failed build is reported to Built and not published.
func TestShipBuildErrors(t *testing.T) {
	t.Parallel()
	pub := &fakePublisher{}
	s := &Shipper{Publisher: pub, Builder: func() (build.Builder, error) { return build.Builder{}, errors.New("bad epoch") }}
	if _, _, err := s.Ship(t.Context(), shipProject(t)); err == nil || err.Error() != "bad epoch" || len(pub.calls) != 0 {
		t.Errorf("builder error: %v, calls %v", err, pub.calls)
	}
	p := shipProject(t)
	if err := os.Remove(filepath.Join(p.Dir, "hello")); err != nil {
		t.Fatal(err)
	}
	built := false
	s = &Shipper{Publisher: pub, Builder: func() (build.Builder, error) { return localBuilder(), nil }, Built: func() { built = true }}
	if _, _, err := s.Ship(t.Context(), p); err == nil || !built || strings.Contains(strings.Join(pub.calls, " "), "publish") {
		t.Errorf("failed build: %v, built %v, calls %v", err, built, pub.calls)
	}
}
