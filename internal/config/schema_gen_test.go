package config

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/invopop/jsonschema"
)

var update = flag.Bool("update", false, "rewrite golden files and the committed JSON Schema")

// generateSchema reflects the JSON Schema of berth.yaml from the Go types,
// the one source of truth; union types get their alternatives here.
func generateSchema(t *testing.T) []byte {
	t.Helper()
	scalar := func(types ...string) *jsonschema.Schema {
		s := &jsonschema.Schema{}
		for _, ty := range types {
			s.AnyOf = append(s.AnyOf, &jsonschema.Schema{Type: ty})
		}
		return s
	}
	r := &jsonschema.Reflector{
		RequiredFromJSONSchemaTags: false,
		Mapper: func(ty reflect.Type) *jsonschema.Schema {
			switch ty {
			case reflect.TypeFor[PortRef]():
				s := scalar("string", "integer")
				s.Description = "A port name of the service, or a port number."
				return s
			case reflect.TypeFor[Duration]():
				s := scalar("string", "number")
				s.Description = "A duration such as 3s, 1m30s or 500ms, or a number of seconds."
				return s
			case reflect.TypeFor[Quantity]():
				s := scalar("string", "number")
				s.Description = "A Kubernetes quantity such as 100m, 0.5, 128Mi or 10Gi."
				return s
			case reflect.TypeFor[int32]():
				// Kubernetes counts and ports are int32: bound them here so an
				// overflow is reported at its value, not by the decoder.
				return &jsonschema.Schema{Type: "integer", Minimum: json.Number("-2147483648"), Maximum: json.Number("2147483647")}
			case reflect.TypeFor[IntOrPercent]():
				s := scalar("string", "integer")
				s.Description = "A count such as 1, or a percentage such as 25%."
				return s
			}
			return nil
		},
	}
	if err := r.AddGoComments("github.com/berth-dev/berth/internal/config", "."); err != nil {
		t.Fatal(err)
	}
	s := r.Reflect(&Project{})
	s.ID = SchemaURL
	s.Title = "berth.yaml"
	defs := s.Definitions
	enum := func(def, field string, values ...any) {
		t.Helper()
		d := defs[def]
		if d == nil {
			t.Fatalf("no definition %s", def)
		}
		p, ok := d.Properties.Get(field)
		if !ok {
			t.Fatalf("no field %s.%s", def, field)
		}
		p.Enum = values
	}
	enum("Project", "apiVersion", APIVersion)
	enum("Service", "expose", ExposeClusterIP, ExposeNodePort, ExposeLoadBalancer, ExposeHeadless, ExposeNone)
	enum("Service", "imagePullPolicy", "IfNotPresent", "Always", "Never")
	enum("Build", "builder", "auto", "berth", "docker", "podman", "buildah", "nerdctl", "minikube")
	enum("Port", "protocol", "TCP", "UDP", "SCTP")
	enum("HTTPCheck", "scheme", "HTTP", "HTTPS")
	enum("Volume", "accessMode", "ReadWriteOnce", "ReadWriteMany", "ReadOnlyMany", "ReadWriteOncePod")
	enum("Ingress", "pathType", "Prefix", "Exact", "ImplementationSpecific")
	enum("Toleration", "operator", "Equal", "Exists")
	enum("Toleration", "effect", "NoSchedule", "PreferNoSchedule", "NoExecute")
	enum("StorageClass", "reclaimPolicy", "Delete", "Retain")
	enum("StorageClass", "volumeBindingMode", "Immediate", "WaitForFirstConsumer")
	enum("Strategy", "type", StrategyRollingUpdate, StrategyRecreate)

	// Union types: a short scalar form or the full mapping.
	union := func(def string, short *jsonschema.Schema) {
		full := *defs[def]
		defs[def] = &jsonschema.Schema{Description: full.Description, AnyOf: []*jsonschema.Schema{short, &full}}
		full.Description = ""
	}
	union("Target", &jsonschema.Schema{Type: "string", Enum: []any{TargetKube, TargetMinikube, TargetDigitalOcean}})
	union("Strategy", &jsonschema.Schema{Type: "string", Enum: []any{StrategyRollingUpdate, StrategyRecreate}})
	union("EnvValue", &jsonschema.Schema{AnyOf: []*jsonschema.Schema{{Type: "string"}, {Type: "number"}, {Type: "boolean"}, {Type: "null"}}})

	out, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(out, '\n')
}

func TestSchemaUpToDate(t *testing.T) {
	got := generateSchema(t)
	const file = "berth.schema.json"
	if *update {
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(got, Schema()) {
		t.Errorf("%s is out of date with the Go types; run: go test ./internal/config -run TestSchemaUpToDate -update\n%s",
			file, cmp.Diff(string(Schema()), string(got)))
	}
}
