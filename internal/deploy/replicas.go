package deploy

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/kube"
)

// ReplicasError is why berth scale's SERVICE=N arguments do not parse: a
// mistake in how berth was called.
type ReplicasError struct {
	// Arg is the argument at fault: "" when there are none; for a service
	// given twice, its second.
	Arg string
	msg string
}

// Error says what is wrong and how to write it.
func (e *ReplicasError) Error() string { return e.msg }

// ParseReplicas reads berth scale's SERVICE=N arguments into pod counts by
// service. No arguments, one not SERVICE=N, a count that is not a whole
// number 0 or more, or a service given twice is a *ReplicasError.
func ParseReplicas(args []string) (map[string]int32, error) {
	if len(args) == 0 {
		return nil, &ReplicasError{msg: "name what to scale: berth scale SERVICE=N, e.g. berth scale web=3"}
	}
	out := map[string]int32{}
	for _, a := range args {
		svc, n, ok := strings.Cut(a, "=")
		count, err := strconv.ParseInt(n, 10, 32)
		switch {
		case !ok || svc == "":
			return nil, &ReplicasError{Arg: a, msg: fmt.Sprintf("%q: write SERVICE=N, e.g. web=3", a)}
		case err != nil || count < 0:
			return nil, &ReplicasError{Arg: a, msg: fmt.Sprintf("%q: the count must be a whole number, 0 or more", a)}
		}
		if _, dup := out[svc]; dup {
			return nil, &ReplicasError{Arg: a, msg: fmt.Sprintf("%s is given twice", svc)}
		}
		out[svc] = int32(count)
	}
	return out, nil
}

// ReplicaChoices are the SERVICE= completions of berth scale: each of
// services, in order, that args (SERVICE=N arguments) do not yet count.
func ReplicaChoices(services, args []string) []string {
	var out []string
	for _, n := range services {
		if !slices.ContainsFunc(args, func(a string) bool { return strings.HasPrefix(a, n+"=") }) {
			out = append(out, n+"=")
		}
	}
	return out
}

// ServiceWorkload names the Deployment (or, for a stateful service, the
// StatefulSet) berth renders for service in namespace. An unknown service
// is a *config.UnknownServiceError, which lists p's services.
func ServiceWorkload(p *config.Project, namespace, service string) (kube.Ref, error) {
	s, err := p.LookupService(service)
	if err != nil {
		return kube.Ref{}, err
	}
	kind := "Deployment"
	if s.Stateful {
		kind = "StatefulSet"
	}
	return kube.Ref{Group: "apps", Version: "v1", Kind: kind, Namespace: namespace, Name: service}, nil
}
