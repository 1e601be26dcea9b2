package secrets

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
)

// Editor opens a file in the user's editor, through sh -c so that an
// editor with arguments (EDITOR="code --wait") works.
type Editor struct {
	// Command is the editor's command line: see EditorCommand.
	Command string
	// Stdin, Stdout and Stderr are the editor's streams: the terminal
	// it draws on.
	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

// EditorCommand is the editor the environment names: $VISUAL, else
// $EDITOR, else vi.
func EditorCommand(getenv func(string) string) string {
	for _, k := range []string{"VISUAL", "EDITOR"} {
		if e := getenv(k); e != "" {
			return e
		}
	}
	return "vi"
}

// Edit runs the editor on path and waits until it exits; a failure is an
// *EditorError.
func (e Editor) Edit(ctx context.Context, path string) error {
	cmd := exec.CommandContext(ctx, "sh", "-c", e.Command+` "$1"`, "berth-editor", path)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = e.Stdin, e.Stdout, e.Stderr
	if err := cmd.Run(); err != nil {
		return &EditorError{Command: e.Command, Err: err}
	}
	return nil
}

// EditorError is a failed (or interrupted) editor: berth.yaml is as it
// was.
type EditorError struct {
	Command string
	Err     error
}

func (e *EditorError) Error() string {
	return fmt.Sprintf("the editor (%s) failed: %v; berth.yaml was not changed", e.Command, e.Err)
}

// Unwrap returns the editor's error.
func (e *EditorError) Unwrap() error { return e.Err }

// Hint says how to pick an editor that works with berth secrets edit.
func (e *EditorError) Hint() string {
	return "set EDITOR to an editor that waits until you close the file (e.g. EDITOR=\"code --wait\")"
}

// NotSavedError is an edited copy that could not be encrypted again
// (invalid YAML, a secret with no recipient, …): File was not changed.
type NotSavedError struct {
	File string
	Err  error
}

func (e *NotSavedError) Error() string { return fmt.Sprintf("%s was not changed: %v", e.File, e.Err) }

// Unwrap returns why the edit could not be saved.
func (e *NotSavedError) Unwrap() error { return e.Err }

// Hint says what to do.
func (e *NotSavedError) Hint() string {
	return "run berth secrets edit again and fix the problem"
}

// Edit lets the user edit berth.yaml (file, its bytes data) with its
// secret values decrypted with keys, and writes it back with them
// encrypted again (see Reseal). The decrypted copy is a file of mode 0600
// in a new private temporary directory, removed before Edit returns;
// edit opens it (Editor.Edit). When the edited copy cannot be encrypted
// again, retry is asked whether to edit it again; when it says no, the
// error is a *NotSavedError and file is as it was. saved is false when
// the copy was not changed: then nothing is written.
func Edit(ctx context.Context, file string, data []byte, keys *Keys, edit func(ctx context.Context, path string) error, retry func(err error) bool) (res *Result, saved bool, err error) {
	plainText, plain, _, err := DecryptFile(file, data, nil, keys)
	if err != nil {
		return nil, false, err
	}
	dir, err := os.MkdirTemp("", "berth-secrets-")
	if err != nil {
		return nil, false, err
	}
	defer os.RemoveAll(dir)
	tmp := filepath.Join(dir, filepath.Base(file))
	if err := os.WriteFile(tmp, plainText, 0o600); err != nil {
		return nil, false, err
	}
	for {
		if err := edit(ctx, tmp); err != nil {
			return nil, false, err
		}
		edited, err := os.ReadFile(tmp)
		if err != nil {
			return nil, false, err
		}
		if bytes.Equal(edited, plainText) {
			return &Result{}, false, nil
		}
		out, res, err := Reseal(file, data, edited, plain)
		if err != nil {
			if retry != nil && retry(err) {
				continue
			}
			return nil, false, &NotSavedError{File: file, Err: err}
		}
		if err := WriteFile(file, out); err != nil {
			return nil, false, err
		}
		return res, true, nil
	}
}
