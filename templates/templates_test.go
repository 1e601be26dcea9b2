package templates

import (
	"strings"
	"testing"
)

// TestModeline: berth.yaml.tmpl, which berth init writes, starts with the
// modeline berth import compose writes.
func TestModeline(t *testing.T) {
	data, err := FS.ReadFile("berth.yaml.tmpl")
	if err != nil {
		t.Fatal(err)
	}
	if first, _, _ := strings.Cut(string(data), "\n"); first != Modeline() {
		t.Errorf("berth.yaml.tmpl starts with %q, want Modeline() %q", first, Modeline())
	}
}
