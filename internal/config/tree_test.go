package config

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestExpand(t *testing.T) {
	t.Parallel()
	unset := func(name string) expandProblem {
		return expandProblem{msg: "environment variable " + name + " is not set",
			hint:     "export " + name + "=... before running berth, or give a default: ${" + name + ":-value}",
			redacted: "environment variable " + name + " is not set"}
	}
	badName := func(name, expr string) expandProblem {
		return expandProblem{msg: "invalid variable name \"" + name + "\" in ${" + expr + "}",
			hint:     "variable names are letters, digits and _; write $$ for a literal $",
			redacted: "invalid variable name in a ${...} reference of the value"}
	}
	required := func(name, msg string) expandProblem {
		m := "environment variable " + name + " is not set"
		if msg != "" {
			m += ": " + msg
		}
		return expandProblem{msg: m, hint: "export " + name + "=... before running berth", redacted: m}
	}
	unterminated := func(rest string) expandProblem {
		return expandProblem{msg: "unterminated variable reference \"" + rest + "\"", hint: "close it with }, or write $$ for a literal $",
			redacted: "unterminated variable reference in the value"}
	}
	tests := []struct {
		in       string
		want     string
		problems []expandProblem
	}{
		{in: "", want: ""},
		{in: "plain text", want: "plain text"},
		{in: "${TAG}", want: "1.4.2"},
		{in: "nginx:${TAG}", want: "nginx:1.4.2"},
		{in: "${HOST}:${REPLICAS}", want: "shop.example.org:3"},
		{in: "${TAG}${TAG}", want: "1.4.21.4.2"},
		{in: "${_private_9}", want: "", problems: []expandProblem{unset("_private_9")}},
		{in: "$$", want: "$"},
		{in: "$${TAG}", want: "${TAG}"},
		{in: "$$$${TAG}", want: "$${TAG}"},
		{in: "$$${TAG}", want: "$1.4.2"},
		{in: "cost: $5", want: "cost: $5"},
		{in: "$HOME", want: "$HOME"}, // only the braced form expands
		{in: "trailing $", want: "trailing $"},
		{in: "$", want: "$"},
		{in: "${EMPTY}", want: ""},
		{in: "[${EMPTY}]", want: "[]"},

		// Defaults.
		{in: "${UNSET:-eu-west}", want: "eu-west"},
		{in: "${UNSET-eu-west}", want: "eu-west"},
		{in: "${EMPTY:-fallback}", want: "fallback"},
		{in: "${EMPTY-fallback}", want: ""},
		{in: "${TAG:-0.0.0}", want: "1.4.2"},
		{in: "${TAG-0.0.0}", want: "1.4.2"},
		{in: "${UNSET:-}", want: ""},
		{in: "${UNSET-}", want: ""},
		{in: "${UNSET:-a b:c/d}", want: "a b:c/d"},
		{in: "${UNSET:-x-y}", want: "x-y"},
		{in: "${UNSET-x:-y}", want: "x:-y"},
		// The first } ends the reference: a default cannot hold another one.
		{in: "${UNSET:-${TAG}}", want: "${TAG}"},

		// Required.
		{in: "${TAG:?set TAG}", want: "1.4.2"},
		{in: "${UNSET:?set it to the image tag}", want: "", problems: []expandProblem{required("UNSET", "set it to the image tag")}},
		{in: "${EMPTY:?}", want: "", problems: []expandProblem{{msg: "environment variable EMPTY is empty", hint: "export EMPTY=... before running berth", redacted: "environment variable EMPTY is empty"}}},
		{in: "a${UNSET:?x}b", want: "ab", problems: []expandProblem{required("UNSET", "x")}},

		// Unset without default.
		{in: "nginx:${UNSET}", want: "nginx:", problems: []expandProblem{unset("UNSET")}},
		{in: "${A_UNSET}-${B_UNSET}", want: "-", problems: []expandProblem{unset("A_UNSET"), unset("B_UNSET")}},

		// Malformed references.
		{in: "${}", want: "", problems: []expandProblem{badName("", "")}},
		{in: "${1TAG}", want: "", problems: []expandProblem{badName("1TAG", "1TAG")}},
		{in: "${HOME DIR}", want: "", problems: []expandProblem{badName("HOME DIR", "HOME DIR")}},
		{in: "${TAG:+x}", want: "", problems: []expandProblem{badName("TAG:+x", "TAG:+x")}},
		{in: "${:-x}", want: "", problems: []expandProblem{badName("", ":-x")}},
		{in: "${TAG", want: "${TAG", problems: []expandProblem{unterminated("${TAG")}},
		{in: "ok ${TAG} then ${", want: "ok 1.4.2 then ${", problems: []expandProblem{unterminated("${")}},
		{in: "${", want: "${", problems: []expandProblem{unterminated("${")}},
		{in: "${TAG}}", want: "1.4.2}"},
		{in: "${{TAG}}", want: "}", problems: []expandProblem{badName("{TAG", "{TAG")}},
		{in: "日本${TAG}語", want: "日本1.4.2語"},
	}
	var want, got []string
	for _, tt := range tests {
		out, problems := expand(tt.in, lookupTestEnv)
		want = append(want, describeExpand(tt.in, tt.want, tt.problems))
		got = append(got, describeExpand(tt.in, out, problems))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("expand (-want +got):\n%s", diff)
	}
}

func describeExpand(in, out string, problems []expandProblem) string {
	var b strings.Builder
	b.WriteString(in + " → " + out)
	for _, p := range problems {
		b.WriteString("\n  " + p.msg + "\n    hint: " + p.hint)
	}
	return b.String()
}

func TestExpandWithoutDollarIsIdentity(t *testing.T) {
	t.Parallel()
	called := false
	getenv := func(string) (string, bool) { called = true; return "", false }
	for _, s := range []string{"", "a", "{braces}", "} {", "ünïcödé", "multi\nline\ttext", "\x00\xff"} {
		out, problems := expand(s, getenv)
		if diff := cmp.Diff(s, out); diff != "" || problems != nil {
			t.Errorf("expand(%q) (-want +got):\n%s problems: %v", s, diff, problems)
		}
	}
	if called {
		t.Error("expand looked up a variable in text without $")
	}
}

func TestShieldVars(t *testing.T) {
	t.Parallel()
	const o, c = string(shieldOpen), string(shieldClose)
	tests := []struct{ in, want string }{
		{"", ""},
		{"no references", "no references"},
		{"a: {b: 1}", "a: {b: 1}"},
		{"$ and { and }", "$ and { and }"},
		{"pw: ${PW}", "pw: $" + o + "PW" + c},
		{"{password: ${PW}}", "{password: $" + o + "PW" + c + "}"},
		{"{a: ${A:-x}, b: ${B}}", "{a: $" + o + "A:-x" + c + ", b: $" + o + "B" + c + "}"},
		{"${}", "$" + o + c},
		{"$${LITERAL}", "$$" + o + "LITERAL" + c},
		// Not references: unclosed, spanning lines, or holding braces.
		{"${UNCLOSED", "${UNCLOSED"},
		{"${A\n}", "${A\n}"},
		{"${A\r\n}", "${A\r\n}"},
		{"${A{B}}", "${A{B}}"},
		{"${A}{B}", "$" + o + "A" + c + "{B}"},
		// Text that already holds the shield runes is left alone.
		{"x: " + o + " ${PW}", "x: " + o + " ${PW}"},
		{"x: " + c + " ${PW}", "x: " + c + " ${PW}"},
	}
	var want, got []string
	for _, tt := range tests {
		want = append(want, tt.in+" → "+tt.want)
		got = append(got, tt.in+" → "+string(shieldVars([]byte(tt.in))))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("shieldVars (-want +got):\n%s", diff)
	}
	for _, tt := range tests {
		s := string(shieldVars([]byte(tt.in)))
		if back := unshieldVars(s); !strings.ContainsAny(tt.in, o+c) && back != tt.in {
			t.Errorf("unshieldVars(shieldVars(%q)) = %q", tt.in, back)
		}
		// One rune for one rune, line by line, so YAML columns stay right.
		inLines, outLines := strings.Split(tt.in, "\n"), strings.Split(s, "\n")
		if len(inLines) != len(outLines) {
			t.Errorf("shieldVars(%q) changed the number of lines", tt.in)
			continue
		}
		for i := range inLines {
			if utf8.RuneCountInString(inLines[i]) != utf8.RuneCountInString(outLines[i]) {
				t.Errorf("shieldVars(%q) changed the width of line %d", tt.in, i+1)
			}
		}
	}
}

// TestShieldedPositions checks that values after a ${VAR} in a flow
// mapping are reported at their columns as written.
func TestShieldedPositions(t *testing.T) {
	t.Parallel()
	const doc = "x: {a: ${TAG}, b: [1, ${UNSET:-2}], c: \"${HOST}\"}\n" +
		"y: ${REPLICAS}\n" +
		"z: {${TAG}: v}\n"
	tr := newTree("t.yaml", lookupTestEnv)
	tr.parse([]byte(doc))
	if len(tr.errs) > 0 {
		t.Fatal(tr.errs)
	}
	wantRoot := map[string]any{
		"x": map[string]any{"a": "1.4.2", "b": []any{int64(1), int64(2)}, "c": "shop.example.org"},
		"y": int64(3),
		"z": map[string]any{"${TAG}": "v"}, // keys are not expanded
	}
	if diff := cmp.Diff(wantRoot, tr.root); diff != "" {
		t.Errorf("root (-want +got):\n%s", diff)
	}
	wantPos := map[string]Pos{
		"/x/a": {1, 8}, "/x/b": {1, 19}, "/x/b/0": {1, 20}, "/x/b/1": {1, 23}, "/x/c": {1, 40},
		"/y": {2, 4}, "/z/${TAG}": {3, 13},
	}
	gotPos := map[string]Pos{}
	for p := range wantPos {
		gotPos[p] = tr.val[p]
	}
	if diff := cmp.Diff(wantPos, gotPos); diff != "" {
		t.Errorf("positions (-want +got):\n%s", diff)
	}
	if got, want := tr.key["/z/${TAG}"], (Pos{3, 5}); got != want {
		t.Errorf("key position of z.${TAG} = %v, want %v", got, want)
	}
}

// TestResolvePlain checks the type an unquoted ${VAR} takes.
func TestResolvePlain(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want any
	}{
		{"3", int64(3)},
		{"-7", int64(-7)},
		{"0.5", 0.5},
		{"true", true},
		{"false", false},
		{"1.4.2", "1.4.2"},
		{"", ""},
		{"null", "null"},
		{"~", "~"},
		{"[a, b]", "[a, b]"},
		{"{a: 1}", "{a: 1}"},
		{"a: b", "a: b"},
		{"- x", "- x"},
		{"'quoted'", "'quoted'"},
		{"0x10", int64(16)},
		{"1e3", 1000.0},
	}
	var want, got []any
	for _, tt := range tests {
		want = append(want, []any{tt.in, tt.want})
		got = append(got, []any{tt.in, resolvePlain(tt.in)})
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("resolvePlain (-want +got):\n%s", diff)
	}
}
