package build

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/berth-dev/berth/internal/config"
)

// OverrideError is a --set-image override berth cannot use: one not
// written SERVICE=IMAGE, or one for a service berth.yaml does not have. It
// is a mistake in how berth was called.
type OverrideError struct {
	// Pair is the override as given: SERVICE=IMAGE.
	Pair string
	// Unknown reports a service berth.yaml does not have (else Pair is not
	// SERVICE=IMAGE).
	Unknown bool
	// Service is the service it names and Services berth.yaml's, sorted,
	// when Unknown.
	Service  string
	Services []string
}

// Error says what is wrong with the override and how to write one.
func (e *OverrideError) Error() string {
	if !e.Unknown {
		return fmt.Sprintf("--set-image %q: write SERVICE=IMAGE, e.g. --set-image web=nginx:1.27", e.Pair)
	}
	return fmt.Sprintf("--set-image %s: berth.yaml has no service %q (services: %s)", e.Pair, e.Service, strings.Join(e.Services, ", "))
}

// ParseOverrides reads --set-image SERVICE=IMAGE pairs into images by
// service, the later of a service's pairs winning. A pair that is not
// SERVICE=IMAGE is an *OverrideError.
func ParseOverrides(pairs []string) (map[string]string, error) {
	out := map[string]string{}
	for _, kv := range pairs {
		svc, ref, ok := strings.Cut(kv, "=")
		if !ok || svc == "" || ref == "" {
			return nil, &OverrideError{Pair: kv}
		}
		out[svc] = ref
	}
	return out, nil
}

// CheckOverrides refuses, as an *OverrideError, an override (in service
// order, the first) for a service p does not have.
func CheckOverrides(p *config.Project, overrides map[string]string) error {
	for _, name := range slices.Sorted(maps.Keys(overrides)) {
		if _, ok := p.Services[name]; !ok {
			return &OverrideError{Pair: name + "=" + overrides[name], Unknown: true, Service: name, Services: p.ServiceNames()}
		}
	}
	return nil
}
