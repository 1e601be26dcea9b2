package secrets

import (
	"fmt"
	"slices"
	"strings"

	"github.com/berth-dev/berth/internal/config"
)

// Result says what a rewrite of berth.yaml did, by value path; it never
// holds a value.
type Result struct {
	// Changed are the values rewritten.
	Changed []string
	// Notes are values left as they were, and why.
	Notes []string
}

// selected reports whether a value is picked by SECRET or SECRET.KEY
// arguments (all values when there are none).
func selected(sel []string, st config.SecretText) bool {
	if len(sel) == 0 {
		return true
	}
	return slices.Contains(sel, st.Secret) || slices.Contains(sel, st.Secret+"."+st.Key)
}

// checkSelection rejects arguments that name no value of the file.
func checkSelection(file string, sel []string, texts []config.SecretText) error {
	var unknown []string
	var known []string
	for _, s := range sel {
		found := false
		for _, st := range texts {
			if s == st.Secret || s == st.Secret+"."+st.Key {
				found = true
			}
		}
		if !found {
			unknown = append(unknown, s)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	for _, st := range texts {
		if !slices.Contains(known, st.Secret+"."+st.Key) {
			known = append(known, st.Secret+"."+st.Key)
		}
	}
	if len(known) == 0 {
		return fmt.Errorf("%s has no secret values (secrets.NAME.KEY); there is nothing named %s", file, strings.Join(unknown, ", "))
	}
	return fmt.Errorf("%s has no secret %s; it has: %s", file, strings.Join(unknown, ", "), strings.Join(known, ", "))
}

// EncryptOptions tune EncryptFile.
type EncryptOptions struct {
	// Select picks values by SECRET or SECRET.KEY; none picks all.
	Select []string
	// Rekey encrypts values that are encrypted already again, to the
	// recipients listed now (after one was added or removed); it needs Keys.
	Rekey bool
	Keys  *Keys
}

// EncryptFile encrypts the plain secret values of a berth.yaml (the bytes
// data) to the recipients of encryption.age, rewriting only those values.
// ${VAR} references are left as they are: their value is not in the file.
func EncryptFile(file string, data []byte, o EncryptOptions) ([]byte, *Result, error) {
	texts, err := config.SecretTexts(file, data)
	if err != nil {
		return nil, nil, err
	}
	if err := checkSelection(file, o.Select, texts); err != nil {
		return nil, nil, err
	}
	res := &Result{}
	repl := map[int]string{}
	var errs config.Errors
	for i, st := range texts {
		if !selected(o.Select, st) {
			continue
		}
		plain := st.Value
		switch {
		case st.Vars:
			res.Notes = append(res.Notes, st.Path+": a ${VAR} reference, left as is (its value is not in the file)")
			continue
		case st.Encrypted && !o.Rekey:
			continue
		case st.Encrypted:
			plain, err = Decrypt(st.Value, o.Keys.Identities)
			if err != nil {
				errs = append(errs, decryptError(&config.Project{File: file}, config.EncryptedValue{Path: st.Path, Pos: st.Pos, Value: st.Value}, o.Keys, err))
				continue
			}
		}
		if len(st.Recipients) == 0 {
			where := "encryption.age"
			if st.Env != "" {
				where = "encryption.age (or environments." + st.Env + ".encryption.age)"
			}
			return nil, nil, &config.Error{File: file, Pos: st.Pos, Path: st.Path, Msg: "there is no one to encrypt to: berth.yaml lists no " + where,
				Hint: "create a key with age-keygen -o ~/.config/berth/age/keys.txt and list its public key:\nencryption:\n  age: [age1…]"}
		}
		enc, err := Encrypt(plain, st.Recipients)
		if err != nil {
			return nil, nil, &config.Error{File: file, Pos: st.Pos, Path: st.Path, Msg: "encrypting: " + err.Error()}
		}
		repl[i] = `"` + enc + `"`
		res.Changed = append(res.Changed, st.Path)
	}
	if len(errs) > 0 {
		return nil, nil, errs.Sorted()
	}
	if len(repl) == 0 {
		return data, res, nil
	}
	out, err := config.ReplaceSecrets(file, data, texts, repl)
	if err != nil {
		return nil, nil, err
	}
	return out, res, nil
}

// DecryptFile decrypts the encrypted secret values of a berth.yaml in its
// text, for berth secrets decrypt and edit. plain maps each decrypted
// value's path to its value.
func DecryptFile(file string, data []byte, sel []string, keys *Keys) (out []byte, plain map[string]string, res *Result, err error) {
	texts, err := config.SecretTexts(file, data)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := checkSelection(file, sel, texts); err != nil {
		return nil, nil, nil, err
	}
	res = &Result{}
	plain = map[string]string{}
	repl := map[int]string{}
	var errs config.Errors
	for i, st := range texts {
		if !selected(sel, st) || !st.Encrypted {
			continue
		}
		v, err := Decrypt(st.Value, keys.Identities)
		if err != nil {
			errs = append(errs, decryptError(&config.Project{File: file}, config.EncryptedValue{Path: st.Path, Pos: st.Pos, Value: st.Value}, keys, err))
			continue
		}
		plain[st.Path] = v
		repl[i] = config.Quote(v)
		res.Changed = append(res.Changed, st.Path)
	}
	if len(errs) > 0 {
		return nil, nil, nil, errs.Sorted()
	}
	if len(repl) == 0 {
		return data, plain, res, nil
	}
	out, err = config.ReplaceSecrets(file, data, texts, repl)
	if err != nil {
		return nil, nil, nil, err
	}
	return out, plain, res, nil
}

// Reseal encrypts an edited, decrypted copy of a berth.yaml again (berth
// secrets edit). original is the file before editing and plain the values
// DecryptFile gave for it. A value encrypted before is encrypted again,
// keeping its old ENC[…] text when its plain value did not change (so an
// edit is a diff of what changed); a secret value that is new is
// encrypted; a value that was plain before stays plain.
func Reseal(file string, original, edited []byte, plain map[string]string) ([]byte, *Result, error) {
	before, err := config.SecretTexts(file, original)
	if err != nil {
		return nil, nil, err
	}
	old := map[string]config.SecretText{}
	for _, st := range before {
		old[st.Path] = st
	}
	texts, err := config.SecretTexts(file, edited)
	if err != nil {
		return nil, nil, err
	}
	res := &Result{}
	repl := map[int]string{}
	for i, st := range texts {
		prev, existed := old[st.Path]
		was, decrypted := plain[st.Path]
		switch {
		case st.Vars || st.Encrypted:
			continue
		case existed && !prev.Encrypted:
			continue
		case existed && decrypted && was == st.Value:
			repl[i] = `"` + prev.Value + `"`
			continue
		}
		if len(st.Recipients) == 0 {
			return nil, nil, &config.Error{File: file, Pos: st.Pos, Path: st.Path, Msg: "there is no one to encrypt to: berth.yaml lists no encryption.age recipients"}
		}
		enc, err := Encrypt(st.Value, st.Recipients)
		if err != nil {
			return nil, nil, &config.Error{File: file, Pos: st.Pos, Path: st.Path, Msg: "encrypting: " + err.Error()}
		}
		repl[i] = `"` + enc + `"`
		res.Changed = append(res.Changed, st.Path)
	}
	if len(repl) == 0 {
		return edited, res, nil
	}
	out, err := config.ReplaceSecrets(file, edited, texts, repl)
	if err != nil {
		return nil, nil, err
	}
	return out, res, nil
}
