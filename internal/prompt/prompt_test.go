package prompt_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/kube"
	"github.com/berth-dev/berth/internal/prompt"
)

// lineReader returns one line per Read, as a terminal does.
type lineReader struct{ lines []string }

func (r *lineReader) Read(p []byte) (int, error) {
	if len(r.lines) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.lines[0]+"\n")
	r.lines = r.lines[1:]
	return n, nil
}

// failReader fails every Read.
type failReader struct{}

func (failReader) Read([]byte) (int, error) { return 0, errors.New("read failed") }

// terminal pretends In is a terminal.
func terminal() (int, bool) { return 0, true }

// asking returns a Prompter on a terminal with lines as its answers, and
// what it writes.
func asking(lines ...string) (prompt.Prompter, *bytes.Buffer) {
	var out bytes.Buffer
	return prompt.Prompter{In: &lineReader{lines}, Out: &out, IsTerminal: terminal}, &out
}

// TestNoTerminal: without a terminal nothing is asked, and the errors
// word the questions as berth always has, naming --yes.
func TestNoTerminal(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	p := prompt.Prompter{In: strings.NewReader("y\n"), Out: &out}
	if _, ok := p.Terminal(); ok {
		t.Error("a strings.Reader is a terminal")
	}
	ok, err := p.Confirm("Delete it?")
	var nt *prompt.NoTerminalError
	if ok || !errors.As(err, &nt) {
		t.Fatalf("Confirm: %v %v, want a *NoTerminalError", ok, err)
	}
	if diff := cmp.Diff("Delete it?\n(no terminal to ask on: pass --yes)", err.Error()); diff != "" {
		t.Errorf("Confirm's error (-want +got)\n%s", diff)
	}
	err = p.ConfirmTyped("Type the cluster's name to destroy it", "shop")
	if !errors.As(err, &nt) || nt.Flag != "--yes" || nt.Question != "Type the cluster's name to destroy it" {
		t.Fatalf("ConfirmTyped: %#v, want a *NoTerminalError", err)
	}
	if diff := cmp.Diff("Type the cluster's name to destroy it: no terminal to ask on; pass --yes", err.Error()); diff != "" {
		t.Errorf("ConfirmTyped's error (-want +got)\n%s", diff)
	}
	if out.Len() != 0 {
		t.Errorf("asked without a terminal: %q", out.String())
	}
	// A file that is not a terminal is not one either.
	f, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, ok := (prompt.Prompter{In: f}).Terminal(); ok {
		t.Errorf("%s is a terminal", os.DevNull)
	}
}

// TestConfirm: y or yes in any case, with blanks, is yes; anything else no.
func TestConfirm(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		answer string
		want   bool
	}{
		{"y", true}, {"YES", true}, {"  Yes \r", true},
		{"", false}, {"n", false}, {"yess", false},
	} {
		p, out := asking(tc.answer)
		got, err := p.Confirm("Continue?")
		if err != nil || got != tc.want {
			t.Errorf("answer %q: %v %v, want %v", tc.answer, got, err, tc.want)
		}
		if diff := cmp.Diff("Continue? [y/N] ", out.String()); diff != "" {
			t.Errorf("question (-want +got)\n%s", diff)
		}
	}
	p := prompt.Prompter{In: failReader{}, Out: io.Discard, IsTerminal: terminal}
	if ok, err := p.Confirm("Continue?"); ok || err == nil {
		t.Errorf("a failed read: %v %v, want an error", ok, err)
	}
}

// TestConfirmTyped: only the word itself (blanks aside) confirms.
func TestConfirmTyped(t *testing.T) {
	t.Parallel()
	p, out := asking(" shop ")
	if err := p.ConfirmTyped("Type the app's name to delete them", "shop"); err != nil {
		t.Errorf("the name: %v", err)
	}
	if diff := cmp.Diff("Type the app's name to delete them (shop): ", out.String()); diff != "" {
		t.Errorf("question (-want +got)\n%s", diff)
	}
	p, _ = asking("y")
	err := p.ConfirmTyped("Type the app's name to delete them", "shop")
	if err == nil || err.Error() != "not confirmed; nothing was deleted" {
		t.Errorf("another word: %v", err)
	}
}

// TestAsk: Enter or blanks keep the default; an answer is trimmed; each
// question reads one line.
func TestAsk(t *testing.T) {
	t.Parallel()
	p, out := asking("", "  8080 ", "   ")
	var got []string
	for _, def := range []string{"web", "3000", "2"} {
		answer, err := p.Ask("Value", def)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, answer)
	}
	if diff := cmp.Diff([]string{"web", "8080", "2"}, got); diff != "" {
		t.Errorf("answers (-want +got)\n%s", diff)
	}
	if diff := cmp.Diff("Value [web]: Value [3000]: Value [2]: ", out.String()); diff != "" {
		t.Errorf("questions (-want +got)\n%s", diff)
	}
	// At the end of the input the default stands.
	if answer, err := p.Ask("Value", "none"); err != nil || answer != "none" {
		t.Errorf("at EOF: %q %v", answer, err)
	}
}

// TestPasswordPiped: without a terminal the password is the first line
// of In, without its line ending, and nothing is asked.
func TestPasswordPiped(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"s3cret\r\nmore\n": "s3cret", "s3cret": "s3cret", "": ""} {
		var out bytes.Buffer
		got, err := prompt.Prompter{In: strings.NewReader(in), Out: &out}.Password("Password for ci@example.com")
		if err != nil || got != want || out.Len() != 0 {
			t.Errorf("%q: %q %v, asked %q; want %q", in, got, err, out.String(), want)
		}
	}
}

// TestConfirmVolumes: --yes lists the claims and approves; a terminal
// lists them and asks for the app's name; elsewhere the refusal lists them.
func TestConfirmVolumes(t *testing.T) {
	t.Parallel()
	claims := []kube.Claim{{Ref: kube.Ref{Version: "v1", Kind: "PersistentVolumeClaim", Name: "data-db-0"}, Size: "1Gi"}}
	list := "--volumes deletes 1 claims and the data of their volumes:\n  - persistentvolumeclaim/data-db-0 (1Gi): not bound to a volume\n"

	var out bytes.Buffer
	p := prompt.Prompter{In: strings.NewReader(""), Out: &out}
	if err := p.ConfirmVolumes("shop", "--volumes", "first, ", true)(t.Context(), claims); err != nil {
		t.Errorf("--yes: %v", err)
	}
	if diff := cmp.Diff("first, "+list, out.String()); diff != "" {
		t.Errorf("--yes (-want +got)\n%s", diff)
	}

	out.Reset()
	err := p.ConfirmVolumes("shop", "--volumes", "", false)(t.Context(), claims)
	var vd *deploy.VolumeDeletionError
	if !errors.As(err, &vd) || vd.Flag != "--volumes" || len(vd.Claims) != 1 || out.Len() != 0 {
		t.Errorf("no terminal: %v, wrote %q; want a *deploy.VolumeDeletionError", err, out.String())
	}

	p, tty := asking("shop")
	if err := p.ConfirmVolumes("shop", "--volumes", "", false)(t.Context(), claims); err != nil {
		t.Errorf("the app's name typed: %v", err)
	}
	if diff := cmp.Diff(list+"Type the app's name to delete them (shop): ", tty.String()); diff != "" {
		t.Errorf("terminal (-want +got)\n%s", diff)
	}
	p, _ = asking("no")
	if err := p.ConfirmVolumes("shop", "--volumes", "", false)(t.Context(), claims); err == nil {
		t.Error("another word approved the deletion")
	}
}

// TestRetry: on a terminal the error is shown and y/N asked; without one
// nothing is shown and the answer is no.
func TestRetry(t *testing.T) {
	t.Parallel()
	failed := errors.New("berth.yaml:3:1: bad")
	p, out := asking("y")
	if !p.Retry("Edit again?")(failed) {
		t.Error("yes on a terminal: no retry")
	}
	if diff := cmp.Diff("error: berth.yaml:3:1: bad\nEdit again? [y/N] ", out.String()); diff != "" {
		t.Errorf("terminal (-want +got)\n%s", diff)
	}
	p, _ = asking("n")
	if p.Retry("Edit again?")(failed) {
		t.Error("no on a terminal: a retry")
	}
	var piped bytes.Buffer
	if (prompt.Prompter{In: strings.NewReader("y\n"), Out: &piped}).Retry("Edit again?")(failed) || piped.Len() != 0 {
		t.Errorf("without a terminal: a retry, or %q shown", piped.String())
	}
}
