package render

import (
	"errors"
	"fmt"

	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/client-go/kubernetes/scheme"
)

// Strict decodes every object into its typed Kubernetes Go struct with the
// strict deserializer: unknown or duplicate fields and wrong types are
// errors. It is what `berth render --validate` runs.
func Strict(objects []Object) error {
	dec := serializer.NewCodecFactory(scheme.Scheme, serializer.EnableStrict).UniversalDeserializer()
	var errs []error
	for _, o := range objects {
		if _, _, err := dec.Decode(o.YAML, nil, nil); err != nil {
			errs = append(errs, fmt.Errorf("%s %s (from %s): %w", o.Kind, o.Name, o.Source, err))
		}
	}
	return errors.Join(errs...)
}
