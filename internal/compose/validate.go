package compose

import (
	"fmt"
	"slices"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/berth-dev/berth/internal/config"
)

// OptionError is an Options value Import cannot use, worded after the
// flag of berth import compose that sets it.
type OptionError struct {
	// Option is the flag and the value given, e.g. `--volume-size "lots"`.
	Option string
	// Fix says what to give instead.
	Fix string
}

func (e *OptionError) Error() string { return e.Option + ": " + e.Fix }

// Validate checks opts as Import uses them, once Import has put the
// defaults in place of an empty VolumeSize or Expose: Files do not name
// stdin ("-"), VolumeSize is a positive quantity, Expose a Service type,
// and Name, when set, a DNS label of at most 53 characters. Its error is
// an *OptionError.
func (opts Options) Validate() error {
	if slices.Contains(opts.Files, "-") {
		return &OptionError{"-f -", "berth import compose reads compose files, not stdin; save it to a file first"}
	}
	if q, err := resource.ParseQuantity(opts.VolumeSize); err != nil || q.Sign() <= 0 {
		return &OptionError{fmt.Sprintf("--volume-size %q", opts.VolumeSize), "use a size such as 1Gi or 500Mi"}
	}
	if !slices.Contains([]string{config.ExposeClusterIP, config.ExposeNodePort, config.ExposeLoadBalancer}, opts.Expose) {
		return &OptionError{fmt.Sprintf("--expose %q", opts.Expose), "use ClusterIP, NodePort or LoadBalancer"}
	}
	if opts.Name != "" && (len(validation.IsDNS1123Label(opts.Name)) > 0 || len(opts.Name) > 53) {
		return &OptionError{fmt.Sprintf("--name %q", opts.Name), "lowercase letters, digits and '-', at most 53 characters"}
	}
	return nil
}
