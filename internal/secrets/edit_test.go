package secrets

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
	"github.com/google/go-cmp/cmp"

	"github.com/berth-dev/berth/internal/config"
)

// editFixture is app encrypted to a dev and a production key, written to
// a berth.yaml, and keys that read both.
func editFixture(t *testing.T) (file string, data []byte, keys *Keys) {
	t.Helper()
	dev, prod := newKey(t), newKey(t)
	text := strings.NewReplacer("PRODRECIPIENT", prod.Recipient().String(), "RECIPIENT", dev.Recipient().String()).Replace(app)
	file = filepath.Join(t.TempDir(), "berth.yaml")
	data, _, err := EncryptFile(file, []byte(text), EncryptOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return file, data, &Keys{Identities: []age.Identity{dev, prod}}
}

// fakeEditor stands in for the user's editor: each call applies the next
// change to the decrypted copy (a function of its text), after checking
// that the copy is private and holds the plain values.
type fakeEditor struct {
	t       *testing.T
	changes []func(string) string
	paths   []string
}

func (e *fakeEditor) edit(_ context.Context, path string) error {
	e.t.Helper()
	e.paths = append(e.paths, path)
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if fi.Mode().Perm() != 0o600 {
		e.t.Errorf("the decrypted copy has mode %v", fi.Mode().Perm())
	}
	text, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if len(e.paths) == 1 && (!strings.Contains(string(text), "hunter2-planted") || !strings.Contains(string(text), "prod-planted")) {
		e.t.Errorf("the editor does not see the plain values:\n%s", text)
	}
	if len(e.paths) > len(e.changes) {
		e.t.Fatalf("editor called %d times, want %d", len(e.paths), len(e.changes))
	}
	return os.WriteFile(path, []byte(e.changes[len(e.paths)-1](string(text))), 0o600)
}

func replace(old, new string) func(string) string {
	return func(s string) string { return strings.Replace(s, old, new, 1) }
}

func TestEdit(t *testing.T) {
	t.Parallel()
	keep := func(s string) string { return s }
	broken := func(s string) string { return s + "oops: [\n" }
	fix := func(s string) string { return replace("prod-planted", "prod-2")(strings.TrimSuffix(s, "oops: [\n")) }
	tests := []struct {
		name      string
		changes   []func(string) string
		retry     []bool // answers of retry, in turn
		wantSaved bool
		wantRes   *Result
		wantErr   string
		wantPlain map[string]string // decrypted values of the file after
	}{
		{name: "no change", changes: []func(string) string{keep}, wantRes: &Result{}},
		{
			name: "changed value is encrypted again", changes: []func(string) string{replace("hunter2-planted", "new-pw")},
			wantSaved: true, wantRes: &Result{Changed: []string{"secrets.db.password"}},
			wantPlain: map[string]string{"secrets.db.password": "new-pw", "environments.production.secrets.db.password": "prod-planted"},
		},
		{
			name: "a change outside the secrets re-encrypts nothing", changes: []func(string) string{replace("nginx:1.27", "nginx:1.28")},
			wantSaved: true, wantRes: &Result{},
			wantPlain: map[string]string{"secrets.db.password": "hunter2-planted", "environments.production.secrets.db.password": "prod-planted"},
		},
		{
			name: "invalid edit, then again", changes: []func(string) string{broken, fix}, retry: []bool{true},
			wantSaved: true, wantRes: &Result{Changed: []string{"environments.production.secrets.db.password"}},
			wantPlain: map[string]string{"secrets.db.password": "hunter2-planted", "environments.production.secrets.db.password": "prod-2"},
		},
		{name: "invalid edit without retry", changes: []func(string) string{broken}, retry: []bool{false}, wantErr: " was not changed: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			file, data, keys := editFixture(t)
			ed := &fakeEditor{t: t, changes: tt.changes}
			var asked []error
			retry := func(err error) bool {
				asked = append(asked, err)
				if len(asked) > len(tt.retry) {
					t.Fatalf("retry asked %d times: %v", len(asked), err)
				}
				return tt.retry[len(asked)-1]
			}
			res, saved, err := Edit(t.Context(), file, data, keys, ed.edit, retry)
			after, rerr := os.ReadFile(file)
			if rerr != nil {
				t.Fatal(rerr)
			}
			if len(ed.paths) != len(tt.changes) || len(asked) != len(tt.retry) {
				t.Errorf("editor ran %d times, retry asked %d times; want %d and %d", len(ed.paths), len(asked), len(tt.changes), len(tt.retry))
			}
			if _, err := os.Stat(filepath.Dir(ed.paths[0])); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the decrypted copy's folder is still there: %v", err)
			}
			if tt.wantErr != "" {
				var ns *NotSavedError
				if !errors.As(err, &ns) || !strings.Contains(err.Error(), tt.wantErr) || ns.Hint() == "" {
					t.Fatalf("err %v, want a *NotSavedError with %q", err, tt.wantErr)
				}
				if string(after) != string(data) {
					t.Errorf("the file changed:\n%s", after)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if saved != tt.wantSaved {
				t.Errorf("saved %v, want %v", saved, tt.wantSaved)
			}
			if diff := cmp.Diff(tt.wantRes, res); diff != "" {
				t.Errorf("result (-want +got):\n%s", diff)
			}
			checkEdited(t, file, data, after, keys, tt.wantPlain)
		})
	}
}

// checkEdited checks the file after an edit: unchanged when want is nil;
// else no plain value in it, the values decrypt to want, and each value
// whose plain text did not change keeps its ciphertext.
func checkEdited(t *testing.T, file string, before, after []byte, keys *Keys, want map[string]string) {
	t.Helper()
	if want == nil {
		if string(after) != string(before) {
			t.Errorf("the file changed:\n%s", after)
		}
		return
	}
	if strings.Contains(string(after), "planted") || strings.Contains(string(after), "new-pw") || strings.Contains(string(after), "prod-2") {
		t.Errorf("a plain value was written:\n%s", after)
	}
	_, plain, _, err := DecryptFile(file, after, nil, keys)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, plain); diff != "" {
		t.Errorf("values after the edit (-want +got):\n%s", diff)
	}
	_, old, _, err := DecryptFile(file, before, nil, keys)
	if err != nil {
		t.Fatal(err)
	}
	texts, err := config.SecretTexts(file, before)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range texts {
		if !st.Encrypted {
			continue
		}
		kept, unchanged := strings.Contains(string(after), st.Value), want[st.Path] == old[st.Path]
		if kept != unchanged {
			t.Errorf("%s: ciphertext kept %v, value unchanged %v", st.Path, kept, unchanged)
		}
	}
}

// TestEditErrors: a failing editor or undecryptable file changes nothing.
func TestEditErrors(t *testing.T) {
	t.Parallel()
	file, data, keys := editFixture(t)
	failing := Editor{Command: "exit 3"}
	_, saved, err := Edit(t.Context(), file, data, keys, failing.Edit, nil)
	var ee *EditorError
	if !errors.As(err, &ee) || saved || err.Error() != "the editor (exit 3) failed: exit status 3; berth.yaml was not changed" || ee.Hint() == "" {
		t.Errorf("failing editor: %v", err)
	}
	_, _, err = Edit(t.Context(), file, data, &Keys{}, func(context.Context, string) error {
		t.Error("the editor ran without the key")
		return nil
	}, nil)
	if err == nil || !strings.Contains(err.Error(), "cannot decrypt") {
		t.Errorf("without a key: %v", err)
	}
	if after, _ := os.ReadFile(file); string(after) != string(data) {
		t.Error("the file changed")
	}
}

// TestEditor: the real editor runs through sh -c with the file as its
// last argument, so that a command with arguments works.
func TestEditor(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "berth.yaml")
	if err := os.WriteFile(path, []byte("name: a\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := (Editor{Command: "sed -i s/a/b/"}).Edit(t.Context(), path); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); string(got) != "nbme: a\n" {
		t.Errorf("edited: %q", got)
	}
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"VISUAL": "code --wait", "EDITOR": "nano"}, "code --wait"},
		{map[string]string{"EDITOR": "nano"}, "nano"},
		{nil, "vi"},
	} {
		if got := EditorCommand(func(k string) string { return tc.env[k] }); got != tc.want {
			t.Errorf("EditorCommand(%v) = %q, want %q", tc.env, got, tc.want)
		}
	}
}
