package secrets

// EncryptInPlace reads file (ReadFile), encrypts its plain secret values
// (EncryptFile) and rewrites it (WriteFile) when any changed: nothing is
// written when Changed is empty. With o.Rekey and no o.Keys, the keys are
// loaded through lookupEnv (LoadKeys). A failed write comes with the
// result, for its notes.
func EncryptInPlace(file string, o EncryptOptions, lookupEnv func(string) (string, bool)) (*Result, error) {
	data, err := ReadFile(file)
	if err != nil {
		return nil, err
	}
	if o.Rekey && o.Keys == nil {
		if o.Keys, err = LoadKeys(lookupEnv); err != nil {
			return nil, err
		}
	}
	out, res, err := EncryptFile(file, data, o)
	if err != nil {
		return nil, err
	}
	if len(res.Changed) == 0 {
		return res, nil
	}
	return res, WriteFile(file, out)
}

// Decrypted reads file with the keys LoadKeys finds through lookupEnv
// (ReadWithKeys) and decrypts the encrypted values sel picks (all when it
// is empty): the file's text with those values plain, which berth secrets
// decrypt prints.
func Decrypted(file string, sel []string, lookupEnv func(string) (string, bool)) ([]byte, *Result, error) {
	data, keys, err := ReadWithKeys(file, lookupEnv)
	if err != nil {
		return nil, nil, err
	}
	out, _, res, err := DecryptFile(file, data, sel, keys)
	if err != nil {
		return nil, nil, err
	}
	return out, res, nil
}

// DecryptInPlace decrypts like Decrypted and rewrites file with the plain
// values (WriteFile) when any was decrypted: nothing is written when
// Changed is empty.
func DecryptInPlace(file string, sel []string, lookupEnv func(string) (string, bool)) (*Result, error) {
	out, res, err := Decrypted(file, sel, lookupEnv)
	if err != nil {
		return nil, err
	}
	if len(res.Changed) == 0 {
		return res, nil
	}
	if err := WriteFile(file, out); err != nil {
		return nil, err
	}
	return res, nil
}
