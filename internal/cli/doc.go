// Package cli is berth's cobra layer: one file per command, each an
// Options struct with Complete, Validate and Run, bound to flags by
// NewCmdX(f, runF). Commands return errors and never exit; main maps errors
// to exit codes with ExitCode and prints them with PrintError.
package cli
