// Package secrets encrypts and decrypts the secret values of berth.yaml
// with age (filippo.io/age).
//
// A value is written encrypted as ENC[age:BASE64] (see config.IsEncrypted):
// one line per value, double-quoted, so the rest of the file stays readable
// and a changed value is a one-line diff. The age file is encrypted to the
// recipients of encryption.age (an environment's own list for its values),
// and its header also names them, in stanzas of the type berth-recipient
// that age itself ignores, so that a missing key is reported with the
// recipients the value was really encrypted to.
//
// Open decrypts a loaded project's values in memory; nothing decrypted is
// ever written to disk by it. Keys (age identities) come from, in order:
// BERTH_AGE_KEY (the key itself), BERTH_AGE_KEY_FILE, SOPS_AGE_KEY,
// SOPS_AGE_KEY_FILE, then $XDG_CONFIG_HOME/berth/age/keys.txt and
// $XDG_CONFIG_HOME/sops/age/keys.txt (XDG_CONFIG_HOME defaults to
// ~/.config). Every source found is used.
//
// EncryptFile, DecryptFile and the editing helpers of berth secrets rewrite
// only the bytes of the values they change (config.ReplaceSecrets). Edit
// is berth secrets edit: a decrypted copy in a private temporary folder,
// opened in the user's Editor, encrypted again by Reseal.
package secrets
