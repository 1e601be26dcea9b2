package secrets

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-dev/berth/internal/config"
)

// inPlaceFixture is app with its recipients filled in, plain, encrypted
// and decrypted again (values quoted), and an environment holding both
// keys.
type inPlaceFixture struct {
	plain, encrypted, decrypted string
	keys                        func(string) (string, bool)
}

func newInPlaceFixture(t *testing.T) inPlaceFixture {
	t.Helper()
	dev, prod := newKey(t), newKey(t)
	plain := strings.NewReplacer("PRODRECIPIENT", prod.Recipient().String(), "RECIPIENT", dev.Recipient().String()).Replace(app)
	enc, _, err := EncryptFile("berth.yaml", []byte(plain), EncryptOptions{})
	if err != nil {
		t.Fatal(err)
	}
	decrypted := strings.Replace(plain, "password: hunter2-planted", `password: "hunter2-planted"`, 1)
	return inPlaceFixture{plain: plain, encrypted: string(enc), decrypted: decrypted,
		keys: env(map[string]string{"HOME": "/nonexistent", EnvKey: dev.String() + "\n" + prod.String()})}
}

// writeBerth writes text to berth.yaml in a new folder ("" writes none).
func writeBerth(t *testing.T, text string) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "berth.yaml")
	if text != "" {
		if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return file
}

const varNote = "secrets.db.user: a ${VAR} reference, left as is (its value is not in the file)"

var bothPasswords = []string{"secrets.db.password", "environments.production.secrets.db.password"}

// TestEncryptInPlace: berth secrets encrypt rewrites berth.yaml only when
// a value was encrypted, loads keys only to rekey, and leaves the file as
// it was on an error.
func TestEncryptInPlace(t *testing.T) {
	t.Parallel()
	fx := newInPlaceFixture(t)
	noKeys := env(map[string]string{"HOME": "/nonexistent"})
	for _, c := range []struct {
		name    string
		before  string
		opts    EncryptOptions
		env     func(string) (string, bool)
		want    *Result
		written bool
		err     string
	}{
		{name: "plain values", before: fx.plain, env: noKeys,
			want: &Result{Changed: bothPasswords, Notes: []string{varNote}}, written: true},
		{name: "nothing plain", before: fx.encrypted, env: noKeys,
			want: &Result{Notes: []string{varNote}}},
		{name: "rekey", before: fx.encrypted, opts: EncryptOptions{Rekey: true}, env: fx.keys,
			want: &Result{Changed: bothPasswords, Notes: []string{varNote}}, written: true},
		{name: "rekey without keys", before: fx.encrypted, opts: EncryptOptions{Rekey: true}, env: noKeys,
			err: "cannot decrypt"},
		{name: "unknown selection", before: fx.plain, opts: EncryptOptions{Select: []string{"api"}}, env: noKeys,
			err: "has no secret api; it has: db.password, db.user"},
		{name: "missing file", env: noKeys, err: "no such file"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			file := writeBerth(t, c.before)
			res, err := EncryptInPlace(file, c.opts, c.env)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want one saying %q", err, c.err)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(c.want, res); diff != "" {
				t.Errorf("result (-want +got):\n%s", diff)
			}
			after, rerr := os.ReadFile(file)
			if c.before == "" {
				var ce *config.Error
				if !errors.Is(rerr, os.ErrNotExist) || !errors.As(err, &ce) {
					t.Errorf("missing file: %v, file %v", err, rerr)
				}
				return
			}
			if written := string(after) != c.before; written != c.written {
				t.Errorf("file rewritten %v, want %v:\n%s", written, c.written, after)
			}
			if strings.Contains(string(after), "planted") != (c.before == fx.plain && !c.written) {
				t.Errorf("plain values in the file after:\n%s", after)
			}
		})
	}
}

// TestDecrypt: berth secrets decrypt prints the file with its values
// plain and leaves it as it is; with -i it rewrites it, only when a value
// was decrypted.
func TestDecrypt(t *testing.T) {
	t.Parallel()
	fx := newInPlaceFixture(t)
	for _, c := range []struct {
		name    string
		before  string
		sel     []string
		env     func(string) (string, bool)
		out     string
		changed []string
		err     string
	}{
		{name: "encrypted", before: fx.encrypted, env: fx.keys, out: fx.decrypted, changed: bothPasswords},
		{name: "plain already", before: fx.plain, env: fx.keys, out: fx.plain, changed: nil},
		{name: "no keys", before: fx.encrypted, env: env(map[string]string{"HOME": "/nonexistent"}), err: "cannot decrypt"},
		{name: "unknown selection", before: fx.encrypted, sel: []string{"api"}, env: fx.keys, err: "has no secret api"},
		{name: "missing file", env: fx.keys, err: "no such file"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			check := func(what string, err error) bool {
				t.Helper()
				if c.err != "" {
					if err == nil || !strings.Contains(err.Error(), c.err) {
						t.Errorf("%s: error %v, want one saying %q", what, err, c.err)
					}
					return false
				}
				if err != nil {
					t.Fatalf("%s: %v", what, err)
				}
				return true
			}
			file := writeBerth(t, c.before)
			out, res, err := Decrypted(file, c.sel, c.env)
			if check("Decrypted", err) {
				if diff := cmp.Diff(c.out, string(out)); diff != "" {
					t.Errorf("Decrypted (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(c.changed, res.Changed); diff != "" {
					t.Errorf("Decrypted changed (-want +got):\n%s", diff)
				}
			}
			if after, _ := os.ReadFile(file); string(after) != c.before {
				t.Errorf("Decrypted rewrote the file:\n%s", after)
			}
			res, err = DecryptInPlace(file, c.sel, c.env)
			want := c.before
			if check("DecryptInPlace", err) {
				if diff := cmp.Diff(c.changed, res.Changed); diff != "" {
					t.Errorf("DecryptInPlace changed (-want +got):\n%s", diff)
				}
				want = c.out
			}
			if after, _ := os.ReadFile(file); string(after) != want {
				t.Errorf("file after DecryptInPlace:\n%s\nwant:\n%s", after, want)
			}
		})
	}
}
