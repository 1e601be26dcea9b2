package config

// Secrets read from files (${file:PATH} values) and Secret keys mounted as
// files (secretFiles).

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"unicode/utf8"
)

// SecretFilesVolume is the pod volume that holds a service's secretFiles.
const SecretFilesVolume = "berth-secrets"

// fileRefRE matches a secret value read from a file: ${file:PATH}.
var fileRefRE = regexp.MustCompile(`^\$\{file:([^{}]*)\}$`)

// IsFileRef reports whether a value is a ${file:PATH} reference.
func IsFileRef(s string) bool { return fileRefRE.MatchString(s) }

// readFileRef reads the file of a ${file:PATH} value, relative to the
// config file's directory. Only values under secrets may name a file: it
// keeps the text of a secret out of berth.yaml without an exported
// variable. Problems never quote the content.
func (t *tree) readFileRef(file, ptr string) (string, []expandProblem) {
	problem := func(msg, hint string) []expandProblem {
		return []expandProblem{{msg: msg, redacted: msg, hint: hint}}
	}
	if !isSecretValue(ptr) {
		return "", problem("a file reference ${file:…} can only be a value under secrets:",
			"move it to secrets.NAME.KEY and mount or read that key: secretFiles: {/run/secrets/NAME: {name: NAME, key: KEY}} or env: {X: {secretRef: {name: NAME, key: KEY}}}")
	}
	if file == "" {
		return "", problem("${file:} names no file", "write ${file:PATH}, with PATH relative to berth.yaml, e.g. ${file:secrets/db-password.txt}")
	}
	src := filepath.FromSlash(file)
	if !filepath.IsAbs(src) {
		src = filepath.Join(filepath.Dir(t.file), src)
	}
	st, err := os.Stat(src)
	switch {
	case err != nil:
		return "", problem(fmt.Sprintf("secret file %s does not exist", src), "create it (it is read when berth loads berth.yaml), or fix the path: it is relative to berth.yaml")
	case !st.Mode().IsRegular():
		return "", problem(fmt.Sprintf("secret file %s is not a regular file", src), "name a file")
	case st.Size() > MaxConfigFileSize:
		return "", problem(fmt.Sprintf("secret file %s is %d bytes; a Secret holds at most 1 MiB", src, st.Size()), "keep large files out of Secrets: mount a volume")
	}
	data, err := os.ReadFile(src)
	if err != nil {
		return "", problem(fmt.Sprintf("reading secret file %s: %v", src, err), "make it readable by the user running berth")
	}
	if !utf8.Valid(data) {
		return "", problem(fmt.Sprintf("secret file %s is not UTF-8 text", src), "berth secret values are text: store it base64-encoded and decode it in the container")
	}
	return string(data), nil
}
