package secrets

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"filippo.io/age"
)

// Key sources, in the order berth reads them.
const (
	EnvKey         = "BERTH_AGE_KEY"
	EnvKeyFile     = "BERTH_AGE_KEY_FILE"
	EnvSopsKey     = "SOPS_AGE_KEY"
	EnvSopsKeyFile = "SOPS_AGE_KEY_FILE"
)

// Keys are the age identities berth found, and where it looked.
type Keys struct {
	Identities []age.Identity
	// Looked says, per place, what berth found there:
	// "BERTH_AGE_KEY_FILE (not set)", "/home/me/.config/berth/age/keys.txt (2 keys)".
	Looked []string
}

// Where lists the places berth looked for keys, for messages.
func (k *Keys) Where() string { return strings.Join(k.Looked, ", ") }

// LoadKeys reads the age identities from the environment and the default
// key files. An explicitly named file that is missing or unreadable is an
// error; a default file that does not exist is not.
func LoadKeys(getenv func(string) (string, bool)) (*Keys, error) {
	k := &Keys{}
	inline := func(name string) error {
		v, ok := getenv(name)
		if !ok || strings.TrimSpace(v) == "" {
			k.Looked = append(k.Looked, name+" (not set)")
			return nil
		}
		ids, err := age.ParseIdentities(strings.NewReader(v))
		if err != nil {
			// age's parse errors never quote the key.
			return fmt.Errorf("reading the age key in %s: %w", name, err)
		}
		k.Identities = append(k.Identities, ids...)
		k.Looked = append(k.Looked, fmt.Sprintf("%s (%s)", name, count(len(ids))))
		return nil
	}
	file := func(label, path string, explicit bool) error {
		data, err := os.ReadFile(path)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && !explicit {
				k.Looked = append(k.Looked, path+" (no such file)")
				return nil
			}
			return fmt.Errorf("reading age keys from %s: %w", label, err)
		}
		ids, err := age.ParseIdentities(strings.NewReader(string(data)))
		if err != nil {
			return fmt.Errorf("reading age keys from %s: %w", label, err)
		}
		k.Identities = append(k.Identities, ids...)
		k.Looked = append(k.Looked, fmt.Sprintf("%s (%s)", label, count(len(ids))))
		return nil
	}
	envFile := func(name string) error {
		v, ok := getenv(name)
		if !ok || v == "" {
			k.Looked = append(k.Looked, name+" (not set)")
			return nil
		}
		return file(name+"="+v, v, true)
	}
	for _, step := range []func() error{
		func() error { return inline(EnvKey) },
		func() error { return envFile(EnvKeyFile) },
		func() error { return inline(EnvSopsKey) },
		func() error { return envFile(EnvSopsKeyFile) },
	} {
		if err := step(); err != nil {
			return nil, err
		}
	}
	for _, p := range DefaultKeyFiles(getenv) {
		if err := file(p, p, false); err != nil {
			return nil, err
		}
	}
	return k, nil
}

// DefaultKeyFiles are berth's and sops' default age key files.
func DefaultKeyFiles(getenv func(string) (string, bool)) []string {
	dir, _ := getenv("XDG_CONFIG_HOME")
	if dir == "" {
		home, _ := getenv("HOME")
		if home == "" {
			return nil
		}
		dir = filepath.Join(home, ".config")
	}
	return []string{filepath.Join(dir, "berth", "age", "keys.txt"), filepath.Join(dir, "sops", "age", "keys.txt")}
}

func count(n int) string {
	if n == 1 {
		return "1 key"
	}
	return fmt.Sprintf("%d keys", n)
}
