package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/output"
	"github.com/berth-dev/berth/internal/secrets"
)

// NewCmdSecrets builds berth secrets and its subcommands.
func NewCmdSecrets(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "secrets",
		Short: "Encrypt, decrypt and edit the secret values of berth.yaml",
		Args:  noArgs,
	}
	cmd.AddCommand(NewCmdSecretsEncrypt(f, nil), NewCmdSecretsDecrypt(f, nil), NewCmdSecretsEdit(f, nil))
	return cmd
}

// secretValues are the inputs berth secrets encrypt and decrypt share:
// the streams, and the SECRET[.KEY] arguments that pick values.
type secretValues struct {
	cmdBase
	Select []string
}

// Complete takes the SECRET[.KEY] arguments.
func (o *secretValues) Complete(_ *cobra.Command, args []string) error {
	o.Select = args
	return nil
}

// SecretsEncryptOptions are the inputs of berth secrets encrypt.
type SecretsEncryptOptions struct {
	secretValues
	Rekey bool
}

// NewCmdSecretsEncrypt builds berth secrets encrypt.
func NewCmdSecretsEncrypt(f *Factory, runF func(context.Context, *SecretsEncryptOptions) error) *cobra.Command {
	o := &SecretsEncryptOptions{secretValues: secretValues{cmdBase: newBase(f)}}
	cmd := &cobra.Command{
		Use:               "encrypt [SECRET[.KEY]...]",
		Short:             "Encrypt plain secret values of berth.yaml in place",
		RunE:              runE(o, runF),
		ValidArgsFunction: f.completeSecrets,
	}
	cmd.Flags().BoolVar(&o.Rekey, "rekey", false, "also encrypt values that are encrypted already again, to the recipients listed now")
	return cmd
}

// Run encrypts.
func (o *SecretsEncryptOptions) Run(ctx context.Context) error {
	file := o.f.ConfigPath()
	res, err := secrets.EncryptInPlace(file, secrets.EncryptOptions{Select: o.Select, Rekey: o.Rekey}, o.f.LookupEnv)
	output.SecretNotes(o.ErrOut, res)
	if err != nil {
		return err
	}
	output.SecretsEncrypted(o.ErrOut, file, res)
	return nil
}

// SecretsDecryptOptions are the inputs of berth secrets decrypt.
type SecretsDecryptOptions struct {
	secretValues
	InPlace bool
}

// NewCmdSecretsDecrypt builds berth secrets decrypt.
func NewCmdSecretsDecrypt(f *Factory, runF func(context.Context, *SecretsDecryptOptions) error) *cobra.Command {
	o := &SecretsDecryptOptions{secretValues: secretValues{cmdBase: newBase(f)}}
	cmd := &cobra.Command{
		Use:               "decrypt [SECRET[.KEY]...]",
		Short:             "Print berth.yaml with its secret values decrypted",
		RunE:              runE(o, runF),
		ValidArgsFunction: f.completeSecrets,
	}
	cmd.Flags().BoolVarP(&o.InPlace, "in-place", "i", false, "rewrite berth.yaml with the plain values instead of printing it")
	return cmd
}

// Run decrypts.
func (o *SecretsDecryptOptions) Run(ctx context.Context) error {
	file := o.f.ConfigPath()
	if !o.InPlace {
		out, _, err := secrets.Decrypted(file, o.Select, o.f.LookupEnv)
		if err != nil {
			return err
		}
		_, err = o.Out.Write(out)
		return err
	}
	res, err := secrets.DecryptInPlace(file, o.Select, o.f.LookupEnv)
	if err != nil {
		return err
	}
	output.SecretsDecrypted(o.ErrOut, file, res)
	return nil
}

// OpenSecrets decrypts the encrypted secret values of p in memory, with
// the keys of the environment (see package secrets). Projects without
// encrypted values need no key.
func (f *Factory) OpenSecrets(p *config.Project) error { return secrets.OpenProject(p, f.LookupEnv) }
