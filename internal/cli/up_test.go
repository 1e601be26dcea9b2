package cli

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"

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

	// The profile's kube context ("dev") points at the sandbox.
	cfg, err := clientcmd.LoadFromFile(c.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	ctx := cfg.Contexts[cfg.CurrentContext]
	clear(cfg.Contexts)
	cfg.Contexts["dev"] = ctx
	cfg.CurrentContext = "elsewhere"
	kubeconfig := filepath.Join(t.TempDir(), "config")
	if err := clientcmd.WriteToFile(*cfg, kubeconfig); err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	script, _ := filepath.Abs("../target/testdata/minikube")
	if err := os.Symlink(script, filepath.Join(bin, "minikube")); err != nil {
		t.Fatal(err)
	}
	state := t.TempDir()
	writeFile(t, filepath.Join(state, "state"), "Stopped\n")
	t.Setenv("FAKE_MINIKUBE_DIR", state)
	kubectl := filepath.Join(bin, "sandbox-kubectl")
	writeFile(t, kubectl, "#!/bin/sh\nexec "+strings.Join(c.KubectlCommand(), " ")+` "$@"`+"\n")
	if err := os.Chmod(kubectl, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("FAKE_MINIKUBE_KUBECTL", kubectl)
	t.Setenv("KUBECONFIG", kubeconfig)

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
	for _, want := range []string{"web\t" + url, "http://shop.example.org/ (add to /etc/hosts: 192.168.49.2 shop.example.org)"} {
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
