package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/output"
	"github.com/berth-dev/berth/internal/secrets"
)

const secretsLong = `Keep the values of berth.yaml's secrets encrypted in the repository, with
age (https://age-encryption.org).

An encrypted value is written as "ENC[age:…]" on one line, in place of the
plain value; everything else in berth.yaml stays as it is. The values are
encrypted to the public keys (recipients) listed in berth.yaml:

  encryption:
    age: [age1…, age1…]

An environment may list its own (environments.NAME.encryption.age), so
that only some people can read production's values.

berth render, deploy, diff and up decrypt the values in memory; the plain
values are never written to disk. The private keys (age identities) are
read from BERTH_AGE_KEY (a key), BERTH_AGE_KEY_FILE, SOPS_AGE_KEY,
SOPS_AGE_KEY_FILE, ~/.config/berth/age/keys.txt and
~/.config/sops/age/keys.txt (under $XDG_CONFIG_HOME when set).`

const secretsExample = `  # Make a key and list its public key in berth.yaml under encryption.age
  age-keygen -o ~/.config/berth/age/keys.txt

  # Encrypt every plain secret value of berth.yaml
  berth secrets encrypt

  # Change a value in your editor; it is encrypted again on save
  berth secrets edit`

// NewCmdSecrets builds berth secrets and its subcommands.
func NewCmdSecrets(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "secrets",
		Short:   "Encrypt, decrypt and edit the secret values of berth.yaml",
		Long:    secretsLong,
		Example: secretsExample,
		Args:    noArgs,
	}
	cmd.AddCommand(NewCmdSecretsEncrypt(f, nil), NewCmdSecretsDecrypt(f, nil), NewCmdSecretsEdit(f, nil))
	return cmd
}

const secretsEncryptLong = `Encrypt plain secret values of berth.yaml in place, to the recipients of
encryption.age (an environment's values to environments.NAME.encryption.age
when it is set).

With SECRET or SECRET.KEY arguments only those values are encrypted, in the
base and in every environment; without, all of them. Values that are
encrypted already are left as they are, unless --rekey: then they are
decrypted and encrypted again to the recipients listed now (after adding
or removing one; that needs a key). ${VAR} references are left as they
are: their value is not in the file.

Only the values change: comments, order and formatting of the rest of the
file are kept.`

const secretsEncryptExample = `  # Encrypt every plain secret value
  berth secrets encrypt

  # Encrypt one secret, or one key of it
  berth secrets encrypt db
  berth secrets encrypt db.password

  # After changing encryption.age, encrypt everything again for the new list
  berth secrets encrypt --rekey`

// SecretsEncryptOptions are the inputs of berth secrets encrypt.
type SecretsEncryptOptions struct {
	genericiooptions.IOStreams
	Select []string
	Rekey  bool

	f *Factory
}

// NewCmdSecretsEncrypt builds berth secrets encrypt.
func NewCmdSecretsEncrypt(f *Factory, runF func(context.Context, *SecretsEncryptOptions) error) *cobra.Command {
	o := &SecretsEncryptOptions{IOStreams: f.IOStreams, f: f}
	cmd := &cobra.Command{
		Use:     "encrypt [SECRET[.KEY]...]",
		Short:   "Encrypt plain secret values of berth.yaml in place",
		Long:    secretsEncryptLong,
		Example: secretsEncryptExample,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Select = args
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return o.Run(cmd.Context())
		},
		ValidArgsFunction: f.completeSecrets,
	}
	cmd.Flags().BoolVar(&o.Rekey, "rekey", false, "also encrypt values that are encrypted already again, to the recipients listed now")
	return cmd
}

// Run encrypts.
func (o *SecretsEncryptOptions) Run(ctx context.Context) error {
	file := o.f.ConfigPath()
	data, err := secrets.ReadFile(file)
	if err != nil {
		return err
	}
	opts := secrets.EncryptOptions{Select: o.Select, Rekey: o.Rekey}
	if o.Rekey {
		if opts.Keys, err = secrets.LoadKeys(o.f.LookupEnv); err != nil {
			return err
		}
	}
	out, res, err := secrets.EncryptFile(file, data, opts)
	if err != nil {
		return err
	}
	for _, n := range res.Notes {
		fmt.Fprintf(o.ErrOut, "note: %s\n", n)
	}
	if len(res.Changed) == 0 {
		fmt.Fprintf(o.ErrOut, "%s: no plain secret values to encrypt\n", file)
		return nil
	}
	if err := secrets.WriteFile(file, out); err != nil {
		return err
	}
	fmt.Fprintf(o.ErrOut, "%s: encrypted %s: %s\n", file, output.Plural(len(res.Changed), "value"), strings.Join(res.Changed, ", "))
	return nil
}

const secretsDecryptLong = `Decrypt the encrypted secret values of berth.yaml and print the whole
file with the plain values to standard output. With --in-place the file
itself is rewritten with the plain values; encrypt them again (berth
secrets encrypt) before you commit it.

With SECRET or SECRET.KEY arguments only those values are decrypted.
Decrypting needs the private key of one of the recipients (see berth
secrets --help for where berth looks).`

const secretsDecryptExample = `  # Show berth.yaml with its secret values in plain text
  berth secrets decrypt

  # Show one value's secret only
  berth secrets decrypt db.password

  # Rewrite berth.yaml with plain values (then berth secrets encrypt)
  berth secrets decrypt --in-place`

// SecretsDecryptOptions are the inputs of berth secrets decrypt.
type SecretsDecryptOptions struct {
	genericiooptions.IOStreams
	Select  []string
	InPlace bool

	f *Factory
}

// NewCmdSecretsDecrypt builds berth secrets decrypt.
func NewCmdSecretsDecrypt(f *Factory, runF func(context.Context, *SecretsDecryptOptions) error) *cobra.Command {
	o := &SecretsDecryptOptions{IOStreams: f.IOStreams, f: f}
	cmd := &cobra.Command{
		Use:     "decrypt [SECRET[.KEY]...]",
		Short:   "Print berth.yaml with its secret values decrypted",
		Long:    secretsDecryptLong,
		Example: secretsDecryptExample,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Select = args
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return o.Run(cmd.Context())
		},
		ValidArgsFunction: f.completeSecrets,
	}
	cmd.Flags().BoolVarP(&o.InPlace, "in-place", "i", false, "rewrite berth.yaml with the plain values instead of printing it")
	return cmd
}

// Run decrypts.
func (o *SecretsDecryptOptions) Run(ctx context.Context) error {
	file := o.f.ConfigPath()
	data, keys, err := secrets.ReadWithKeys(file, o.f.LookupEnv)
	if err != nil {
		return err
	}
	out, _, res, err := secrets.DecryptFile(file, data, o.Select, keys)
	if err != nil {
		return err
	}
	if !o.InPlace {
		_, err := o.Out.Write(out)
		return err
	}
	if len(res.Changed) == 0 {
		fmt.Fprintf(o.ErrOut, "%s: no encrypted values to decrypt\n", file)
		return nil
	}
	if err := secrets.WriteFile(file, out); err != nil {
		return err
	}
	fmt.Fprintf(o.ErrOut, "%s: decrypted %s in place: %s\nwarning: the values are plain text in %s now; run berth secrets encrypt before you commit it\n",
		file, output.Plural(len(res.Changed), "value"), strings.Join(res.Changed, ", "), file)
	return nil
}

// OpenSecrets decrypts the encrypted secret values of p in memory, with
// the keys of the environment (see package secrets). Projects without
// encrypted values need no key.
func (f *Factory) OpenSecrets(p *config.Project) error { return secrets.OpenProject(p, f.LookupEnv) }
