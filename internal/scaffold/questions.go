package scaffold

import (
	"fmt"
	"iter"
	"strconv"
)

// Question is one value berth init offers on the terminal: Enter keeps
// Default.
type Question struct {
	// Text is the question, Default the value offered.
	Text, Default string
	// set applies an answer to the project.
	set func(answer string) error
}

// Answer applies answer (Default when the user pressed Enter) to the
// project; an answer that is not a valid value is an error.
func (q Question) Answer(answer string) error { return q.set(answer) }

// Questions are the values berth init offers about p, in order: name,
// port, replicas, how to expose it and the registry. Each is made after
// the previous one is answered, since later ones depend on earlier
// answers: a worker (no port) is not asked how to expose it, and loses
// its Expose.
func (p *Project) Questions() iter.Seq[Question] {
	return func(yield func(Question) bool) {
		if !yield(Question{Text: "App name", Default: p.Name, set: func(a string) error { p.Name = a; return nil }}) {
			return
		}
		if !yield(p.portQuestion()) {
			return
		}
		if !yield(Question{Text: "Replicas", Default: strconv.Itoa(p.Replicas), set: func(a string) error {
			n, err := strconv.Atoi(a)
			if err != nil || n <= 0 {
				return fmt.Errorf("Replicas: %q is not a positive number", a)
			}
			p.Replicas = n
			return nil
		}}) {
			return
		}
		if p.Port == 0 {
			// A worker has no Service to expose.
			p.Expose = ""
		} else if !yield(Question{Text: "Expose as ClusterIP, NodePort or LoadBalancer", Default: p.Expose, set: func(a string) error { p.Expose = a; return nil }}) {
			return
		}
		reg := p.Registry
		if reg == "" {
			reg = "none"
		}
		yield(Question{Text: "Registry for built images (e.g. ghcr.io/OWNER)", Default: reg, set: func(a string) error {
			if a != "none" {
				p.Registry = a
			}
			return nil
		}})
	}
}

// portQuestion asks for the port; "none" (or 0) makes a worker.
func (p *Project) portQuestion() Question {
	def := "none"
	if p.Port > 0 {
		def = strconv.Itoa(p.Port)
	}
	return Question{Text: "Port the app listens on (none: a worker)", Default: def, set: func(a string) error {
		if a == def {
			return nil
		}
		n, err := strconv.Atoi(a)
		switch {
		case a == "none" || n == 0 && err == nil:
			p.Port = 0
		case err != nil || n < 1 || n > 65535:
			return fmt.Errorf("port: %q is not a port number (1-65535) or none", a)
		default:
			p.Port = n
		}
		p.PortFrom = "your answer"
		return nil
	}}
}
