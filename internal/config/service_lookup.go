package config

import (
	"fmt"
	"strings"
)

// UnknownServiceError is a service name that berth.yaml does not define
// (berth logs NAME, berth scale NAME=N, berth rollout status NAME): a
// mistake in how berth was called.
type UnknownServiceError struct {
	// File is the berth.yaml path as given.
	File string
	// Service is the name asked for.
	Service string
	// Services are the project's service names, sorted.
	Services []string
}

// Error names the file and the service, the closest name when there is a
// likely typo, and the project's services.
func (e *UnknownServiceError) Error() string {
	msg := fmt.Sprintf("%s has no service %q", e.File, e.Service)
	if s := suggest(e.Service, e.Services); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	}
	return fmt.Sprintf("%s; its services: %s", msg, strings.Join(e.Services, ", "))
}

// LookupService returns the service called name, or an
// *UnknownServiceError.
func (p *Project) LookupService(name string) (*Service, error) {
	if s, ok := p.Services[name]; ok {
		return s, nil
	}
	return nil, &UnknownServiceError{File: p.File, Service: name, Services: p.ServiceNames()}
}
