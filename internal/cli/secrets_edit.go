package cli

import (
	"context"
	"os"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/internal/output"
	"github.com/berth-dev/berth/internal/secrets"
)

// SecretsEditOptions are the inputs of berth secrets edit.
type SecretsEditOptions struct {
	cmdBase
}

// NewCmdSecretsEdit builds berth secrets edit.
func NewCmdSecretsEdit(f *Factory, runF func(context.Context, *SecretsEditOptions) error) *cobra.Command {
	o := &SecretsEditOptions{cmdBase: newBase(f)}
	cmd := &cobra.Command{
		Use:   "edit",
		Short: "Edit berth.yaml with its secret values decrypted, and encrypt them again",
		Args:  noArgs,
		RunE:  runE(o, runF),
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
	res, saved, err := secrets.Edit(ctx, file, data, keys, ed.Edit, o.f.prompter.Retry("Edit again?"))
	if err != nil {
		return err
	}
	output.SecretsEdited(o.ErrOut, file, res, saved)
	return nil
}
