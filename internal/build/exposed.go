package build

import (
	"errors"
	"fmt"
	"slices"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// ExposedPorts lists the ports the stage chain EXPOSEs ("8080/tcp",
// "53/udp"), sorted, with the Dockerfile's ARG and ENV values expanded.
// Nothing is built, so a RUN or COPY --from does not matter, and the base
// image's own ENV and EXPOSE are not known here. An EXPOSE word that does
// not expand to ports is left out and reported in the error (one joined
// error per such word); the ports found are returned with it.
func (df *Dockerfile) ExposedPorts() ([]string, error) {
	p := &planner{df: df, x: &expander{lex: shell.NewLex(df.Escape), escape: df.Escape}, args: map[string]string{}, out: &plan{}}
	var errs []error
	var ports []string
	for _, c := range df.Commands {
		switch c := c.(type) {
		case *instructions.ArgCommand, *instructions.EnvCommand:
			if err := p.command(c); err != nil {
				errs = append(errs, fmt.Errorf("%s:%d: %s: %w", df.File, line(c), text(c), err))
			}
		case *instructions.ExposeCommand:
			// Word by word: one that does not expand leaves the others.
			for _, word := range c.Ports {
				if w, err := p.expand(word); err == nil && w == "" {
					errs = append(errs, fmt.Errorf("%s:%d: EXPOSE %s: expands to nothing (the base image may set it)", df.File, line(c), word))
					continue
				}
				ps, err := p.ports(word)
				if err != nil {
					errs = append(errs, fmt.Errorf("%s:%d: %w", df.File, line(c), err))
				}
				ports = append(ports, ps...)
			}
		}
	}
	slices.Sort(ports)
	return slices.Compact(ports), errors.Join(errs...)
}
