package config

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"

	"filippo.io/age"
)

// An encrypted secret value is written in berth.yaml as ENC[age:BASE64],
// where BASE64 is a binary age file (standard base64, no line breaks), so
// each value stays on one line and a changed value changes one line.
const (
	encPrefix = "ENC[age:"
	encSuffix = "]"
	ageMagic  = "age-encryption.org/v1\n"
)

// IsEncrypted reports whether a secret value is written encrypted: ENC[…].
func IsEncrypted(s string) bool {
	return strings.HasPrefix(s, "ENC[") && strings.HasSuffix(s, encSuffix)
}

// FormatEncrypted writes an age file as an ENC[age:…] value.
func FormatEncrypted(ageFile []byte) string {
	return encPrefix + base64.StdEncoding.EncodeToString(ageFile) + encSuffix
}

// AgeFile returns the age file an ENC[age:…] value holds.
func AgeFile(s string) ([]byte, error) {
	if !IsEncrypted(s) {
		return nil, errors.New("not an encrypted value (ENC[age:…])")
	}
	if !strings.HasPrefix(s, encPrefix) {
		if strings.HasPrefix(s, "ENC[AES256_GCM,") {
			return nil, errors.New("a sops-encrypted value: berth reads age-encrypted values (ENC[age:…]) only")
		}
		return nil, errors.New("unknown encryption: berth reads age-encrypted values (ENC[age:…]) only")
	}
	b, err := base64.StdEncoding.DecodeString(s[len(encPrefix) : len(s)-len(encSuffix)])
	if err != nil {
		return nil, errors.New("the encrypted value is damaged: it is not valid base64")
	}
	if !bytes.HasPrefix(b, []byte(ageMagic)) {
		return nil, errors.New("the encrypted value is damaged: it is not an age file")
	}
	return b, nil
}

// ParseRecipient reads one age recipient of encryption.age. Errors never
// quote the text: it may be a private key pasted by mistake.
func ParseRecipient(s string) (age.Recipient, error) {
	if strings.HasPrefix(strings.ToUpper(s), "AGE-SECRET-KEY-") {
		return nil, errors.New("this is an age identity (a private key), not a recipient")
	}
	r, err := age.ParseRecipients(strings.NewReader(s))
	if err != nil || len(r) != 1 || strings.ContainsAny(s, "\n#") {
		return nil, errors.New("not an age recipient (age1… or age1pq1…)")
	}
	return r[0], nil
}

// checkEncryption checks every encryption.age recipient and every
// ENC[…] value of the file, in the base and in every environment.
func (t *tree) checkEncryption() {
	root := t.root.(map[string]any)
	t.checkRecipients("/encryption", root["encryption"])
	envs, _ := root["environments"].(map[string]any)
	for _, name := range sortedKeys(envs) {
		if ov, ok := envs[name].(map[string]any); ok {
			t.checkRecipients(ptr("environments", name, "encryption"), ov["encryption"])
		}
	}
	t.walkStrings(t.root, "", func(p, s string) {
		if !IsEncrypted(s) {
			return
		}
		if !isSecretValue(p) {
			t.add(t.at(p), p, "an encrypted value (ENC[…]) can only be a value under secrets:",
				"move the value to secrets.NAME.KEY and refer to it, e.g. env: {X: {secretRef: {name: NAME, key: KEY}}}")
			return
		}
		if _, err := AgeFile(s); err != nil {
			t.add(t.at(p), p, err.Error(), "encrypt the plain value again with `berth secrets encrypt`")
		}
	})
}

func (t *tree) checkRecipients(p string, v any) {
	m, _ := v.(map[string]any)
	list, _ := m["age"].([]any)
	for i, r := range list {
		rp := p + "/age/" + strconv.Itoa(i)
		s, _ := r.(string)
		if _, err := ParseRecipient(s); err != nil {
			hint := "write the public key age-keygen printed (age1…); `age-keygen -y KEYFILE` prints it"
			if strings.HasPrefix(strings.ToUpper(s), "AGE-SECRET-KEY-") {
				hint = "remove it from berth.yaml now, and treat the key as leaked if the file was committed; list its public key (age-keygen -y KEYFILE) instead"
			}
			t.add(t.at(rp), rp, err.Error(), hint)
		}
	}
}

// isSecretValue reports whether a pointer names a value of secrets.NAME.KEY
// (also inside an environment).
func isSecretValue(p string) bool {
	segs := strings.Split(p, "/")
	if len(segs) > 3 && segs[1] == "environments" {
		segs = segs[2:]
	}
	return len(segs) == 4 && segs[1] == "secrets"
}

func (t *tree) walkStrings(v any, p string, fn func(p, s string)) {
	switch x := v.(type) {
	case string:
		fn(p, x)
	case map[string]any:
		for _, k := range sortedKeys(x) {
			t.walkStrings(x[k], p+"/"+pointerEscape(k), fn)
		}
	case []any:
		for i, c := range x {
			t.walkStrings(c, p+"/"+strconv.Itoa(i), fn)
		}
	}
}

// encryptedValues lists the encrypted values of the merged secrets.
func (t *tree) encryptedValues() []EncryptedValue {
	root := t.root.(map[string]any)
	secrets, _ := root["secrets"].(map[string]any)
	var out []EncryptedValue
	for _, name := range sortedKeys(secrets) {
		data, _ := secrets[name].(map[string]any)
		for _, key := range sortedKeys(data) {
			s, ok := data[key].(string)
			if !ok || !IsEncrypted(s) {
				continue
			}
			p := ptr("secrets", name, key)
			out = append(out, EncryptedValue{Secret: name, Key: key, Path: t.display(p), Pos: t.at(p), Value: s})
		}
	}
	return out
}

// DecryptError is an encrypted value that could not be decrypted; it reads
// like the other config errors (FILE:LINE:COL: PATH: …).
func DecryptError(p *Project, v EncryptedValue, msg, hint string) *Error {
	return &Error{File: p.File, Pos: v.Pos, Path: v.Path, Msg: msg, Hint: hint}
}

// Sorted returns a copy of the errors sorted by position, duplicates
// removed.
func (l Errors) Sorted() Errors { return append(Errors(nil), l...).sorted() }
