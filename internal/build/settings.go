package build

import (
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// Settings is the image config a Dockerfile's own lines set, read without
// building the image and without its base: berth init reads the ports an
// app listens on from it.
type Settings struct {
	// Config is the config over an empty base: the base image's ENV and
	// EXPOSE are not in it.
	Config v1.Config
	// Exposed lists the EXPOSEd ports ("80/tcp") in the order of the
	// EXPOSE lines (BuildKit's parser sorts the ports of one line);
	// Config.ExposedPorts is a set.
	Exposed []string
}

// Settings walks the commands that only set image config (ARG, ENV,
// EXPOSE, LABEL, USER, WORKDIR, CMD, ...) with the same expansion and
// limits as Plan, skipping those that add files or run programs (COPY,
// ADD, RUN), so it works on a Dockerfile ParseDockerfile returned with a
// *DaemonError too. Like Plan, it expands the commands in place.
func (df *Dockerfile) Settings() (*Settings, error) {
	p := &planner{
		df: df, x: &expander{lex: shell.NewLex(df.Escape), escape: df.Escape}, args: map[string]string{},
		shell: []string{"/bin/sh", "-c"}, out: &plan{},
	}
	s := &Settings{}
	for _, c := range df.Commands {
		switch c := c.(type) {
		case *instructions.CopyCommand, *instructions.AddCommand, *instructions.RunCommand:
			continue
		case *instructions.ExposeCommand:
			// ports expands each word as command does; keep the order.
			for _, word := range c.Ports {
				ports, err := p.ports(word)
				if err != nil {
					return nil, fmt.Errorf("%s:%d: %s: %w", df.File, line(c), text(c), err)
				}
				s.Exposed = append(s.Exposed, ports...)
			}
		}
		if err := p.command(c); err != nil {
			return nil, fmt.Errorf("%s:%d: %s: %w", df.File, line(c), text(c), err)
		}
	}
	s.Config = p.out.Config
	return s, nil
}
