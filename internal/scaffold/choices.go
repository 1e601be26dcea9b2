package scaffold

import "fmt"

// Overrides are the values berth init's flags give; a zero Name, Port,
// Replicas or Expose keeps what Detect found.
type Overrides struct {
	Name     string
	Port     int
	Replicas int
	Expose   string
	Registry string
	// CI is "" or "github".
	CI string
}

// Apply sets the values of o on p; a port from o is said to come from
// --port.
func (p *Project) Apply(o Overrides) {
	if o.Name != "" {
		p.Name = o.Name
	}
	if o.Port > 0 {
		p.Port, p.PortFrom = o.Port, "--port"
	}
	if o.Replicas > 0 {
		p.Replicas = o.Replicas
	}
	if o.Expose != "" {
		p.Expose = o.Expose
	}
	p.Registry, p.CI = o.Registry, o.CI
}

// Detected is the line that says what Detect found.
func (p *Project) Detected() string {
	if p.Port > 0 {
		return fmt.Sprintf("detected: %s project %q, port %d (%s)", p.Lang, p.Name, p.Port, p.PortFrom)
	}
	return fmt.Sprintf("detected: %s project %q, no port", p.Lang, p.Name)
}

// PortNote says what becomes of the port once flags and answers are in,
// given the port Detect found (0: none): a worker without a Service, or
// a port other than the detected one; "" when there is nothing to say.
func (p *Project) PortNote(detected int) string {
	const worker = "%s is a worker with no Service; add ports: to berth.yaml if it serves"
	switch {
	case p.Port == 0 && detected == 0:
		return fmt.Sprintf("no port found (no EXPOSE, ENV PORT or listener in the source): "+worker, p.Name)
	case p.Port == 0:
		return fmt.Sprintf("no port (%s): "+worker, p.PortFrom, p.Name)
	case p.Port != detected:
		return fmt.Sprintf("using port %d (%s)", p.Port, p.PortFrom)
	}
	return ""
}
