package cli

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/testcluster"
)

// The environment internal/config's TestInvalid expands the broken files
// with, and the overlays (-e) some of them select: the same files must
// fail here with the same errors.
var (
	invalidEnv = map[string]string{
		"PW": "pw-Zq81-secret", "DB_PASS": "db-pass-Hk29", "API_TOKEN": "tok-Wm47-secret", "REPLICAS": "3",
		"DEBUG": "true", "EMPTY": "", "TAG": "1.4.2", "HOST": "shop.example.org",
	}
	invalidOverlay = map[string]string{
		"env_selected_unknown": "prodution", "env_selected_none_defined": "staging",
		"overlay_bad_value": "production", "overlay_var_unset_selected": "production", "overlay_strategy_mixed": "production",
	}
)

// auditUser is who TestBrokenConfigsWriteNothing acts as (--as), so the
// audit log tells its requests from those of the tests beside it.
const auditUser = "berth-audit-broken-configs"

// runErr is run returning the command's error too.
func runErr(t *testing.T, env map[string]string, args ...string) (stderr string, err error) {
	t.Helper()
	streams, _, _, errOut := genericiooptions.NewTestIOStreams()
	f := NewFactory(streams)
	f.LookupEnv = func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	cmd := NewRootCmd(f)
	cmd.SetArgs(args)
	err = cmd.ExecuteContext(t.Context())
	if err != nil {
		PrintError(errOut, err, false)
	}
	return errOut.String(), err
}

// TestBrokenConfigsWriteNothing runs berth deploy on every broken
// berth.yaml of internal/config/testdata/invalid against the sandbox: each
// exits 1 with exactly its golden config error, and the API server's audit
// log shows no write request from any of them. A valid deploy as the same
// user first proves that the audit log sees berth's writes.
func TestBrokenConfigsWriteNothing(t *testing.T) {
	c, _, flags := onCluster(t)
	cs := c.Clientset(t)
	crb := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: auditUser},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "cluster-admin"},
		Subjects:   []rbacv1.Subject{{APIGroup: "rbac.authorization.k8s.io", Kind: "User", Name: auditUser}},
	}
	if _, err := cs.RbacV1().ClusterRoleBindings().Create(t.Context(), crb, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cs.RbacV1().ClusterRoleBindings().Delete(t.Context(), auditUser, metav1.DeleteOptions{}) })
	flags = append(flags, "--as", auditUser)

	// The control: a valid app deployed as auditUser shows up in the log.
	valid := writeConfig(t, "apiVersion: berth/v1\nname: probe\nservices:\n  web:\n    image: nginx:1.27\n    ports: [{port: 80}]\n")
	if stderr, err := runErr(t, nil, append([]string{"deploy", "-f", valid, "--timeout", "2m"}, flags...)...); err != nil {
		t.Fatalf("deploying a valid app as %s: %v\n%s", auditUser, err, stderr)
	}
	var writes []testcluster.AuditEvent
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if writes = c.AuditWrites(t, auditUser); len(writes) > 0 {
			break
		}
	}
	if len(writes) == 0 {
		t.Fatalf("a valid deploy as %s left no write in %s: the audit log does not show berth's requests", auditUser, c.AuditLog())
	}
	seen := len(writes)
	t.Logf("the valid deploy made %d write requests, e.g. %v", seen, writes[0])

	files, err := filepath.Glob("../config/testdata/invalid/*.yaml")
	if err != nil || len(files) < 40 {
		t.Fatalf("broken configs: %d files, %v", len(files), err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".yaml")
		args := append([]string{"deploy", "-f", file}, flags...)
		if env := invalidOverlay[name]; env != "" {
			args = append(args, "-e", env)
		}
		stderr, err := runErr(t, invalidEnv, args...)
		var cerrs config.Errors
		if code := ExitCode(err); code != ExitUsage || !errors.As(err, &cerrs) {
			t.Errorf("%s: exit %d, %T %v; want exit %d with config errors", name, code, err, err, ExitUsage)
			continue
		}
		golden, rerr := os.ReadFile(strings.TrimSuffix(file, ".yaml") + ".err")
		if rerr != nil {
			t.Fatal(rerr)
		}
		// The golden files name the file as internal/config's tests do.
		if got := strings.ReplaceAll(err.Error(), "../config/", "") + "\n"; got != string(golden) {
			t.Errorf("%s: error differs from %s.err:\n%s\nwant:\n%s\nstderr:\n%s", name, name, got, golden, stderr)
		}
	}
	// The blocking audit backend has written every event by the time the
	// request returned: no broken file made a write request.
	if after := c.AuditWrites(t, auditUser); len(after) != seen {
		for _, e := range after[seen:] {
			t.Errorf("a broken config reached the API server: %v", e)
		}
	}
}
