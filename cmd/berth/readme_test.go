package main

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestREADMESetup keeps the README's promise: its setup is two commands
// on a fresh machine, `make demo` (berth's main job: deploy an example to
// the sandbox) and then `make test`, and CI (.ci/run) runs exactly that
// test command.
func TestREADMESetup(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	block := regexp.MustCompile("(?s)## Setup on a fresh machine.*?```sh\n(.*?)```").FindSubmatch(readme)
	if block == nil {
		t.Fatal("README.md has no ```sh block under \"## Setup on a fresh machine\"")
	}
	var commands []string
	for _, line := range strings.Split(string(block[1]), "\n") {
		if cmd, _, _ := strings.Cut(line, "#"); strings.TrimSpace(cmd) != "" {
			commands = append(commands, strings.Join(strings.Fields(cmd), " "))
		}
	}
	if want := []string{"make demo", "make test"}; !slices.Equal(commands, want) {
		t.Errorf("the README's setup block runs %q, want %q", commands, want)
	}
	ci, err := os.ReadFile("../../.ci/run")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^make test$`).Match(ci) {
		t.Error(".ci/run does not call the README's test command, make test, on a line of its own")
	}
}
