package cli

import (
	"errors"

	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/prompt"
)

// asker asks the user questions on the terminal with internal/prompt.
// The Factory embeds one, so commands call f.confirm and f.confirmTyped; a
// question without a terminal to ask it on is a usage error naming --yes.
type asker struct{ prompter prompt.Prompter }

// stdinTerminal returns stdin's descriptor when it is a terminal.
func (a asker) stdinTerminal() (int, bool) { return a.prompter.Terminal() }

// confirm asks a yes/no question.
func (a asker) confirm(question string) (bool, error) {
	ok, err := a.prompter.Confirm(question)
	return ok, noTerminalUsage(err)
}

// confirmTyped asks for a typed word (a cluster's name).
func (a asker) confirmTyped(question, want string) error {
	return noTerminalUsage(a.prompter.ConfirmTyped(question, want))
}

// noTerminalUsage makes a question that could not be asked a usage error.
func noTerminalUsage(err error) error {
	if nt := (*prompt.NoTerminalError)(nil); errors.As(err, &nt) {
		return &UsageError{Err: err}
	}
	return err
}

// confirmVolumes approves the deletion of claims for deploy, undo, delete
// and down: it lists them; --yes approves, a terminal asks for the app's
// name, elsewhere it refuses.
func confirmVolumes(f *Factory, app, flag, what string, yes bool) deploy.ConfirmVolumes {
	return f.prompter.ConfirmVolumes(app, flag, what, yes)
}
