package secrets

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
	"github.com/google/go-cmp/cmp"

	"github.com/berth-dev/berth/internal/config"
)

func newKey(t *testing.T) *age.X25519Identity {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// env is a fixed environment for LoadKeys.
func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestEncryptDecrypt(t *testing.T) {
	alice, bob, eve := newKey(t), newKey(t), newKey(t)
	enc, err := Encrypt("s3cr3t value\n", []string{alice.Recipient().String(), bob.Recipient().String()})
	if err != nil {
		t.Fatal(err)
	}
	if !config.IsEncrypted(enc) || strings.Contains(enc, "s3cr3t") || strings.ContainsAny(enc, "\n ") {
		t.Fatalf("Encrypt = %q", enc)
	}
	for _, id := range []*age.X25519Identity{alice, bob} {
		got, err := Decrypt(enc, []age.Identity{eve, id})
		if err != nil || got != "s3cr3t value\n" {
			t.Errorf("Decrypt = %q, %v", got, err)
		}
	}
	if _, err := Decrypt(enc, []age.Identity{eve}); err != ErrNoKey {
		t.Errorf("Decrypt with the wrong key: %v, want ErrNoKey", err)
	}
	want := []string{alice.Recipient().String(), bob.Recipient().String()}
	if diff := cmp.Diff(want, Recipients(enc)); diff != "" {
		t.Errorf("Recipients (-want +got):\n%s", diff)
	}
	// Post-quantum and classic recipients cannot be mixed (age's rule).
	pq, err := age.GenerateHybridIdentity()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Encrypt("x", []string{alice.Recipient().String(), pq.Recipient().String()}); err == nil || !strings.Contains(err.Error(), "cannot be mixed") {
		t.Errorf("mixed recipients: %v", err)
	}
	encPQ, err := Encrypt("pq", []string{pq.Recipient().String()})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := Decrypt(encPQ, []age.Identity{pq}); err != nil || got != "pq" {
		t.Errorf("post-quantum: %q %v", got, err)
	}
	if rs := Recipients(encPQ); len(rs) != 1 || !strings.HasPrefix(rs[0], "age1pq1") || len(rs[0]) > 40 {
		t.Errorf("post-quantum recipient named %v", rs)
	}
}

func TestLoadKeys(t *testing.T) {
	dir := t.TempDir()
	a, b, c := newKey(t), newKey(t), newKey(t)
	file := filepath.Join(dir, "keys.txt")
	if err := os.WriteFile(file, []byte("# created: now\n"+a.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	home := filepath.Join(dir, "home")
	sops := filepath.Join(home, ".config", "sops", "age", "keys.txt")
	if err := os.MkdirAll(filepath.Dir(sops), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(sops, []byte(b.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	k, err := LoadKeys(env(map[string]string{"HOME": home, EnvKeyFile: file, EnvSopsKey: c.String()}))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"BERTH_AGE_KEY (not set)",
		"BERTH_AGE_KEY_FILE=" + file + " (1 key)",
		"SOPS_AGE_KEY (1 key)",
		"SOPS_AGE_KEY_FILE (not set)",
		filepath.Join(home, ".config", "berth", "age", "keys.txt") + " (no such file)",
		sops + " (1 key)",
	}
	if diff := cmp.Diff(want, k.Looked); diff != "" {
		t.Errorf("Looked (-want +got):\n%s", diff)
	}
	if len(k.Identities) != 3 {
		t.Errorf("%d identities, want 3", len(k.Identities))
	}
	// A file named explicitly must exist; a broken key is an error that
	// does not quote it.
	if _, err := LoadKeys(env(map[string]string{EnvKeyFile: filepath.Join(dir, "nope")})); err == nil || !strings.Contains(err.Error(), "BERTH_AGE_KEY_FILE=") {
		t.Errorf("missing key file: %v", err)
	}
	broken := "AGE-SECRET-KEY-1BROKENBROKENBROKEN"
	if _, err := LoadKeys(env(map[string]string{EnvKey: broken})); err == nil || strings.Contains(err.Error(), "BROKEN") {
		t.Errorf("broken key: %v", err)
	}
}

const app = `apiVersion: berth/v1
name: shop
# who can read the secrets
encryption:
  age: [RECIPIENT]
services:
  web:
    image: nginx:1.27
    env:
      PW: {secretRef: {name: db, key: password}}
secrets:
  db:
    password: hunter2-planted   # the dev password
    user: "${DB_USER:-shop}"
environments:
  production:
    encryption: {age: [PRODRECIPIENT]}
    secrets:
      db: {password: "prod-planted"}
`

func TestEncryptFileOpenDecryptFile(t *testing.T) {
	dev, prod := newKey(t), newKey(t)
	text := strings.NewReplacer("PRODRECIPIENT", prod.Recipient().String(), "RECIPIENT", dev.Recipient().String()).Replace(app)
	file := filepath.Join(t.TempDir(), "berth.yaml")
	out, res, err := EncryptFile(file, []byte(text), EncryptOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&Result{
		Changed: []string{"secrets.db.password", "environments.production.secrets.db.password"},
		Notes:   []string{"secrets.db.user: a ${VAR} reference, left as is (its value is not in the file)"},
	}, res); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
	if strings.Contains(string(out), "planted") || !strings.Contains(string(out), "# the dev password") || !strings.Contains(string(out), "# who can read") {
		t.Fatalf("encrypted file:\n%s", out)
	}
	// Encrypting again changes nothing: encrypted values stay as written.
	again, _, err := EncryptFile(file, out, EncryptOptions{})
	if err != nil || string(again) != string(out) {
		t.Errorf("second encrypt changed the file: %v", err)
	}
	if err := os.WriteFile(file, out, 0o600); err != nil {
		t.Fatal(err)
	}

	// Load keeps the values encrypted; Open decrypts them in memory.
	for _, tc := range []struct {
		env  string
		key  *age.X25519Identity
		want string
	}{{"", dev, "hunter2-planted"}, {"production", prod, "prod-planted"}} {
		p, _, err := config.Load(file, config.Options{Env: tc.env, LookupEnv: env(nil)})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Encrypted) != 1 || p.Secrets["db"]["password"] == tc.want {
			t.Fatalf("loaded: %+v", p.Encrypted)
		}
		if err := Open(p, &Keys{Identities: []age.Identity{tc.key}}); err != nil {
			t.Fatal(err)
		}
		if got := p.Secrets["db"]["password"]; got != tc.want || p.Encrypted != nil {
			t.Errorf("env %q: password %q, want %q", tc.env, got, tc.want)
		}
	}

	// The production value is not readable with the dev key: the error
	// names the position, the recipient and where berth looked.
	p, _, err := config.Load(file, config.Options{Env: "production", LookupEnv: env(nil)})
	if err != nil {
		t.Fatal(err)
	}
	keys, err := LoadKeys(env(map[string]string{"HOME": "/nonexistent", EnvKey: dev.String()}))
	if err != nil {
		t.Fatal(err)
	}
	err = Open(p, keys)
	want := file + ":19:22: environments.production.secrets.db.password: cannot decrypt: none of your age keys can; the value is encrypted to " + prod.Recipient().String() + "\n" +
		"    hint: berth looked for keys in BERTH_AGE_KEY (1 key), BERTH_AGE_KEY_FILE (not set), SOPS_AGE_KEY (not set), SOPS_AGE_KEY_FILE (not set), /nonexistent/.config/berth/age/keys.txt (no such file), /nonexistent/.config/sops/age/keys.txt (no such file); point BERTH_AGE_KEY_FILE at the key file of one of those recipients (or put the key in BERTH_AGE_KEY)"
	if err == nil || err.Error() != want {
		t.Errorf("Open with the wrong key:\n got %v\nwant %s", err, want)
	}
	if strings.Contains(err.Error(), dev.String()) {
		t.Error("the error shows a key")
	}

	// Decrypt gives back the original text of the values.
	plainText, plain, _, err := DecryptFile(file, out, nil, &Keys{Identities: []age.Identity{dev, prod}})
	if err != nil {
		t.Fatal(err)
	}
	wantText := strings.Replace(strings.Replace(text, "hunter2-planted", `"hunter2-planted"`, 1), `"prod-planted"`, `"prod-planted"`, 1)
	if diff := cmp.Diff(wantText, string(plainText)); diff != "" {
		t.Errorf("decrypted file (-want +got):\n%s", diff)
	}
	if plain["secrets.db.password"] != "hunter2-planted" {
		t.Errorf("plain: %v", plain)
	}

	// Reseal after an edit: the unchanged value keeps its ciphertext, the
	// changed and the new ones are encrypted, the ${VAR} stays.
	edited := strings.Replace(string(plainText), `"prod-planted"`, `"prod-changed"`, 1)
	edited = strings.Replace(edited, `    user: "${DB_USER:-shop}"`, "    user: \"${DB_USER:-shop}\"\n    token: new-token", 1)
	sealed, res, err := Reseal(file, out, []byte(edited), plain)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"secrets.db.token", "environments.production.secrets.db.password"}, res.Changed); diff != "" {
		t.Errorf("resealed (-want +got):\n%s", diff)
	}
	oldLines := strings.Split(string(out), "\n")
	newLines := strings.Split(string(sealed), "\n")
	if oldLines[12] != newLines[12] || !strings.Contains(newLines[12], "ENC[age:") {
		t.Errorf("the unchanged value was encrypted again:\n%s\n%s", oldLines[12], newLines[12])
	}
	if strings.Contains(string(sealed), "changed") || strings.Contains(string(sealed), "new-token") {
		t.Errorf("resealed file has plain values:\n%s", sealed)
	}
}

func TestEncryptFileErrors(t *testing.T) {
	file := "berth.yaml"
	noRecipients := "apiVersion: berth/v1\nname: shop\nsecrets:\n  db: {password: pw}\n"
	_, _, err := EncryptFile(file, []byte(noRecipients), EncryptOptions{})
	if err == nil || !strings.HasPrefix(err.Error(), "berth.yaml:4:18: secrets.db.password: there is no one to encrypt to") {
		t.Errorf("no recipients: %v", err)
	}
	_, _, err = EncryptFile(file, []byte(noRecipients), EncryptOptions{Select: []string{"db.pasword", "api"}})
	if err == nil || err.Error() != "berth.yaml has no secret db.pasword, api; it has: db.password" {
		t.Errorf("unknown selection: %v", err)
	}
}
