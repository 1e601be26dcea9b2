package cli

import (
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	ggcr "github.com/google/go-containerregistry/pkg/registry"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/internal/testutil"
)

// TestUpMinikube runs berth up with target minikube. minikube itself
// cannot be installed on the test machines, so a stand-in script
// (internal/target/testdata/minikube) is on PATH: it records its calls and
// answers like minikube; the cluster behind the profile's kube context is
// the real sandbox. Checked: stopped profile refused without --start, then
// started; images built and loaded (no registry push), deployed by content
// tag with imagePullPolicy IfNotPresent; the ingress addon enabled with
// --yes; minikube's URLs printed; a second up loads nothing again.
func TestUpMinikube(t *testing.T) { // not parallel: the stand-in reads its state folder from the environment
	c, ns, _ := onCluster(t)
	host := testutil.Registry(t)
	base := testutil.PushBusybox(t, host+"/base/busybox:1")

	kubeconfig, bin, state := fakeMinikube(t, c, "Stopped")

	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "Dockerfile"), "ARG BASE\nFROM $BASE\nWORKDIR /app\nCOPY . .\nCMD [\"sh\", \"-c\", \"httpd -f -p 8080\"]\n")
	writeFile(t, filepath.Join(dir, "index.html"), "<h1>shop</h1>\n")
	file := filepath.Join(dir, "berth.yaml")
	writeFile(t, file, `apiVersion: berth/v1
name: shop
target: {minikube: {profile: dev}}
services:
  web:
    build: {args: {BASE: "`+base+`"}}
    ports: [{port: 80, targetPort: 8080}]
    expose: NodePort
    ingress: {host: shop.example.org}
`)
	env := map[string]string{"PATH": bin + ":" + os.Getenv("PATH"), "CI": "true"}
	args := []string{"up", "-f", file, "--kubeconfig", kubeconfig, "-n", ns}

	_, stderr, code := run(t, env, args...)
	if code != 1 || !strings.Contains(stderr, `minikube profile "dev" is stopped`) || !strings.Contains(stderr, "hint: start it with berth up --start") {
		t.Fatalf("stopped profile: exit %d\n%s", code, stderr)
	}
	_, stderr, code = run(t, env, append(args, "--start")...)
	if code != 2 || !strings.Contains(stderr, "pass --yes") {
		t.Fatalf("ingress addon without --yes and no terminal: exit %d\n%s", code, stderr)
	}
	stdout, stderr, code := run(t, env, append(args, "--yes")...)
	if code != 0 {
		t.Fatalf("up: exit %d\n%s\n%s", code, stdout, stderr)
	}
	calls, _ := os.ReadFile(filepath.Join(state, "calls"))
	for _, want := range []string{"start -p dev", "image load ", "addons enable ingress -p dev", "service web -n " + ns + " --url -p dev", "ip -p dev"} {
		if !strings.Contains(string(calls), want) {
			t.Errorf("minikube was not asked %q:\n%s", want, calls)
		}
	}
	images, _ := os.ReadFile(filepath.Join(state, "images"))
	loaded := strings.TrimSpace(string(images))
	if !strings.HasPrefix(loaded, "shop-web:") {
		t.Fatalf("loaded images %q", images)
	}
	d, err := c.Clientset(t).AppsV1().Deployments(ns).Get(t.Context(), "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ct := d.Spec.Template.Spec.Containers[0]
	if ct.Image != loaded || ct.ImagePullPolicy != "IfNotPresent" {
		t.Errorf("container image %s pull %s; loaded %s", ct.Image, ct.ImagePullPolicy, loaded)
	}
	svc, err := c.Clientset(t).CoreV1().Services(ns).Get(t.Context(), "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	url := "http://192.168.49.2:" + strconv.Itoa(int(svc.Spec.Ports[0].NodePort))
	for _, want := range []string{"web\t" + url, "http://shop.example.org/ (ingress at 192.168.49.2; until DNS points there, add to /etc/hosts: 192.168.49.2 shop.example.org)"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	// Again: the image is in minikube already; nothing is loaded or enabled.
	_ = os.Remove(filepath.Join(state, "calls"))
	_, stderr, code = run(t, env, args...)
	calls, _ = os.ReadFile(filepath.Join(state, "calls"))
	if code != 0 || strings.Contains(string(calls), "image load") || strings.Contains(string(calls), "addons enable") || !strings.Contains(stderr, "minikube has "+loaded) {
		t.Errorf("second up: exit %d\n%s\ncalls:\n%s", code, stderr, calls)
	}
	// berth down removes it from the profile's cluster, without asking for --yes twice.
	_, stderr, code = run(t, env, "down", "-f", file, "--kubeconfig", kubeconfig, "-n", ns, "--yes")
	if code != 0 {
		t.Fatalf("down: exit %d\n%s", code, stderr)
	}
	if _, err := c.Clientset(t).AppsV1().Deployments(ns).Get(t.Context(), "web", metav1.GetOptions{}); err == nil {
		t.Error("the Deployment is still there after berth down")
	}
}

// fakeMinikube sets up the stand-in minikube (internal/target/testdata/
// minikube; the real one cannot be installed on the test machines): a
// kubeconfig whose context "dev" is the sandbox, a PATH folder with the
// script, and its state folder. It sets environment variables, so tests
// that use it do not run in parallel.
func fakeMinikube(t *testing.T, c *testcluster.Cluster, state0 string) (kubeconfig, bin, state string) {
	t.Helper()
	// The profile's kube context ("dev") points at the sandbox.
	cfg, err := clientcmd.LoadFromFile(c.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	ctx := cfg.Contexts[cfg.CurrentContext]
	clear(cfg.Contexts)
	cfg.Contexts["dev"] = ctx
	cfg.CurrentContext = "elsewhere"
	kubeconfig = filepath.Join(t.TempDir(), "config")
	if err := clientcmd.WriteToFile(*cfg, kubeconfig); err != nil {
		t.Fatal(err)
	}
	bin = t.TempDir()
	script, _ := filepath.Abs("../target/testdata/minikube")
	if err := os.Symlink(script, filepath.Join(bin, "minikube")); err != nil {
		t.Fatal(err)
	}
	state = t.TempDir()
	writeFile(t, filepath.Join(state, "state"), state0+"\n")
	t.Setenv("FAKE_MINIKUBE_DIR", state)
	kubectl := filepath.Join(bin, "sandbox-kubectl")
	writeFile(t, kubectl, "#!/bin/sh\nexec "+strings.Join(c.KubectlCommand(), " ")+` "$@"`+"\n")
	if err := os.Chmod(kubectl, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("FAKE_MINIKUBE_KUBECTL", kubectl)
	t.Setenv("KUBECONFIG", kubeconfig)

	return kubeconfig, bin, state
}

// TestUpMinikubeRegistryAddon: with --registry-addon the images go to the
// registry addon (the node's port 5000; here the in-process registry on
// 127.0.0.1:5000 plays it, as the stand-in's minikube ip is 127.0.0.1) and
// the pods pull them as localhost:5000, pinned by digest; nothing is loaded.
func TestUpMinikubeRegistryAddon(t *testing.T) { // not parallel: fakeMinikube sets environment variables
	c, ns, _ := onCluster(t)
	l, err := net.Listen("tcp", "127.0.0.1:5000")
	if err != nil {
		testutil.Missing(t, "a free port 127.0.0.1:5000 (the registry addon's port)", "stop what listens on port 5000")
	}
	srv := &http.Server{Handler: ggcr.New(ggcr.Logger(log.New(io.Discard, "", 0)))}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	base := testutil.PushBusybox(t, "127.0.0.1:5000/base/busybox:1")
	kubeconfig, bin, state := fakeMinikube(t, c, "Running")
	t.Setenv("FAKE_MINIKUBE_IP", "127.0.0.1")
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "Dockerfile"), "ARG BASE\nFROM $BASE\nCOPY . /app\n")
	writeFile(t, filepath.Join(dir, "index.html"), "<h1>shop</h1>\n")
	file := filepath.Join(dir, "berth.yaml")
	writeFile(t, file, "apiVersion: berth/v1\nname: shop\nregistry: localhost:5000/team\ntarget: {minikube: {profile: dev}}\nservices:\n  web:\n    build: {args: {BASE: \""+base+"\"}}\n")
	env := map[string]string{"PATH": bin + ":" + os.Getenv("PATH"), "CI": "true"}
	_, stderr, code := run(t, env, "up", "-f", file, "--kubeconfig", kubeconfig, "-n", ns, "--registry-addon", "--yes")
	if code != 0 {
		t.Fatalf("up: exit %d\n%s", code, stderr)
	}
	calls, _ := os.ReadFile(filepath.Join(state, "calls"))
	if !strings.Contains(string(calls), "addons enable registry -p dev") || strings.Contains(string(calls), "image load") {
		t.Errorf("calls:\n%s", calls)
	}
	d, err := c.Clientset(t).AppsV1().Deployments(ns).Get(t.Context(), "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if img := d.Spec.Template.Spec.Containers[0].Image; !strings.HasPrefix(img, "localhost:5000/team/shop-web:") || !strings.Contains(img, "@sha256:") {
		t.Errorf("image %s", img)
	}
}

// TestDownClusterOffDigitalOcean: --cluster is refused, as a usage error
// and before the target's cluster is touched, on targets whose cluster
// berth does not delete.
func TestDownClusterOffDigitalOcean(t *testing.T) {
	t.Parallel()
	bin, state := t.TempDir(), t.TempDir()
	script, _ := filepath.Abs("../target/testdata/minikube")
	if err := os.Symlink(script, filepath.Join(bin, "minikube")); err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{"kube", "{minikube: {profile: dev}}"} {
		t.Run(target, func(t *testing.T) {
			t.Parallel()
			file := writeConfig(t, "apiVersion: berth/v1\nname: shop\ntarget: "+target+"\nservices:\n  web: {image: nginx:1.27}\n")
			env := map[string]string{"PATH": bin, "FAKE_MINIKUBE_DIR": state, "CI": "true"}
			_, stderr, code := run(t, env, "down", "-f", file, "--kubeconfig", filepath.Join(t.TempDir(), "none"), "--cluster", "--yes")
			if code != 2 || !strings.Contains(stderr, "--cluster deletes DigitalOcean clusters berth created; this environment's target is not digitalocean") {
				t.Errorf("exit %d\n%s", code, stderr)
			}
		})
	}
	t.Cleanup(func() { // after the subtests
		if calls, _ := os.ReadFile(filepath.Join(state, "calls")); len(calls) != 0 {
			t.Errorf("minikube was run:\n%s", calls)
		}
	})
}
