package target

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// LookPathIn finds an executable in the directories of path (a PATH
// value), or file itself when it has a slash, as exec.LookPath does with
// the process's PATH: berth looks on the PATH it was given (Options.LookPath).
func LookPathIn(path, file string) (string, error) {
	if strings.Contains(file, "/") {
		return exec.LookPath(file)
	}
	for _, dir := range filepath.SplitList(path) {
		if dir == "" {
			dir = "."
		}
		p := filepath.Join(dir, file)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", &exec.Error{Name: file, Err: exec.ErrNotFound}
}
