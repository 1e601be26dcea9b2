package cli

import (
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// prompt asks the user questions on the terminal: yes/no before a change,
// a typed word before something that cannot be undone. Without a
// terminal on stdin it does not ask: the error names the flag (--yes)
// that answers instead. The Factory embeds one, so commands call
// f.confirm and f.confirmTyped.
type prompt struct {
	in  io.Reader // stdin, where answers come from
	out io.Writer // stderr, where questions go
}

// stdinTerminal returns stdin's descriptor when it is a terminal.
func (p prompt) stdinTerminal() (int, bool) {
	file, ok := p.in.(*os.File)
	if !ok || !term.IsTerminal(int(file.Fd())) {
		return 0, false
	}
	return int(file.Fd()), true
}

// confirm asks a yes/no question on the terminal; without one it is an
// error that names the flag that answers it.
func (p prompt) confirm(question string) (bool, error) {
	if _, ok := p.stdinTerminal(); !ok {
		return false, usageErrorf("%s\n(no terminal to ask on: pass --yes)", question)
	}
	fmt.Fprintf(p.out, "%s [y/N] ", question)
	answer, err := readPassword(p.in)
	if err != nil {
		return false, err
	}
	answer = strings.ToLower(strings.TrimSpace(answer))
	return answer == "y" || answer == "yes", nil
}

// confirmTyped asks for a typed word (a cluster's name) before something
// that cannot be undone; without a terminal it names --yes.
func (p prompt) confirmTyped(question, want string) error {
	if _, ok := p.stdinTerminal(); !ok {
		return usageErrorf("%s: no terminal to ask on; pass --yes", question)
	}
	fmt.Fprintf(p.out, "%s (%s): ", question, want)
	answer, err := readPassword(p.in)
	if err != nil {
		return err
	}
	if strings.TrimSpace(answer) != want {
		return fmt.Errorf("not confirmed; nothing was deleted")
	}
	return nil
}

// ask asks question on the terminal, offering def: Enter (an empty or
// blank answer) keeps it.
func (p prompt) ask(question, def string) (string, error) {
	fmt.Fprintf(p.out, "%s [%s]: ", question, def)
	answer, err := readPassword(p.in)
	if err != nil {
		return "", err
	}
	if answer = strings.TrimSpace(answer); answer == "" {
		return def, nil
	}
	return answer, nil
}
