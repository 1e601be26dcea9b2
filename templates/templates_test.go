package templates

import (
	"strings"
	"testing"
)

func TestModeline(t *testing.T) {
	if got := Modeline(); !strings.HasPrefix(got, "# yaml-language-server: $schema=") || strings.Contains(got, "\n") {
		t.Errorf("Modeline() = %q, want the schema modeline of berth.yaml.tmpl", got)
	}
}
