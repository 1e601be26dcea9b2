package scaffold

import (
	"errors"
	"fmt"
	"slices"

	"github.com/berth-dev/berth/internal/config"
)

// Validate checks o, worded after the flags of berth init that set it:
// CI is "" or "github", Expose "" or a Service type, Port 0 (detect it)
// or 1-65535 and Replicas 0 (the default) or more.
func (o Overrides) Validate() error {
	if o.CI != "" && o.CI != "github" {
		return fmt.Errorf("--ci %q: the one supported is github", o.CI)
	}
	if o.Expose != "" && !slices.Contains([]string{config.ExposeClusterIP, config.ExposeNodePort, config.ExposeLoadBalancer}, o.Expose) {
		return fmt.Errorf("--expose %q: use ClusterIP, NodePort or LoadBalancer", o.Expose)
	}
	if o.Port < 0 || o.Port > 65535 || o.Replicas < 0 {
		return errors.New("--port is 1-65535 and --replicas at least 1")
	}
	return nil
}
