package compose

import (
	"errors"
	"testing"
)

func TestOptionsValidate(t *testing.T) {
	t.Parallel()
	ok := Options{VolumeSize: "1Gi", Expose: "ClusterIP"}
	with := func(change func(*Options)) Options {
		o := ok
		change(&o)
		return o
	}
	for _, tc := range []struct {
		name string
		opts Options
		want string // "" when valid
	}{
		{"defaults", ok, ""},
		{"files and name", with(func(o *Options) { o.Files, o.Name, o.Expose = []string{"a.yml", "b.yml"}, "shop-2", "LoadBalancer" }), ""},
		{"500Mi NodePort", with(func(o *Options) { o.VolumeSize, o.Expose = "500Mi", "NodePort" }), ""},
		{"name of 53", with(func(o *Options) { o.Name = "a2345678901234567890123456789012345678901234567890123" }), ""},
		{"stdin", with(func(o *Options) { o.Files = []string{"a.yml", "-"} }), "-f -: berth import compose reads compose files, not stdin; save it to a file first"},
		{"size not a quantity", with(func(o *Options) { o.VolumeSize = "lots" }), `--volume-size "lots": use a size such as 1Gi or 500Mi`},
		{"size zero", with(func(o *Options) { o.VolumeSize = "0" }), `--volume-size "0": use a size such as 1Gi or 500Mi`},
		{"size negative", with(func(o *Options) { o.VolumeSize = "-1Gi" }), `--volume-size "-1Gi": use a size such as 1Gi or 500Mi`},
		{"size empty", with(func(o *Options) { o.VolumeSize = "" }), `--volume-size "": use a size such as 1Gi or 500Mi`},
		{"expose", with(func(o *Options) { o.Expose = "Ingress" }), `--expose "Ingress": use ClusterIP, NodePort or LoadBalancer`},
		{"expose lower case", with(func(o *Options) { o.Expose = "nodeport" }), `--expose "nodeport": use ClusterIP, NodePort or LoadBalancer`},
		{"name upper case", with(func(o *Options) { o.Name = "Shop" }), `--name "Shop": lowercase letters, digits and '-', at most 53 characters`},
		{"name of 54", with(func(o *Options) { o.Name = "a23456789012345678901234567890123456789012345678901234" }),
			`--name "a23456789012345678901234567890123456789012345678901234": lowercase letters, digits and '-', at most 53 characters`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.opts.Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			var oe *OptionError
			if !errors.As(err, &oe) || err.Error() != tc.want {
				t.Fatalf("Validate() = %v (%T), want the *OptionError %q", err, err, tc.want)
			}
		})
	}
}

// TestImportValidates checks that Import refuses options that do not
// Validate, after putting its defaults in place of empty ones.
func TestImportValidates(t *testing.T) {
	t.Parallel()
	_, err := Import(t.Context(), Options{Files: []string{"-"}})
	if oe := (*OptionError)(nil); !errors.As(err, &oe) || oe.Option != "-f -" {
		t.Errorf("Import(-f -) = %v, want an *OptionError for -f -", err)
	}
	_, err = Import(t.Context(), Options{Dir: t.TempDir()}) // empty VolumeSize and Expose are defaults
	if !errors.Is(err, ErrNoComposeFile) {
		t.Errorf("Import(defaults) = %v, want ErrNoComposeFile", err)
	}
}
