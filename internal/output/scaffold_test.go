package output_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-dev/berth/internal/output"
)

func TestScaffolded(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name          string
		written, kept []string
		want          string
	}{
		{"nothing", nil, nil, ""},
		{"written", []string{"berth.yaml", "Dockerfile"}, nil, "wrote berth.yaml\nwrote Dockerfile\n"},
		{"both", []string{".dockerignore"}, []string{"Dockerfile"},
			"wrote .dockerignore\nkept Dockerfile (it exists; --force overwrites it)\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var b strings.Builder
			output.Scaffolded(&b, tc.written, tc.kept)
			if diff := cmp.Diff(tc.want, b.String()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
