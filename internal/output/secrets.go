package output

import (
	"fmt"
	"io"
	"strings"

	"github.com/berth-dev/berth/internal/secrets"
)

// SecretNotes writes a "note:" line per value res left as it was, and
// why; nothing when res is nil.
func SecretNotes(w io.Writer, res *secrets.Result) {
	if res == nil {
		return
	}
	for _, n := range res.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
}

// SecretsEncrypted writes the line that says which values of file berth
// secrets encrypt encrypted, or that there were none.
func SecretsEncrypted(w io.Writer, file string, res *secrets.Result) {
	if len(res.Changed) == 0 {
		fmt.Fprintf(w, "%s: no plain secret values to encrypt\n", file)
		return
	}
	fmt.Fprintf(w, "%s: encrypted %s: %s\n", file, Plural(len(res.Changed), "value"), strings.Join(res.Changed, ", "))
}

// SecretsDecrypted writes the lines that say which values of file berth
// secrets decrypt -i decrypted, and to encrypt them again, or that there
// were none.
func SecretsDecrypted(w io.Writer, file string, res *secrets.Result) {
	if len(res.Changed) == 0 {
		fmt.Fprintf(w, "%s: no encrypted values to decrypt\n", file)
		return
	}
	fmt.Fprintf(w, "%s: decrypted %s in place: %s\nwarning: the values are plain text in %s now; run berth secrets encrypt before you commit it\n",
		file, Plural(len(res.Changed), "value"), strings.Join(res.Changed, ", "), file)
}

// SecretsEdited writes the line that says what berth secrets edit did to
// file: no changes unless saved, else the changed values it encrypted.
func SecretsEdited(w io.Writer, file string, res *secrets.Result, saved bool) {
	if !saved {
		fmt.Fprintf(w, "%s: no changes\n", file)
		return
	}
	msg := "no secret value changed"
	if len(res.Changed) > 0 {
		msg = "encrypted " + Plural(len(res.Changed), "changed value") + ": " + strings.Join(res.Changed, ", ")
	}
	fmt.Fprintf(w, "%s: saved; %s\n", file, msg)
}
