package build

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// Dockerfile is a parsed Dockerfile narrowed to the stage berth builds:
// the target stage and the stages it derives from with FROM, as one list
// of commands on one base image.
type Dockerfile struct {
	// File is the Dockerfile's path, for messages.
	File string
	// Base is the FROM reference of the first stage of the chain, with
	// ARGs expanded ("scratch" for an empty base).
	Base string
	// BaseLine is the line of that FROM.
	BaseLine int
	// Platform is FROM --platform, expanded ("" when not given).
	Platform string
	// Commands of the stage chain, in order, not yet expanded: ARG and
	// ENV values depend on the base image's environment.
	Commands []instructions.Command
	// Escape is the escape character (parser directive).
	Escape rune

	metaArgs map[string]string
	args     map[string]string
}

// DaemonError says that a Dockerfile needs a container runtime: berth's
// own builder copies files and sets image config, it does not run
// programs.
type DaemonError struct {
	File   string
	Line   int
	Text   string
	Reason string
}

func (e *DaemonError) Error() string {
	return fmt.Sprintf("%s:%d: %s: %s", e.File, e.Line, e.Text, e.Reason)
}

// ParseDockerfile reads a Dockerfile with BuildKit's own parser, expands
// the FROM lines with the global ARGs (args override their defaults, and
// TARGETOS/TARGETARCH… are set for platform), and selects target (the
// last stage when empty). When the chain has an instruction only a
// container builder can carry out (RUN, COPY --from, ADD of a URL or git
// repository) it returns the Dockerfile (its Base is known) and a
// *DaemonError.
func ParseDockerfile(file string, args map[string]string, target, platform string) (*Dockerfile, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return parseDockerfile(file, data, args, target, platform)
}

func parseDockerfile(file string, data []byte, args map[string]string, target, platform string) (*Dockerfile, error) {
	res, err := parser.Parse(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	stages, metaArgs, err := instructions.Parse(res.AST, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if len(stages) == 0 {
		return nil, fmt.Errorf("%s: no FROM instruction", file)
	}
	df := &Dockerfile{File: file, Escape: res.EscapeToken, args: args, metaArgs: platformArgs(platform)}
	x := &expander{lex: shell.NewLex(res.EscapeToken), escape: res.EscapeToken}
	for _, a := range metaArgs {
		for _, kv := range a.Args {
			v := ""
			if kv.Value != nil {
				if v, err = x.word(*kv.Value, mapEnv(df.metaArgs)); err != nil {
					return nil, fmt.Errorf("%s:%d: %w", file, line(&a), err)
				}
			}
			if over, ok := args[kv.Key]; ok {
				v = over
			}
			df.metaArgs[kv.Key] = v
		}
	}
	idx := len(stages) - 1
	if target != "" {
		i, ok := instructions.HasStage(stages, target)
		if !ok {
			var names []string
			for _, s := range stages {
				if s.Name != "" {
					names = append(names, s.Name)
				}
			}
			return nil, fmt.Errorf("%s: no stage named %q (stages: %s)", file, target, strings.Join(names, ", "))
		}
		idx = i
	}
	// Follow FROM <earlier stage> back to an image.
	chain := []int{idx}
	for {
		s := stages[chain[0]]
		base, err := x.word(s.BaseName, mapEnv(df.metaArgs))
		if err != nil {
			return nil, fmt.Errorf("%s:%d: FROM %s: %w", file, stageLine(s), s.BaseName, err)
		}
		if i, ok := instructions.HasStage(stages[:chain[0]], base); ok {
			chain = append([]int{i}, chain...)
			continue
		}
		df.Base, df.BaseLine = base, stageLine(s)
		if s.Platform != "" {
			if df.Platform, err = x.word(s.Platform, mapEnv(df.metaArgs)); err != nil {
				return nil, fmt.Errorf("%s:%d: FROM --platform: %w", file, stageLine(s), err)
			}
		}
		break
	}
	var daemon error
	for _, i := range chain {
		for _, c := range stages[i].Commands {
			if err := daemonOnly(file, c); err != nil && daemon == nil {
				daemon = err
			}
			df.Commands = append(df.Commands, c)
		}
	}
	return df, daemon
}

// daemonOnly returns a *DaemonError for a command berth cannot carry out
// without running a container.
func daemonOnly(file string, c instructions.Command) error {
	reason := ""
	switch c := c.(type) {
	case *instructions.RunCommand:
		reason = "RUN executes a program inside the image"
	case *instructions.CopyCommand:
		if c.From != "" {
			reason = "COPY --from copies out of another stage or image"
		} else if c.Parents {
			reason = "COPY --parents is not supported by berth's builder"
		}
	case *instructions.AddCommand:
		for _, src := range c.SourcePaths {
			if isRemote(src) {
				reason = "ADD of a URL or git repository downloads while building"
			}
		}
	}
	if reason == "" {
		return nil
	}
	return &DaemonError{File: file, Line: line(c), Text: text(c), Reason: reason}
}

func isRemote(src string) bool {
	for _, p := range []string{"http://", "https://", "git@", "git://"} {
		if strings.HasPrefix(src, p) {
			return true
		}
	}
	return strings.Contains(src, ".git#")
}

// platformArgs are BuildKit's automatic platform ARGs for platform
// (os/arch[/variant]).
func platformArgs(platform string) map[string]string {
	os, arch, variant := splitPlatform(platform)
	m := map[string]string{
		"TARGETPLATFORM": platform, "TARGETOS": os, "TARGETARCH": arch, "TARGETVARIANT": variant,
		"BUILDPLATFORM": platform, "BUILDOS": os, "BUILDARCH": arch, "BUILDVARIANT": variant,
	}
	return m
}

func splitPlatform(p string) (os, arch, variant string) {
	parts := strings.SplitN(p, "/", 3)
	for len(parts) < 3 {
		parts = append(parts, "")
	}
	return parts[0], parts[1], parts[2]
}

type mapEnv map[string]string

func (m mapEnv) Get(k string) (string, bool) { v, ok := m[k]; return v, ok }
func (m mapEnv) Keys() []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}

type located interface{ Location() []parser.Range }

func line(c located) int {
	if l := c.Location(); len(l) > 0 {
		return l[0].Start.Line
	}
	return 0
}

func stageLine(s instructions.Stage) int {
	if len(s.Location) > 0 {
		return s.Location[0].Start.Line
	}
	return 0
}

// text is a command's source, first line only.
func text(c instructions.Command) string {
	if s, ok := c.(fmt.Stringer); ok {
		return firstLine(s.String())
	}
	return c.Name()
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return s
}
