package secrets

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/berth-dev/berth/internal/config"
)

// ReadFile reads the berth.yaml the secrets commands rewrite; a missing
// file is a config error saying how to make one.
func ReadFile(file string) ([]byte, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, &config.Error{File: file, Msg: "no such file", Hint: "run `berth init` to create one, or point to it with -f PATH"}
		}
		return nil, fmt.Errorf("reading %s: %w", file, err)
	}
	return data, nil
}

// WriteFile replaces file with data atomically (a temporary file beside
// it, renamed over it), keeping its mode: an interrupted write leaves the
// old berth.yaml whole.
func WriteFile(file string, data []byte) error {
	mode := os.FileMode(0o644)
	if st, err := os.Stat(file); err == nil {
		mode = st.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(file), "."+filepath.Base(file)+".*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", file, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", file, err)
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", file, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", file, err)
	}
	if err := os.Rename(tmp.Name(), file); err != nil {
		return fmt.Errorf("writing %s: %w", file, err)
	}
	return nil
}

// ReadWithKeys reads berth.yaml (ReadFile) and the age keys LoadKeys
// finds through lookupEnv, for berth secrets decrypt and edit.
func ReadWithKeys(file string, lookupEnv func(string) (string, bool)) ([]byte, *Keys, error) {
	data, err := ReadFile(file)
	if err != nil {
		return nil, nil, err
	}
	keys, err := LoadKeys(lookupEnv)
	if err != nil {
		return nil, nil, err
	}
	return data, keys, nil
}
