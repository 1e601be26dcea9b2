package secrets

import (
	"errors"
	"fmt"
	"strings"

	"github.com/berth-dev/berth/internal/config"
)

// Open decrypts, in memory, every encrypted secret value of a loaded
// project into p.Secrets. Errors are config errors at each value's
// position (FILE:LINE:COL: PATH: …), all of them at once; they never
// contain a value.
func Open(p *config.Project, keys *Keys) error {
	if len(p.Encrypted) == 0 {
		return nil
	}
	var errs config.Errors
	for _, v := range p.Encrypted {
		plain, err := Decrypt(v.Value, keys.Identities)
		if err != nil {
			errs = append(errs, decryptError(p, v, keys, err))
			continue
		}
		p.Secrets[v.Secret][v.Key] = plain
	}
	if len(errs) > 0 {
		return errs.Sorted()
	}
	p.Encrypted = nil
	return nil
}

func decryptError(p *config.Project, v config.EncryptedValue, keys *Keys, err error) *config.Error {
	if !errors.Is(err, ErrNoKey) {
		return config.DecryptError(p, v, "cannot decrypt: "+err.Error(), "encrypt the plain value again with `berth secrets encrypt`")
	}
	to := "recipients berth cannot tell (it was not encrypted by berth)"
	if rs := Recipients(v.Value); len(rs) > 0 {
		to = strings.Join(rs, ", ")
	}
	msg := "cannot decrypt: none of your age keys can"
	if len(keys.Identities) == 0 {
		msg = "cannot decrypt: no age key found"
	}
	return config.DecryptError(p, v, fmt.Sprintf("%s; the value is encrypted to %s", msg, to),
		fmt.Sprintf("berth looked for keys in %s; point %s at the key file of one of those recipients (or put the key in %s)", keys.Where(), EnvKeyFile, EnvKey))
}

// OpenProject decrypts p like Open, with the keys LoadKeys finds through
// lookupEnv; a project without encrypted values needs no key.
func OpenProject(p *config.Project, lookupEnv func(string) (string, bool)) error {
	if len(p.Encrypted) == 0 {
		return nil
	}
	keys, err := LoadKeys(lookupEnv)
	if err != nil {
		return err
	}
	return Open(p, keys)
}
