package cli

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/berth-dev/berth/internal/output"
	"github.com/berth-dev/berth/internal/secrets"
)

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
	data, keys, err := secrets.ReadWithKeys(file, o.f.LookupEnv)
	if err != nil {
		return err
	}
	ed := secrets.Editor{Command: secrets.EditorCommand(o.f.getenv), Stdin: o.In, Stdout: o.ErrOut, Stderr: o.ErrOut}
	if f, ok := o.Out.(*os.File); ok {
		ed.Stdout = f // the editor draws on the terminal
	}
	res, saved, err := secrets.Edit(ctx, file, data, keys, ed.Edit, o.again)
	if err != nil {
		return err
	}
	if !saved {
		fmt.Fprintf(o.ErrOut, "%s: no changes\n", file)
		return nil
	}
	msg := "no secret value changed"
	if len(res.Changed) > 0 {
		msg = "encrypted " + output.Plural(len(res.Changed), "changed value") + ": " + strings.Join(res.Changed, ", ")
	}
	fmt.Fprintf(o.ErrOut, "%s: saved; %s\n", file, msg)
	return nil
}

// again shows why the edited copy cannot be saved and asks, on a
// terminal, whether to edit it again.
func (o *SecretsEditOptions) again(err error) bool {
	if _, tty := o.f.stdinTerminal(); !tty {
		return false
	}
	fmt.Fprintf(o.ErrOut, "error: %v\n", err)
	again, _ := o.f.confirm("Edit again?")
	return again
}
