package target

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// fakeMinikube puts testdata/minikube — a stand-in script, because the
// real minikube cannot be installed on the test machines — in a new
// folder, with its state folder, and returns a Minikube that runs it.
func fakeMinikube(t *testing.T, state string) (*Minikube, string) {
	t.Helper()
	dir := t.TempDir()
	if state != "" {
		if err := os.WriteFile(filepath.Join(dir, "state"), []byte(state+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	script, err := filepath.Abs("testdata/minikube")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("FAKE_MINIKUBE_DIR", dir)
	return &Minikube{Bin: script, Profile: "dev"}, dir
}

func calls(t *testing.T, dir string) string {
	t.Helper()
	data, _ := os.ReadFile(filepath.Join(dir, "calls"))
	return string(data)
}

func TestMinikubeStatus(t *testing.T) {
	for _, tc := range []struct {
		state   string
		host    string
		running bool
	}{
		{"Running", "Running", true},
		{"Stopped", "Stopped", false},
		{"Nonexistent", "Nonexistent", false},
	} {
		t.Run(tc.state, func(t *testing.T) {
			mk, dir := fakeMinikube(t, tc.state)
			st, err := mk.Status(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if st.Host != tc.host || st.Running() != tc.running {
				t.Errorf("status %+v", st)
			}
			if got := calls(t, dir); got != "status -o json -p dev\n" {
				t.Errorf("calls %q", got)
			}
		})
	}
}

func TestMinikubeEnsure(t *testing.T) {
	mk, dir := fakeMinikube(t, "Stopped")
	err := mk.Ensure(t.Context(), false)
	var te *Error
	if !errors.As(err, &te) || !strings.Contains(err.Error(), `minikube profile "dev" is stopped`) || !strings.Contains(te.Hint(), "berth up --start") {
		t.Fatalf("without --start: %v", err)
	}
	if strings.Contains(calls(t, dir), "start") {
		t.Fatal("started without being asked")
	}
	if err := mk.Ensure(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(calls(t, dir), "start -p dev\n") {
		t.Errorf("calls %q", calls(t, dir))
	}
	if st, _ := mk.Status(t.Context()); !st.Running() {
		t.Errorf("not running after start: %+v", st)
	}
}

func TestMinikubeAddonsImagesURLs(t *testing.T) {
	mk, dir := fakeMinikube(t, "Running")
	ctx := t.Context()
	addons, err := mk.Addons(ctx)
	if err != nil || addons["ingress"] {
		t.Fatalf("addons %v %v", addons, err)
	}
	if err := mk.EnableAddon(ctx, "ingress"); err != nil {
		t.Fatal(err)
	}
	if addons, _ = mk.Addons(ctx); !addons["ingress"] {
		t.Errorf("ingress not enabled: %v", addons)
	}
	// An image archive as docker save writes it (manifest.json with RepoTags).
	work := t.TempDir()
	if err := os.WriteFile(filepath.Join(work, "manifest.json"), []byte(`[{"Config":"c.json","RepoTags":["shop-web:abc123"],"Layers":[]}]`), 0o644); err != nil {
		t.Fatal(err)
	}
	archive := filepath.Join(work, "img.tar")
	if out, err := exec.Command("tar", "-C", work, "-cf", archive, "manifest.json").CombinedOutput(); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	if err := mk.LoadImage(ctx, archive); err != nil {
		t.Fatal(err)
	}
	have, err := mk.Images(ctx)
	if err != nil || !have["shop-web:abc123"] {
		t.Errorf("images %v %v", have, err)
	}
	urls, err := mk.ServiceURLs(ctx, "shop", "web")
	if err != nil || len(urls) != 1 || urls[0] != "http://192.168.49.2:30080" {
		t.Errorf("urls %v %v", urls, err)
	}
	if ip, _ := mk.IP(ctx); ip != "192.168.49.2" {
		t.Errorf("ip %q", ip)
	}
	if err := mk.LoadImage(ctx, filepath.Join(work, "missing.tar")); err == nil || !strings.Contains(err.Error(), "minikube image load") {
		t.Errorf("load of a missing file: %v", err)
	}
	want := []string{"addons list -o json -p dev", "addons enable ingress -p dev", "image load " + archive + " -p dev", "image ls -p dev", "service web -n shop --url -p dev", "ip -p dev"}
	got := calls(t, dir)
	for _, w := range want {
		if !strings.Contains(got, w+"\n") {
			t.Errorf("calls lack %q:\n%s", w, got)
		}
	}
}

func TestFindMinikube(t *testing.T) {
	t.Parallel()
	_, err := FindMinikube("", func(string) (string, error) { return "", exec.ErrNotFound }, nil)
	if !errors.Is(err, ErrNoMinikube) {
		t.Errorf("error %v", err)
	}
	mk, err := FindMinikube("", func(string) (string, error) { return "/bin/minikube", nil }, nil)
	if err != nil || mk.Profile != "minikube" || mk.Context() != "minikube" {
		t.Errorf("%+v %v", mk, err)
	}
}
