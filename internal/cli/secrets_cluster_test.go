package cli

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/internal/testutil"
)

// TestSecretValuesNeverShown plants unique secret values in an encrypted
// berth.yaml and runs every command that can run on the sandbox, as the
// real binary, many of them with -v 8 (client-go then logs request and
// response bodies): neither a value nor its base64 form may appear in any
// stdout or stderr, nor in the release records. It also walks the record
// design through: a revision records no values, undo keeps the Secret's
// current values (with a warning) instead of removing them, helm rollback
// leaves them, and an undo to a Secret that is gone stops with an error.
func TestSecretValuesNeverShown(t *testing.T) {
	t.Parallel()
	c, ns, flags := onCluster(t)
	cs := c.Clientset(t)
	bin, err := berthBinary()
	if err != nil {
		t.Fatal(err)
	}
	id, keyFile := ageKey(t)
	planted := func() string {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		return "planted-" + hex.EncodeToString(b)
	}
	one, two := planted(), planted()
	leaks := []string{one, two, b64(one), b64(two)}
	app := func(version, value string) string {
		return `apiVersion: berth/v1
name: shop
encryption:
  age: [` + id.Recipient().String() + `]
services:
  web:
    image: registry.example/web:` + version + `
    env:
      PW: {secretRef: {name: db, key: password}}
secrets:
  db:
    password: ` + value + `
    user: admin
`
	}
	file := writeConfig(t, app("1", one))
	home := t.TempDir()
	env := []string{"HOME=" + home, "BERTH_AGE_KEY_FILE=" + keyFile, "PATH=" + os.Getenv("PATH"), "CI=true"}
	berth := func(args ...string) (string, string, int) {
		t.Helper()
		cmd := exec.CommandContext(t.Context(), bin, args...)
		cmd.Env = env
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		for _, l := range leaks {
			if strings.Contains(stdout.String(), l) || strings.Contains(stderr.String(), l) {
				t.Errorf("berth %s shows a secret value (%s)", strings.Join(args, " "), l)
			}
		}
		return stdout.String(), stderr.String(), code
	}
	must := func(args ...string) (string, string) {
		t.Helper()
		stdout, stderr, code := berth(args...)
		if code != 0 {
			t.Fatalf("berth %s: exit %d\n%s\n%s", strings.Join(args, " "), code, stdout, stderr)
		}
		return stdout, stderr
	}
	cluster := func(args ...string) []string { return append(append(args, "-f", file), flags...) }
	verbose := func(args ...string) []string { return append(cluster(args...), "-v", "8") }

	must("secrets", "encrypt", "-f", file)
	must("validate", "-f", file)
	must("render", "-f", file)
	must("render", "-f", file, "-o", "json")
	must(verbose("diff")...)
	must(verbose("deploy", "--cause", "one", "--timeout", "2m")...)
	must(verbose("status")...)

	// Revision 2 changes the value.
	if err := os.WriteFile(file, []byte(app("2", two)), 0o644); err != nil {
		t.Fatal(err)
	}
	must("secrets", "encrypt", "-f", file)
	if _, _, code := berth(verbose("diff", "--exit-code")...); code != 1 {
		t.Errorf("diff --exit-code after a change: exit %d, want 1", code)
	}
	must(verbose("deploy", "--cause", "two", "--timeout", "2m")...)
	must(verbose("scale", "web=2")...)
	must(cluster("history")...)
	must(cluster("history", "-o", "json")...)
	must(verbose("history", "--revision", "2", "--diff")...)
	must(cluster("history", "--revision", "3", "--diff", "1", "-o", "yaml")...)
	must(cluster("rollout", "history", "web")...)

	live := func() map[string][]byte {
		t.Helper()
		s, err := cs.CoreV1().Secrets(ns).Get(t.Context(), "db", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return s.Data
	}
	records := func() {
		t.Helper()
		for _, rec := range testutil.ReleaseRecords(t, cs, ns, "shop") {
			for _, l := range leaks {
				if strings.Contains(rec, l) {
					t.Errorf("a release record holds a secret value (%s)", l)
				}
			}
		}
	}
	records()

	// Undo to revision 1: the Secret keeps its current values, and says so.
	_, stderr := must(verbose("undo", "--to-revision", "1", "--timeout", "2m")...)
	if !strings.Contains(stderr, "warning: secret db changed since revision 1; berth keeps no old secret values: its current values are kept") {
		t.Errorf("undo does not warn about the secret:\n%s", stderr)
	}
	if d := live(); string(d["password"]) != two || string(d["user"]) != "admin" {
		t.Errorf("Secret after undo: %q", d)
	}
	dep, err := cs.AppsV1().Deployments(ns).Get(t.Context(), "web", metav1.GetOptions{})
	if err != nil || dep.Spec.Template.Spec.Containers[0].Image != "registry.example/web:1" {
		t.Errorf("web after undo: %v %v", dep, err)
	}
	records()

	// An undo to a revision whose Secret is gone changes nothing.
	if err := cs.CoreV1().Secrets(ns).Delete(t.Context(), "db", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := berth(cluster("undo", "--to-revision", "2", "--timeout", "1m")...)
	if code != 1 || !strings.Contains(stderr, "error: nothing was changed: revision 2 has Secret db, which is no longer in the cluster") || !strings.Contains(stderr, "keys: password, user") {
		t.Errorf("undo without the Secret: exit %d\n%s", code, stderr)
	}
	must(cluster("deploy", "--cause", "again", "--timeout", "2m")...)
	if d := live(); string(d["password"]) != two {
		t.Errorf("Secret after deploying again: %q", d)
	}

	// helm rollback applies a recorded manifest without data: the Secret
	// keeps its values.
	helmBin := testutil.Tool(t, "helm", "make tools")
	out, err := exec.Command(helmBin, "rollback", "shop", "1", "-n", ns, "--kubeconfig", c.Kubeconfig, "--wait", "--timeout", "1m").CombinedOutput()
	if err != nil {
		t.Fatalf("helm rollback: %v\n%s", err, out)
	}
	if d := live(); string(d["password"]) != two || string(d["user"]) != "admin" {
		t.Errorf("Secret after helm rollback: %q", d)
	}
	must(cluster("history")...)
	records()
}

// TestAtomicRestoresSecretValues: a deploy that changes a secret value and
// fails is rolled back by --atomic with the value it replaced, which berth
// held in memory (the records have none), without a warning.
func TestAtomicRestoresSecretValues(t *testing.T) {
	t.Parallel()
	c, ns, flags := onCluster(t)
	cs := c.Clientset(t)
	app := func(value, extra string) string {
		return "apiVersion: berth/v1\nname: shop\nservices:\n  web:\n    image: registry.example/web:1\n    env:\n      PW: {secretRef: {name: db, key: password}}\n" + extra +
			"secrets:\n  db: {password: " + value + "}\n"
	}
	mustRun(t, append([]string{"deploy", "-f", writeConfig(t, app("old-value", ""))}, flags...)...)
	bad := writeConfig(t, app("new-value", "    resources: {requests: {cpu: \"1000\"}}\n"))
	_, stderr, code := run(t, nil, append([]string{"deploy", "-f", bad, "--atomic", "--timeout", "5s"}, flags...)...)
	if code != ExitUnhealthy || !strings.Contains(stderr, "rolled back to revision 1") {
		t.Fatalf("atomic deploy: exit %d\n%s", code, stderr)
	}
	if strings.Contains(stderr, "changed since revision") {
		t.Errorf("--atomic warned about the secret:\n%s", stderr)
	}
	s, err := cs.CoreV1().Secrets(ns).Get(t.Context(), "db", metav1.GetOptions{})
	if err != nil || string(s.Data["password"]) != "old-value" {
		t.Errorf("Secret after the rollback: %v %q", err, s.Data)
	}
}
