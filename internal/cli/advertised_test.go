package cli

import (
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/crane"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/berth-dev/berth/internal/registry"
	"github.com/berth-dev/berth/internal/testutil"
)

// runAdvertised is run with the Factory reading the registry
// advertisement from ConfigMap local-registry-hosting in namespace ns
// instead of kube-public: kube-public is the whole sandbox's, shared by
// the tests running in parallel (and by a sandbox that advertises its own
// registry), so the test's advertisement stays in its own namespace.
func runAdvertised(t *testing.T, ns string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	streams, _, out, errOut := genericiooptions.NewTestIOStreams()
	f := NewFactory(streams)
	f.LookupEnv = func(string) (string, bool) { return "", false }
	f.hosting = registry.Discovery{Namespace: ns}
	cmd := NewRootCmd(f)
	cmd.SetArgs(args)
	err := Execute(t.Context(), cmd)
	f.Finish(err)
	return out.String(), errOut.String(), ExitCode(err)
}

// TestAdvertisedRegistry: berth.yaml names no registry and the cluster
// advertises one (KEP-1755; an in-process registry on 127.0.0.1, pulled
// by the nodes under another name). berth build pushes there and says so;
// berth deploy and berth up name the image on hostFromContainerRuntime,
// and berth diff sees no difference; an environment's registry wins.
// An unusable advertisement is a warning naming the ConfigMap and key;
// one berth may not read, or none at all, keeps the no-registry error,
// with the hint (and with -v, why).
func TestAdvertisedRegistry(t *testing.T) {
	t.Parallel()
	c, ns, flags := onCluster(t)
	host := testutil.Registry(t)
	cms := c.Clientset(t).CoreV1().ConfigMaps(ns)
	advertise := func(value string) {
		t.Helper()
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: registry.HostingName}, Data: map[string]string{registry.HostingKey: value}}
		if _, err := cms.Update(t.Context(), cm, metav1.UpdateOptions{}); err != nil {
			if _, err := cms.Create(t.Context(), cm, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	advertise("host: \"" + host + "\"\nhostFromContainerRuntime: \"registry.sandbox.local:5000\"\nhelp: \"https://example.org/registry\"\n")

	dir := t.TempDir()
	writeFile(t, dir+"/Dockerfile", "FROM scratch\nCOPY index.html /\n")
	writeFile(t, dir+"/index.html", "<h1>shop</h1>\n")
	file := dir + "/berth.yaml"
	writeFile(t, file, "apiVersion: berth/v1\nname: shop\nservices:\n  web:\n    build: {}\n    ports: [{port: 80}]\n"+
		"environments:\n  explicit: {registry: "+host+"/explicit}\n")

	announced := "registry: using " + host + ", advertised by the cluster (" + ns + "/local-registry-hosting); the nodes pull from registry.sandbox.local:5000\n"
	stdout, stderr, code := runAdvertised(t, ns, append([]string{"build", "-f", file}, flags...)...)
	if code != 0 || !strings.Contains(stderr, announced) {
		t.Fatalf("build: exit %d\n%s\n%s", code, stdout, stderr)
	}
	pushed := strings.Fields(stdout)
	ref := ""
	for _, w := range pushed {
		if strings.HasPrefix(w, host+"/shop-web:") {
			ref = w
		}
	}
	if ref == "" {
		t.Fatalf("build printed no image in %s:\n%s", host, stdout)
	}
	if _, err := crane.Digest(ref); err != nil {
		t.Fatalf("%s is not in the advertised registry: %v", ref, err)
	}

	_, stderr, code = runAdvertised(t, ns, append([]string{"deploy", "-f", file}, flags...)...)
	if code != 0 || !strings.Contains(stderr, announced) || strings.Contains(stderr, "has no build") {
		t.Fatalf("deploy: exit %d\n%s", code, stderr)
	}
	want := "registry.sandbox.local:5000" + strings.TrimPrefix(ref, host)
	image := func() string {
		d, err := c.Clientset(t).AppsV1().Deployments(ns).Get(t.Context(), "web", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return d.Spec.Template.Spec.Containers[0].Image
	}
	if got := image(); !strings.HasPrefix(got, want) || !strings.Contains(got, "@sha256:") {
		t.Errorf("deployed image %s, want %s pinned by digest", got, want)
	}

	// berth diff names the image as deploy did: nothing differs.
	if stdout, stderr, code := runAdvertised(t, ns, append([]string{"diff", "--exit-code", "-f", file}, flags...)...); code != 0 || stdout != "" {
		t.Errorf("diff after deploy: exit %d\n%s\n%s", code, stdout, stderr)
	}

	// berth up: the same push and references (the build is up to date).
	writeFile(t, dir+"/index.html", "<h1>shop v2</h1>\n")
	_, stderr, code = runAdvertised(t, ns, append([]string{"up", "-f", file}, flags...)...)
	if code != 0 || !strings.Contains(stderr, announced) {
		t.Fatalf("up: exit %d\n%s", code, stderr)
	}
	got := image()
	if !strings.HasPrefix(got, "registry.sandbox.local:5000/shop-web:") || got == want || !strings.Contains(got, "@sha256:") {
		t.Errorf("image after up %s (before: %s)", got, want)
	}
	if _, err := crane.Digest(host + strings.TrimPrefix(strings.Split(got, "@")[0], "registry.sandbox.local:5000")); err != nil {
		t.Errorf("up's image is not in the advertised registry: %v", err)
	}

	// An environment's registry wins: the cluster is not asked.
	stdout, stderr, code = runAdvertised(t, ns, append([]string{"build", "-e", "explicit", "-f", file}, flags...)...)
	if code != 0 || strings.Contains(stderr, "registry:") || !strings.Contains(stdout, host+"/explicit/shop-web:") {
		t.Errorf("build -e explicit: exit %d\n%s\n%s", code, stdout, stderr)
	}

	// An unusable advertisement: a warning, then the error without one.
	advertise("host: http://" + host + "\n")
	_, stderr, code = runAdvertised(t, ns, append([]string{"build", "-f", file}, flags...)...)
	for _, w := range []string{
		"warning: ignoring the cluster's registry advertisement: ConfigMap " + ns + "/local-registry-hosting, key localRegistryHosting.v1: host \"http://" + host + "\" is not a registry HOST[:PORT]\n",
		"error: web: berth.yaml has no registry: to push to",
		"hint: set registry: HOST/PATH in berth.yaml",
	} {
		if code != 1 || !strings.Contains(stderr, w) {
			t.Errorf("malformed advertisement: exit %d, stderr lacks %q:\n%s", code, w, stderr)
		}
	}

	// No right to read the ConfigMap is no advertisement: quiet, said with -v.
	_, stderr, code = runAdvertised(t, ns, append([]string{"build", "-v", "1", "--as", "nobody", "-f", file}, flags...)...)
	if code != 1 || strings.Contains(stderr, "warning:") || !strings.Contains(stderr, "hint: set registry: HOST/PATH") ||
		!strings.Contains(stderr, "registry: the cluster advertises no local registry: cannot read ConfigMap "+ns+"/local-registry-hosting: ") {
		t.Errorf("forbidden: exit %d\n%s", code, stderr)
	}

	// None: the error and its hint, and with -v why berth found none.
	if err := cms.Delete(t.Context(), registry.HostingName, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	_, stderr, code = runAdvertised(t, ns, append([]string{"build", "-v", "1", "-f", file}, flags...)...)
	for _, w := range []string{
		"registry: the cluster advertises no local registry: no ConfigMap " + ns + "/local-registry-hosting\n",
		"kube-public/local-registry-hosting, key localRegistryHosting.v1",
	} {
		if code != 1 || !strings.Contains(stderr, w) {
			t.Errorf("no advertisement: exit %d, stderr lacks %q:\n%s", code, w, stderr)
		}
	}
}
