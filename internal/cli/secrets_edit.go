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

	"github.com/berth-dev/berth/internal/output"
	"github.com/berth-dev/berth/internal/secrets"
)

// SecretsEditOptions are the inputs of berth secrets edit.
type SecretsEditOptions struct {
	genericiooptions.IOStreams

	f *Factory
}

// NewCmdSecretsEdit builds berth secrets edit.
func NewCmdSecretsEdit(f *Factory, runF func(context.Context, *SecretsEditOptions) error) *cobra.Command {
	o := &SecretsEditOptions{IOStreams: f.IOStreams, f: f}
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
	file, data, keys, err := o.f.readSecretsFile()
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
		if err := secrets.WriteFile(file, out); err != nil {
			return err
		}
		msg := "no secret value changed"
		if len(res.Changed) > 0 {
			msg = "encrypted " + output.Plural(len(res.Changed), "changed value") + ": " + strings.Join(res.Changed, ", ")
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
