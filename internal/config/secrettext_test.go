package config

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestReplaceSecrets rewrites every secret value of a file that spells
// values in each YAML style, and checks that nothing else changed: not a
// comment, not the order, not another value.
func TestReplaceSecrets(t *testing.T) {
	const file = `# top comment
apiVersion: berth/v1
name: shop
secrets:
  db:
    plain: hunter2   # trailing comment
    double: "a \"quoted\" value"
    single: 'it''s'
    literal: |
      line one
      line two

    folded: >-
      folded
      text
    dollars: "pa$$word"
    ref: "${DB_PASSWORD:-dev}"
    file: ${file:db/password.txt}
  flow: {a: one, b: "two, three"}
services:
  web:
    image: nginx:1.27 # the image
environments:
  production:
    secrets:
      db: {plain: prod-pw}
`
	texts, err := SecretTexts("berth.yaml", []byte(file))
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Path, Value string
		Vars        bool
		Problem     string
	}
	var got []row
	repl := map[int]string{}
	for i, st := range texts {
		got = append(got, row{st.Path, st.Value, st.Vars, st.Problem})
		if !st.Vars {
			repl[i] = Quote("new " + st.Path)
		}
	}
	want := []row{
		{"secrets.db.plain", "hunter2", false, ""},
		{"secrets.db.double", `a "quoted" value`, false, ""},
		{"secrets.db.single", "it's", false, ""},
		{"secrets.db.literal", "line one\nline two\n", false, ""},
		{"secrets.db.folded", "folded text", false, ""},
		{"secrets.db.dollars", "pa$word", false, ""},
		{"secrets.db.ref", "", true, ""},
		{"secrets.db.file", "", true, ""},
		{"secrets.flow.a", "one", false, ""},
		{"secrets.flow.b", "two, three", false, ""},
		{"environments.production.secrets.db.plain", "prod-pw", false, ""},
	}
	// A ${VAR} expands to nothing in Value: only Vars matters then.
	for i := range got {
		if got[i].Vars {
			got[i].Value = ""
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("SecretTexts (-want +got):\n%s", diff)
	}
	out, err := ReplaceSecrets("berth.yaml", []byte(file), texts, repl)
	if err != nil {
		t.Fatal(err)
	}
	wantFile := `# top comment
apiVersion: berth/v1
name: shop
secrets:
  db:
    plain: "new secrets.db.plain"   # trailing comment
    double: "new secrets.db.double"
    single: "new secrets.db.single"
    literal: "new secrets.db.literal"

    folded: "new secrets.db.folded"
    dollars: "new secrets.db.dollars"
    ref: "${DB_PASSWORD:-dev}"
    file: ${file:db/password.txt}
  flow: {a: "new secrets.flow.a", b: "new secrets.flow.b"}
services:
  web:
    image: nginx:1.27 # the image
environments:
  production:
    secrets:
      db: {plain: "new environments.production.secrets.db.plain"}
`
	if diff := cmp.Diff(wantFile, string(out)); diff != "" {
		t.Errorf("rewritten file (-want +got):\n%s", diff)
	}
}

func TestReplaceSecretsRefuses(t *testing.T) {
	for _, tc := range []struct{ name, file, problem string }{
		{"anchor", "secrets:\n  db:\n    a: &pw secret\n    b: *pw\n", "it uses a YAML anchor or alias"},
		{"multi-line plain", "secrets:\n  db:\n    a: one\n      two\n", "it is a plain value written over several lines"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			texts, err := SecretTexts("berth.yaml", []byte(tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if texts[0].Problem != tc.problem {
				t.Errorf("problem %q, want %q", texts[0].Problem, tc.problem)
			}
			_, err = ReplaceSecrets("berth.yaml", []byte(tc.file), texts, map[int]string{0: `"x"`})
			if err == nil || !strings.Contains(err.Error(), "berth.yaml:3:") || strings.Contains(err.Error(), "secret\n") {
				t.Errorf("error %v", err)
			}
		})
	}
}

func TestQuoteRoundTrip(t *testing.T) {
	for _, v := range []string{"plain", "a\"b", "multi\nline\n", "${NOT_A_VAR}", "$$", "tab\there", "ünïcode \u2028", `back\slash`} {
		text := "secrets:\n  s:\n    k: " + Quote(v) + "\n"
		texts, err := SecretTexts("berth.yaml", []byte(text))
		if err != nil {
			t.Fatal(err)
		}
		if texts[0].Vars || texts[0].Value != v {
			t.Errorf("Quote(%q) reads back as %q (vars %v)", v, texts[0].Value, texts[0].Vars)
		}
	}
}

// FuzzReplaceSecrets: for any file, rewriting every secret value berth can
// locate either fails cleanly or gives a file whose secret values are the
// new ones and whose other values are unchanged (ReplaceSecrets checks the
// latter itself; this checks the former and that nothing panics).
func FuzzReplaceSecrets(f *testing.F) {
	f.Add("secrets:\n  db:\n    a: one # c\n    b: \"two\"\n    c: |\n      x\n  f: {k: v, l: 'w'}\n")
	f.Add("environments:\n  p:\n    secrets:\n      db: {a: >-\n        folded}\n")
	f.Add("secrets: {db: {a: &x 1, b: *x}}\n")
	f.Fuzz(func(t *testing.T, text string) {
		texts, err := SecretTexts("berth.yaml", []byte(text))
		if err != nil {
			return
		}
		repl := map[int]string{}
		for i, st := range texts {
			if st.Problem == "" {
				repl[i] = Quote("new-" + st.Key)
			}
		}
		out, err := ReplaceSecrets("berth.yaml", []byte(text), texts, repl)
		if err != nil {
			return
		}
		after, err := SecretTexts("berth.yaml", out)
		if err != nil {
			t.Fatalf("the rewritten file does not parse: %v\n%s", err, out)
		}
		if len(after) != len(texts) {
			t.Fatalf("%d values before, %d after:\n%s", len(texts), len(after), out)
		}
		for i := range repl {
			if after[i].Value != "new-"+texts[i].Key {
				t.Fatalf("%s is %q after the rewrite:\n%s", after[i].Path, after[i].Value, out)
			}
		}
	})
}
