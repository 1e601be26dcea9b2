package build

import (
	"errors"
	"fmt"
	"slices"

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
//
// A command that does not expand is reported in the error, one joined
// error per such command (or EXPOSE word, which leaves the other words),
// and the walk goes on: the settings found are returned with it.
func (df *Dockerfile) Settings() (*Settings, error) {
	p := &planner{
		df: df, x: &expander{lex: shell.NewLex(df.Escape), escape: df.Escape}, args: map[string]string{},
		shell: []string{"/bin/sh", "-c"}, out: &plan{},
	}
	s := &Settings{}
	var errs []error
	for _, c := range df.Commands {
		switch c := c.(type) {
		case *instructions.CopyCommand, *instructions.AddCommand, *instructions.RunCommand:
			continue
		case *instructions.ExposeCommand:
			// Word by word, as command does, keeping the order.
			if p.out.Config.ExposedPorts == nil {
				p.out.Config.ExposedPorts = map[string]struct{}{}
			}
			for _, word := range c.Ports {
				if w, err := p.expand(word); err == nil && w == "" {
					errs = append(errs, fmt.Errorf("%s:%d: EXPOSE %s: expands to nothing (the base image may set it)", df.File, line(c), word))
					continue
				}
				ports, err := p.ports(word)
				if err != nil {
					errs = append(errs, fmt.Errorf("%s:%d: %w", df.File, line(c), err))
				}
				for _, port := range ports {
					p.out.Config.ExposedPorts[port] = struct{}{}
				}
				s.Exposed = append(s.Exposed, ports...)
			}
			continue
		}
		if err := p.command(c); err != nil {
			errs = append(errs, fmt.Errorf("%s:%d: %s: %w", df.File, line(c), text(c), err))
		}
	}
	s.Config = p.out.Config
	return s, errors.Join(errs...)
}

// ExposedPorts lists the ports the stage chain EXPOSEs ("8080/tcp",
// "53/udp"), sorted, as Settings reads them (berth import compose): the
// base image's own EXPOSE is not known here. An EXPOSE word that does not
// expand to ports is reported in the error; the ports found are returned
// with it.
func (df *Dockerfile) ExposedPorts() ([]string, error) {
	s, err := df.Settings()
	ports := slices.Clone(s.Exposed)
	slices.Sort(ports)
	return slices.Compact(ports), err
}
