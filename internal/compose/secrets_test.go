package compose

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/render"
	"github.com/berth-dev/berth/internal/testutil"
)

// unset answers that no variable is set: the import must render without
// the user exporting anything.
func unset(string) (string, bool) { return "", false }

// TestImportFileSecrets imports the Postgres pattern of issue 16 (a file
// secret, a *_FILE variable, a bind-mounted nginx.conf) and renders it
// with no variable set; the whole output is the golden
// testdata/golden/filesecrets.rendered.yaml (secret values blanked).
func TestImportFileSecrets(t *testing.T) {
	dir := filepath.Join("testdata", "filesecrets")
	res, err := Import(t.Context(), Options{Files: []string{filepath.Join(dir, "compose.yaml")}, OutputDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if vars := res.SecretVars(); len(vars) > 0 {
		t.Errorf("SecretVars = %v, want none", vars)
	}
	if got, want := res.Next(), "next: berth validate, then berth render"; got != want {
		t.Errorf("Next = %q, want %q", got, want)
	}
	p, warnings, err := config.Parse(filepath.Join(dir, "berth.yaml"), res.YAML, config.Options{LookupEnv: unset})
	if err != nil {
		t.Fatalf("berth.yaml does not load with no variable set: %v\n%s", err, res.YAML)
	}
	for _, w := range warnings {
		t.Errorf("berth validate warns: %v", w)
	}
	db := p.Services["db"]
	if got := db.Env["POSTGRES_PASSWORD_FILE"]; got.Value != "/run/secrets/db-password" || got.SecretRef != nil {
		t.Errorf("POSTGRES_PASSWORD_FILE = %+v, want the plain value /run/secrets/db-password", got)
	}
	if diff := cmp.Diff(map[string]config.SecretFile{"/run/secrets/db-password": {Name: "db-password", Key: "db-password"}}, db.SecretFiles); diff != "" {
		t.Errorf("db secretFiles (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]string{"/etc/nginx/conf.d/default.conf": "proxy/nginx.conf"}, p.Services["proxy"].ConfigFiles); diff != "" {
		t.Errorf("proxy configFiles (-want +got):\n%s", diff)
	}

	r, err := render.Render(p, render.Options{})
	if err != nil {
		t.Fatal(err)
	}
	testutil.Golden(t, filepath.Join("testdata", "golden", "filesecrets.rendered.yaml"), r.Manifest, *update)
	if err := render.Strict(r.Objects); err != nil {
		t.Errorf("the rendered objects do not decode into their API types: %v", err)
	}
	if strings.Contains(string(r.Manifest), "db-pw-in-a-file") {
		t.Error("the rendered output shows the secret without --show-secrets")
	}

	shown, err := render.Render(p, render.Options{ShowSecrets: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range shown.Objects {
		if o.Kind != "Secret" {
			continue
		}
		var sec corev1.Secret
		if err := yaml.Unmarshal(o.YAML, &sec); err != nil {
			t.Fatal(err)
		}
		if got := string(sec.Data["db-password"]); o.Name != "db-password" || got != "db-pw-in-a-file\n" {
			t.Errorf("Secret %s holds %q, want db-password with the file's content", o.Name, got)
		}
	}
}

// TestCredential: names and values that hold credentials become secrets;
// paths, addresses, ports, switches and settings about credentials stay
// plain values.
func TestCredential(t *testing.T) {
	for _, tc := range []struct {
		name, value string
		want        bool
	}{
		// Credentials.
		{"POSTGRES_PASSWORD", "example", true},
		{"MYSQL_ROOT_PASSWD", "root", true},
		{"DB_PASS", "hunter2", true},
		{"JWT_SECRET", "s3cr3t", true},
		{"SECRET_KEY_BASE", "abcdef0123", true},
		{"GITHUB_TOKEN", "ghp_123", true},
		{"STRIPE_API_KEY", "sk_test_123", true},
		{"AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCY", true},
		{"SSH_PRIVATE_KEY", "-----BEGIN OPENSSH PRIVATE KEY-----", true},
		{"GOOGLE_CREDENTIALS", `{"type": "service_account"}`, true},
		{"BASIC_AUTH", "admin:admin", true},
		{"AUTHORIZATION", "Bearer abc", true},
		{"DATABASE_URL", "postgres://app:pw@db:5432/app", true},
		{"REDIS_URL", "redis://:pw@cache:6379/0", true},
		{"AUTH_URL", "https://user:pw@auth.example.com", true},
		{"WEBHOOK_TOKEN", "https://hooks.example.com/x?sig=abc", true},
		{"DB_PASSWORD_FILE", "hunter2 is my password", true},
		{"DB_PASSWORD_FILE", "c2VjcmV0+Zm9v==", true},
		// Not credentials.
		{"POSTGRES_PASSWORD_FILE", "/run/secrets/db-password", false},
		{"MYSQL_PASSWORD_FILE", "./secrets/db.txt", false},
		{"TOKEN_PATH", "secrets/token.txt", false},
		{"GOOGLE_APPLICATION_CREDENTIALS_FILE", "~/.config/gcloud/key.json", false},
		{"SECRETS_DIR", "/var/run/secrets", false},
		{"AUTH_URL", "https://auth.example.com/realms/app", false},
		{"OIDC_AUTH_ENDPOINT", "http://keycloak:8080/auth", false},
		{"AUTH_SERVICE", "http://auth:9000", false},
		{"AUTH_HOST", "auth", false},
		{"AUTH_PORT", "9000", false},
		{"TOKEN_TTL", "3600", false},
		{"POSTGRES_HOST_AUTH_METHOD", "trust", false},
		{"SMTP_AUTH_USER", "mailer", false},
		{"AUTH_ENABLED", "true", false},
		{"REQUIRE_PASSWORD", "no", false},
		{"SECRET_NAME", "db-credentials", false},
		{"GIT_AUTHOR_NAME", "Jane Doe", false},
		{"OIDC_AUTHORITY", "https://login.example.com", false},
		{"DATABASE_URL", "postgres://app@db:5432/app", false},
		{"API_BASE_URL", "https://api.example.com", false},
		{"POSTGRES_PASSWORD", "", false},
		{"PORT", "8080", false},
	} {
		t.Run(tc.name+"="+tc.value, func(t *testing.T) {
			if got := credential(tc.name, tc.value); got != tc.want {
				t.Errorf("credential(%q, %q) = %v, want %v", tc.name, tc.value, got, tc.want)
			}
		})
	}
}

// TestImportComposeSecrets: each kind of compose secret, the short and
// long syntax, and what is not translated.
func TestImportComposeSecrets(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"compose.yaml": `services:
  app:
    image: busybox
    secrets:
      - api_key
      - source: db-password
        target: /etc/app/db.txt
      - source: token
        target: token.txt
        mode: 0400
      - shared
      - undefined-here
  worker:
    image: busybox
    secrets: [api_key, shared]
secrets:
  api_key:
    file: ./keys/api.txt
  db-password:
    file: db/password.txt
  token:
    environment: APP_TOKEN
  shared:
    external: true
  undefined-here:
    name: other
    external: true
`,
		"keys/api.txt":    "k-123",
		"db/password.txt": "pw",
	} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res, err := Import(t.Context(), Options{Files: []string{filepath.Join(dir, "compose.yaml")}, OutputDir: dir, Environ: []string{"APP_TOKEN=t-1"}})
	if err != nil {
		t.Fatal(err)
	}
	p := res.Project
	wantSecrets := map[string]map[string]string{
		"api-key":     {"api_key": "${file:keys/api.txt}"},
		"db-password": {"db-password": "${file:db/password.txt}"},
		"token":       {"token": "${APP_TOKEN}"},
	}
	if diff := cmp.Diff(wantSecrets, p.Secrets); diff != "" {
		t.Errorf("secrets (-want +got):\n%s", diff)
	}
	wantApp := map[string]config.SecretFile{
		"/run/secrets/api_key":        {Name: "api-key", Key: "api_key"},
		"/etc/app/db.txt":             {Name: "db-password", Key: "db-password"},
		"/run/secrets/token.txt":      {Name: "token", Key: "token"},
		"/run/secrets/shared":         {Name: "shared", Key: "shared"},
		"/run/secrets/undefined-here": {Name: "other", Key: "undefined-here"},
	}
	if diff := cmp.Diff(wantApp, p.Services["app"].SecretFiles); diff != "" {
		t.Errorf("app secretFiles (-want +got):\n%s", diff)
	}
	if got := len(p.Services["worker"].SecretFiles); got != 2 {
		t.Errorf("worker mounts %d secrets, want 2", got)
	}
	if diff := cmp.Diff([]string{"APP_TOKEN"}, res.SecretVars()); diff != "" {
		t.Errorf("SecretVars (-want +got):\n%s", diff)
	}
	var warnings []string
	for _, w := range res.Warnings {
		if strings.Contains(w.Path, "secrets") {
			warnings = append(warnings, w.Path+": "+w.Msg)
		}
	}
	want := []string{
		`services.app.secrets: the uid, gid and mode of secret "token" are not translated: the file is mounted read-only, readable by every user of the container`,
		`secrets.token: became secret "token" as ${APP_TOKEN}: export APP_TOKEN before berth render or deploy`,
		`secrets.shared: is external: berth does not create it; create the Secret "shared" with the key "shared" in the namespace (kubectl create secret generic shared --from-file=shared=FILE)`,
		`secrets.undefined-here: is external: berth does not create it; create the Secret "other" with the key "undefined-here" in the namespace (kubectl create secret generic other --from-file=undefined-here=FILE)`,
	}
	if diff := cmp.Diff(want, warnings, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
	if strings.Contains(string(res.YAML), "k-123") || strings.Contains(string(res.YAML), "t-1") {
		t.Errorf("berth.yaml holds a secret value:\n%s", res.YAML)
	}
	if _, _, err := config.Parse(filepath.Join(dir, "berth.yaml"), res.YAML, config.Options{LookupEnv: anyVar}); err != nil {
		t.Errorf("berth.yaml does not validate: %v\n%s", err, res.YAML)
	}
}
