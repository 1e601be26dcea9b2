package secrets

import (
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/berth-dev/berth/internal/config"
)

// TestOpenProjectReadWithKeys: the keys come from the environment given;
// a project with nothing encrypted needs none.
func TestOpenProjectReadWithKeys(t *testing.T) {
	t.Parallel()
	file, data, keys := editFixture(t)
	noKey := env(map[string]string{"HOME": t.TempDir()})
	withKey := env(map[string]string{"HOME": t.TempDir(), EnvKey: keys.Identities[0].(*age.X25519Identity).String()})

	if err := OpenProject(&config.Project{}, noKey); err != nil {
		t.Errorf("nothing encrypted, no key: %v", err)
	}
	p, _, err := config.Load(file, config.Options{LookupEnv: env(nil)})
	if err != nil {
		t.Fatal(err)
	}
	if err := OpenProject(p, noKey); err == nil || !strings.Contains(err.Error(), "no age key found") {
		t.Errorf("without a key: %v", err)
	}
	if err := OpenProject(p, withKey); err != nil || p.Secrets["db"]["password"] != "hunter2-planted" {
		t.Errorf("with the key: %v, password %q", err, p.Secrets["db"]["password"])
	}

	got, k, err := ReadWithKeys(file, withKey)
	if err != nil || string(got) != string(data) || len(k.Identities) != 1 {
		t.Errorf("ReadWithKeys: %v, %d keys", err, len(k.Identities))
	}
	if _, _, err := ReadWithKeys(filepath.Join(t.TempDir(), "berth.yaml"), withKey); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("missing file: %v", err)
	}
	bad := env(map[string]string{EnvKeyFile: filepath.Join(t.TempDir(), "missing.txt")})
	if _, _, err := ReadWithKeys(file, bad); err == nil {
		t.Error("a missing key file named in the environment is not an error")
	}
}
