package prompt

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// yesFlag is the flag that answers the questions a terminal would be
// asked.
const yesFlag = "--yes"

// Prompter asks questions on Out and reads their answers from In.
type Prompter struct {
	In  io.Reader // stdin, where answers come from
	Out io.Writer // stderr, where questions go
	// IsTerminal reports In's descriptor and whether there is a terminal
	// to ask on; nil checks that In is a terminal.
	IsTerminal func() (fd int, ok bool)
}

// NoTerminalError is a question that could not be asked: there is no
// terminal, and Flag answers it instead.
type NoTerminalError struct {
	Question string
	Flag     string
	// Typed is set for a question answered by a typed word
	// (ConfirmTyped), which words the refusal on one line.
	Typed bool
}

func (e *NoTerminalError) Error() string {
	if e.Typed {
		return fmt.Sprintf("%s: no terminal to ask on; pass %s", e.Question, e.Flag)
	}
	return fmt.Sprintf("%s\n(no terminal to ask on: pass %s)", e.Question, e.Flag)
}

// Terminal returns In's descriptor when there is a terminal to ask on.
func (p Prompter) Terminal() (fd int, ok bool) {
	if p.IsTerminal != nil {
		return p.IsTerminal()
	}
	file, ok := p.In.(*os.File)
	if !ok || !term.IsTerminal(int(file.Fd())) {
		return 0, false
	}
	return int(file.Fd()), true
}

// Line reads a line of In, without its line ending (through a buffer of
// its own: from a terminal, which returns a line per read, that is one
// line; from a pipe, the rest of what the read returned is lost).
func (p Prompter) Line() (string, error) {
	line, err := bufio.NewReader(p.In).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// Confirm asks a yes/no question on the terminal: y or yes (in any case)
// is yes, anything else no. Without a terminal it is a *NoTerminalError.
func (p Prompter) Confirm(question string) (bool, error) {
	if _, ok := p.Terminal(); !ok {
		return false, &NoTerminalError{Question: question, Flag: yesFlag}
	}
	fmt.Fprintf(p.Out, "%s [y/N] ", question)
	answer, err := p.Line()
	if err != nil {
		return false, err
	}
	answer = strings.ToLower(strings.TrimSpace(answer))
	return answer == "y" || answer == "yes", nil
}

// ConfirmTyped asks for a typed word (a cluster's name) before something
// that cannot be undone; another answer is an error. Without a terminal
// it is a *NoTerminalError.
func (p Prompter) ConfirmTyped(question, want string) error {
	if _, ok := p.Terminal(); !ok {
		return &NoTerminalError{Question: question, Flag: yesFlag, Typed: true}
	}
	fmt.Fprintf(p.Out, "%s (%s): ", question, want)
	answer, err := p.Line()
	if err != nil {
		return err
	}
	if strings.TrimSpace(answer) != want {
		return fmt.Errorf("not confirmed; nothing was deleted")
	}
	return nil
}

// Ask asks question, offering def: Enter (an empty or blank answer)
// keeps it. It asks whether or not In is a terminal.
func (p Prompter) Ask(question, def string) (string, error) {
	fmt.Fprintf(p.Out, "%s [%s]: ", question, def)
	answer, err := p.Line()
	if err != nil {
		return "", err
	}
	if answer = strings.TrimSpace(answer); answer == "" {
		return def, nil
	}
	return answer, nil
}

// Password reads a secret: on a terminal it asks question and reads the
// answer without echo; otherwise it is the first line of In, unasked.
func (p Prompter) Password(question string) (string, error) {
	fd, ok := p.Terminal()
	if !ok {
		return p.Line()
	}
	fmt.Fprintf(p.Out, "%s: ", question)
	pw, err := term.ReadPassword(fd)
	fmt.Fprintln(p.Out)
	if err != nil {
		return "", err
	}
	return string(pw), nil
}

// Retry returns a callback for an attempt that failed (an edit that does
// not load): on a terminal it shows the error and asks question (y/N);
// without a terminal, or on no, it is false and nothing is shown.
func (p Prompter) Retry(question string) func(error) bool {
	return func(err error) bool {
		if _, ok := p.Terminal(); !ok {
			return false
		}
		fmt.Fprintf(p.Out, "error: %v\n", err)
		again, _ := p.Confirm(question)
		return again
	}
}
