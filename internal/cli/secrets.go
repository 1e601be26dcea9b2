package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/berth-dev/berth/internal/config"
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
	data, err := readConfigFile(file)
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
	if err := writeConfigFile(file, out); err != nil {
		return err
	}
	fmt.Fprintf(o.ErrOut, "%s: encrypted %s: %s\n", file, plural(len(res.Changed), "value"), strings.Join(res.Changed, ", "))
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
	data, err := readConfigFile(file)
	if err != nil {
		return err
	}
	keys, err := secrets.LoadKeys(o.f.LookupEnv)
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
	if err := writeConfigFile(file, out); err != nil {
		return err
	}
	fmt.Fprintf(o.ErrOut, "%s: decrypted %s in place: %s\nwarning: the values are plain text in %s now; run berth secrets encrypt before you commit it\n",
		file, plural(len(res.Changed), "value"), strings.Join(res.Changed, ", "), file)
	return nil
}

const secretsEditLong = `Edit berth.yaml with its secret values decrypted, in your editor ($VISUAL,
else $EDITOR, else vi), and encrypt them again when the editor exits.

The decrypted copy is a file only you can read (mode 0600, in a new
private temporary directory), removed when berth is done. When you save:
values that were encrypted are encrypted again (a value you did not
change keeps its old encrypted text, so the diff shows what changed),
secret values you added are encrypted, values that were plain stay plain.
Nothing is written when you change nothing.`

const secretsEditExample = `  # Edit the secrets of berth.yaml
  berth secrets edit

  # With another editor
  EDITOR="code --wait" berth secrets edit`

// SecretsEditOptions are the inputs of berth secrets edit.
type SecretsEditOptions struct {
	genericiooptions.IOStreams

	f *Factory
}

// NewCmdSecretsEdit builds berth secrets edit.
func NewCmdSecretsEdit(f *Factory, runF func(context.Context, *SecretsEditOptions) error) *cobra.Command {
	o := &SecretsEditOptions{IOStreams: f.IOStreams, f: f}
	cmd := &cobra.Command{
		Use:     "edit",
		Short:   "Edit berth.yaml with its secret values decrypted, and encrypt them again",
		Long:    secretsEditLong,
		Example: secretsEditExample,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return o.Run(cmd.Context())
		},
	}
	return cmd
}

// Run edits.
func (o *SecretsEditOptions) Run(ctx context.Context) error {
	file := o.f.ConfigPath()
	data, err := readConfigFile(file)
	if err != nil {
		return err
	}
	keys, err := secrets.LoadKeys(o.f.LookupEnv)
	if err != nil {
		return err
	}
	plainText, plain, _, err := secrets.DecryptFile(file, data, nil, keys)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "berth-secrets-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	tmp := filepath.Join(dir, filepath.Base(file))
	if err := os.WriteFile(tmp, plainText, 0o600); err != nil {
		return err
	}
	for {
		if err := o.runEditor(ctx, tmp); err != nil {
			return err
		}
		edited, err := os.ReadFile(tmp)
		if err != nil {
			return err
		}
		if bytes.Equal(edited, plainText) {
			fmt.Fprintf(o.ErrOut, "%s: no changes\n", file)
			return nil
		}
		out, res, err := secrets.Reseal(file, data, edited, plain)
		if err != nil {
			if _, tty := o.f.stdinTerminal(); tty {
				fmt.Fprintf(o.ErrOut, "error: %v\n", err)
				if again, _ := o.f.confirm("Edit again?"); again {
					continue
				}
			}
			return &HintError{Err: fmt.Errorf("%s was not changed: %w", file, err), Hint: "run berth secrets edit again and fix the problem"}
		}
		if err := writeConfigFile(file, out); err != nil {
			return err
		}
		msg := "no secret value changed"
		if len(res.Changed) > 0 {
			msg = "encrypted " + plural(len(res.Changed), "changed value") + ": " + strings.Join(res.Changed, ", ")
		}
		fmt.Fprintf(o.ErrOut, "%s: saved; %s\n", file, msg)
		return nil
	}
}

// runEditor opens file in $VISUAL or $EDITOR (through sh, so that an
// editor with arguments such as "code --wait" works).
func (o *SecretsEditOptions) runEditor(ctx context.Context, file string) error {
	editor := o.f.getenv("VISUAL")
	if editor == "" {
		editor = o.f.getenv("EDITOR")
	}
	if editor == "" {
		editor = "vi"
	}
	cmd := exec.CommandContext(ctx, "sh", "-c", editor+` "$1"`, "berth-editor", file)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = o.In, o.ErrOut, o.ErrOut
	if f, ok := o.In.(*os.File); ok {
		cmd.Stdin = f
	}
	if f, ok := o.Out.(*os.File); ok {
		cmd.Stdout = f // the editor draws on the terminal
	}
	if err := cmd.Run(); err != nil {
		return &HintError{Err: fmt.Errorf("the editor (%s) failed: %w; berth.yaml was not changed", editor, err), Hint: "set EDITOR to an editor that waits until you close the file (e.g. EDITOR=\"code --wait\")"}
	}
	return nil
}

func readConfigFile(file string) ([]byte, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, &config.Error{File: file, Msg: "no such file", Hint: "run `berth init` to create one, or point to it with -f PATH"}
		}
		return nil, fmt.Errorf("reading %s: %w", file, err)
	}
	return data, nil
}

// writeConfigFile replaces file with data atomically, keeping its mode.
func writeConfigFile(file string, data []byte) error {
	mode := os.FileMode(0o644)
	if st, err := os.Stat(file); err == nil {
		mode = st.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(file), "."+filepath.Base(file)+".*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", file, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", file, err)
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", file, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", file, err)
	}
	if err := os.Rename(tmp.Name(), file); err != nil {
		return fmt.Errorf("writing %s: %w", file, err)
	}
	return nil
}

// completeSecrets offers the secrets of berth.yaml and their keys.
func (f *Factory) completeSecrets(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	data, err := os.ReadFile(f.ConfigPath())
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	texts, err := config.SecretTexts(f.ConfigPath(), data)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	seen := map[string]bool{}
	var out []string
	for _, st := range texts {
		for _, name := range []string{st.Secret, st.Secret + "." + st.Key} {
			if !seen[name] {
				seen[name] = true
				out = append(out, name)
			}
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// OpenSecrets decrypts the encrypted secret values of p in memory, with
// the keys of the environment (see package secrets). Projects without
// encrypted values need no key.
func (f *Factory) OpenSecrets(p *config.Project) error {
	if len(p.Encrypted) == 0 {
		return nil
	}
	keys, err := secrets.LoadKeys(f.LookupEnv)
	if err != nil {
		return err
	}
	return secrets.Open(p, keys)
}
