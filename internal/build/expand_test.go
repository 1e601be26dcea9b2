package build

import (
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// TestExpansionBudget: ${VAR} substitutions that double or square a value
// stop with an error at the budget instead of taking gigabytes (the first
// case took 4.3 GB and 12 s before the budget); ordinary Dockerfiles
// expand as before.
func TestExpansionBudget(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("0123456789", 6000) // 60,000 bytes; BuildKit's longest line is 64 KiB
	for _, tc := range []struct {
		name, dockerfile string
		err              string
	}{
		{"env doubling", "FROM scratch\nENV A=0123456789abcdef\n" + strings.Repeat("ENV A=$A$A\n", 24), "could produce more than 1 MiB"},
		{"global arg doubling", "ARG A=0123456789abcdef\n" + strings.Repeat("ARG A=$A$A\n", 24) + "FROM scratch\n", "could produce more than 1 MiB"},
		{"replace all squares", "FROM scratch\nENV A=" + strings.Repeat("x", 2048) + "\nENV B=${A//?/$A}\n", "could produce more than 1 MiB"},
		{"many copies of a large value", "FROM scratch\nENV A=" + long + "\n" + strings.Repeat("ENV B=$A$A$A$A$A$A$A$A$A$A$A$A\n", 30), "would expand to more than 16 MiB in all"},
		{"large but bounded", "FROM scratch\nENV A=" + long + "\nENV B=$A C=${A}/bin D=${A:-x} E=${A//0/1}\n", ""},
		{"ordinary", "ARG V=1\nFROM scratch\nARG V\nENV PATH=/app/bin:${PATH} HOME=/home/app V=$V\nLABEL v=${V:-0}\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			df, err := parseDockerfile("Dockerfile", []byte(tc.dockerfile), nil, "", "linux/amd64")
			if err == nil {
				_, err = df.Plan(&v1.ConfigFile{Config: v1.Config{Env: []string{"PATH=/bin"}}}, &Context{index: map[string]*File{}}, nil, time.Unix(0, 0))
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
			if tc.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.HasPrefix(err.Error(), "Dockerfile:") {
				t.Fatalf("error %v, want Dockerfile:LINE: ... %q", err, tc.err)
			}
		})
	}
}

// FuzzExpansionBound checks the bound the budget relies on: BuildKit's
// expansion of any word, with any values, is never longer than
// expansionBound says.
func FuzzExpansionBound(f *testing.F) {
	for _, w := range []string{"$A", "${A}", "${A:-$B$B}", "${A//?/$A}", "${A//?/${B//?/$A}}", "${A/#x/$B}", "'${A//?/$A}'", "\\${A}$B", "${A:+${A}}", "$1$@${#}", "${A//${B}/$A$A}", `"${A//'/$A}"`, "${A/}", "${A//?/}}}"} {
		f.Add(w, "abc", "0123456789")
	}
	f.Fuzz(func(t *testing.T, w, a, b string) {
		if len(a) > 256 || len(b) > 256 {
			return
		}
		env := mapEnv{"A": a, "B": b, "1": a}
		for _, escape := range []rune{'\\', '`'} {
			bound := expansionBound(w, env, escape)
			if bound > 1<<22 {
				continue
			}
			lex := shell.NewLex(escape)
			out, _, err := lex.ProcessWord(w, env)
			if err == nil && len(out) > bound {
				t.Fatalf("ProcessWord(%q) with A=%q B=%q (escape %q) gave %d bytes, over the bound %d", w, a, b, escape, len(out), bound)
			}
		}
	})
}
