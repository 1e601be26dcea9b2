package progress

import "testing"

// TestGitHubEscaping: workflow-command data escapes %, CR and LF;
// properties also : and , (as actions/toolkit's command.ts).
func TestGitHubEscaping(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, data, prop string }{
		{"plain", "plain", "plain"},
		{"100%", "100%25", "100%25"},
		{"a\r\nb", "a%0D%0Ab", "a%0D%0Ab"},
		{"C:\\x,y", "C:\\x,y", "C%3A\\x%2Cy"},
		{"%0A", "%250A", "%250A"},
	} {
		if got := EscapeData(tc.in); got != tc.data {
			t.Errorf("EscapeData(%q) = %q, want %q", tc.in, got, tc.data)
		}
		if got := EscapeProperty(tc.in); got != tc.prop {
			t.Errorf("EscapeProperty(%q) = %q, want %q", tc.in, got, tc.prop)
		}
	}
}
