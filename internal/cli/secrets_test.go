package cli

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
)

// secretApp is a berth.yaml with a plain secret value to encrypt.
func secretApp(recipient, value string) string {
	return `apiVersion: berth/v1
name: shop
# the team's keys
encryption:
  age: [` + recipient + `]
services:
  web:
    image: nginx:1.27
    env:
      PW: {secretRef: {name: db, key: password}}
secrets:
  db:
    password: ` + value + `   # keep me
    user: "${DB_USER:-shop}"
`
}

func ageKey(t *testing.T) (*age.X25519Identity, string) {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "keys.txt")
	if err := os.WriteFile(file, []byte(id.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return id, file
}

func readString(t *testing.T, file string) string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestSecretsCommands: encrypt in place, render with the key (the value
// decrypted in memory) and without it (an error naming the recipient and
// where keys are looked up), decrypt to stdout and in place, and edit
// through an $EDITOR script.
func TestSecretsCommands(t *testing.T) {
	t.Parallel()
	id, keyFile := ageKey(t)
	const planted = "planted-7f3a9c-value"
	file := writeConfig(t, secretApp(id.Recipient().String(), planted))
	home := t.TempDir()
	noKey := map[string]string{"HOME": home}
	withKey := map[string]string{"HOME": home, "BERTH_AGE_KEY_FILE": keyFile}

	stdout, stderr, code := run(t, noKey, "secrets", "encrypt", "-f", file)
	if code != 0 || stdout != "" {
		t.Fatalf("encrypt: exit %d\n%s%s", code, stdout, stderr)
	}
	wantErr := "note: secrets.db.user: a ${VAR} reference, left as is (its value is not in the file)\n" + file + ": encrypted 1 value: secrets.db.password\n"
	if stderr != wantErr {
		t.Errorf("encrypt stderr:\n%s\nwant:\n%s", stderr, wantErr)
	}
	text := readString(t, file)
	if strings.Contains(text, planted) || !strings.Contains(text, `    password: "ENC[age:`) || !strings.Contains(text, `"   # keep me`) || !strings.Contains(text, "# the team's keys") {
		t.Fatalf("encrypted berth.yaml:\n%s", text)
	}

	// render decrypts in memory: --show-secrets shows the value, the
	// default output does not; the file stays encrypted.
	stdout, stderr = mustRunEnv(t, withKey, "render", "-f", file, "--show-secrets")
	if !strings.Contains(stdout, b64(planted)) {
		t.Errorf("render --show-secrets does not have the decrypted value:\n%s", stdout)
	}
	stdout, stderr = mustRunEnv(t, withKey, "render", "-f", file)
	if strings.Contains(stdout+stderr, planted) || strings.Contains(stdout+stderr, b64(planted)) {
		t.Errorf("render shows the secret:\n%s%s", stdout, stderr)
	}
	if readString(t, file) != text {
		t.Error("render changed berth.yaml")
	}
	// validate needs no key.
	mustRunEnv(t, noKey, "validate", "-f", file)

	// Without the key: a config-style error at the value (exit 2, as every config error).
	_, stderr, code = run(t, noKey, "render", "-f", file)
	want := "error: " + file + ":13:15: secrets.db.password: cannot decrypt: no age key found; the value is encrypted to " + id.Recipient().String()
	if code != ExitUsage || !strings.HasPrefix(stderr, want) || !strings.Contains(stderr, "BERTH_AGE_KEY_FILE (not set)") || !strings.Contains(stderr, filepath.Join(home, ".config", "berth", "age", "keys.txt")+" (no such file)") {
		t.Errorf("render without a key: exit %d\n%s\nwant prefix:\n%s", code, stderr, want)
	}

	// decrypt prints the plain file and leaves berth.yaml alone.
	stdout, _ = mustRunEnv(t, withKey, "secrets", "decrypt", "-f", file)
	if want := secretApp(id.Recipient().String(), `"`+planted+`"`); stdout != want {
		t.Errorf("decrypt:\n%s\nwant:\n%s", stdout, want)
	}
	if readString(t, file) != text {
		t.Error("decrypt without --in-place changed berth.yaml")
	}

	// edit: the editor sees the plain value in a private file, which is
	// gone afterwards; the new value is encrypted on save.
	dir := t.TempDir()
	seen := filepath.Join(dir, "seen")
	editor := filepath.Join(dir, "editor.sh")
	script := "#!/bin/sh\nstat -c '%a' \"$1\" > " + seen + "\necho \"$1\" >> " + seen + "\ngrep -c " + planted + " \"$1\" >> " + seen + "\nsed -i 's/" + planted + "/changed-by-editor/' \"$1\"\n"
	if err := os.WriteFile(editor, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	edit := map[string]string{"HOME": home, "BERTH_AGE_KEY_FILE": keyFile, "EDITOR": editor}
	_, stderr = mustRunEnv(t, edit, "secrets", "edit", "-f", file)
	if want := file + ": saved; encrypted 1 changed value: secrets.db.password\n"; stderr != want {
		t.Errorf("edit stderr %q, want %q", stderr, want)
	}
	lines := strings.Split(strings.TrimSpace(readString(t, seen)), "\n")
	if len(lines) != 3 || lines[0] != "600" || lines[2] != "1" {
		t.Fatalf("the editor saw: %q", lines)
	}
	if _, err := os.Stat(lines[1]); !os.IsNotExist(err) {
		t.Errorf("the decrypted copy %s is still there: %v", lines[1], err)
	}
	edited := readString(t, file)
	if strings.Contains(edited, "changed-by-editor") || strings.Contains(edited, planted) || edited == text {
		t.Fatalf("berth.yaml after edit:\n%s", edited)
	}
	stdout, _ = mustRunEnv(t, withKey, "secrets", "decrypt", "-f", file, "db.password")
	if !strings.Contains(stdout, `password: "changed-by-editor"   # keep me`) {
		t.Errorf("decrypt after edit:\n%s", stdout)
	}

	// decrypt --in-place writes the plain value back.
	_, stderr = mustRunEnv(t, withKey, "secrets", "decrypt", "-f", file, "--in-place")
	if !strings.Contains(readString(t, file), `password: "changed-by-editor"`) || !strings.Contains(stderr, "run berth secrets encrypt before you commit it") {
		t.Errorf("decrypt --in-place:\n%s\n%s", readString(t, file), stderr)
	}
}

// TestSecretsEditorFails: a failing editor changes nothing and leaves no
// plain copy.
func TestSecretsEditorFails(t *testing.T) {
	t.Parallel()
	id, keyFile := ageKey(t)
	file := writeConfig(t, secretApp(id.Recipient().String(), "pw"))
	mustRunEnv(t, nil, "secrets", "encrypt", "-f", file)
	before := readString(t, file)
	dir := t.TempDir()
	editor := filepath.Join(dir, "editor.sh")
	if err := os.WriteFile(editor, []byte("#!/bin/sh\ndirname \"$1\" > "+filepath.Join(dir, "seen")+"\nexit 3\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := run(t, map[string]string{"BERTH_AGE_KEY_FILE": keyFile, "EDITOR": editor}, "secrets", "edit", "-f", file)
	if code != 1 || !strings.Contains(stderr, "berth.yaml was not changed") {
		t.Errorf("exit %d: %s", code, stderr)
	}
	if readString(t, file) != before {
		t.Error("berth.yaml changed")
	}
	if _, err := os.Stat(strings.TrimSpace(readString(t, filepath.Join(dir, "seen")))); !os.IsNotExist(err) {
		t.Errorf("the temporary directory is still there: %v", err)
	}
}

func mustRunEnv(t *testing.T, env map[string]string, args ...string) (string, string) {
	t.Helper()
	stdout, stderr, code := run(t, env, args...)
	if code != 0 {
		t.Fatalf("berth %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, stdout, stderr)
	}
	return stdout, stderr
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
