// Package prompt asks the user on a terminal: a yes/no question before a
// change, a typed word before something that cannot be undone, a value
// with a default, a password without echo. Questions go to Out (stderr);
// answers come from In (stdin). Without a terminal on In it does not
// ask: a *NoTerminalError names the flag (--yes) that answers instead.
// The command line only words the questions.
package prompt
