package config

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestInvalidCoversEveryRule reads the error calls of validate*.go (the
// rules the schema cannot express) and checks that the golden errors of
// testdata/invalid show each rule's message at least once: a new rule
// needs a broken berth.yaml that proves it.
func TestInvalidCoversEveryRule(t *testing.T) {
	t.Parallel()
	sources, err := filepath.Glob("validate*.go")
	if err != nil {
		t.Fatal(err)
	}
	var rules []rule
	for _, f := range sources {
		if !strings.HasSuffix(f, "_test.go") {
			rules = append(rules, validationRules(t, f)...)
		}
	}
	if len(rules) < 60 {
		t.Fatalf("found %d rules in %v; the parser lost track of the error calls", len(rules), sources)
	}
	files, err := filepath.Glob("testdata/invalid/*.err")
	if err != nil {
		t.Fatal(err)
	}
	var golden strings.Builder
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		golden.Write(data)
	}
	for _, r := range rules {
		if file, ok := schemaFirst[r.text]; ok {
			// The schema reports the problem before validate*.go can: the
			// file proves the problem is caught, with the schema's words.
			if _, err := os.Stat(filepath.Join("testdata/invalid", file+".err")); err != nil {
				t.Errorf("%s:%d: %q is caught by the schema, but %s.err is missing: %v", r.file, r.line, r.text, file, err)
			}
			continue
		}
		if _, ok := provenElsewhere[r.text]; ok {
			continue
		}
		if !r.re.MatchString(golden.String()) {
			t.Errorf("%s:%d: no file of testdata/invalid shows the error %q", r.file, r.line, r.text)
		}
	}
}

// schemaFirst are rules of validate*.go whose problem the JSON schema
// reports first (validate*.go keeps them for projects built in Go), with
// the invalid file that shows the schema's error.
var schemaFirst = map[string]string{
	"unsupported apiVersion %q":     "apiversion_unsupported",
	"storage class has no settings": "storage_class_no_settings",
	"unknown target %q":             "target_unknown",
	"service has no settings":       "service_no_settings",
}

// provenElsewhere are rules a committed file cannot trigger, with the
// test that does.
var provenElsewhere = map[string]string{
	"config file %s is %d bytes; a ConfigMap holds at most 1 MiB": "TestConfigFileTooLarge",
}

// TestConfigFileTooLarge: a config file over 1 MiB (sparse, so the repo
// does not carry it) is refused before anything reaches the cluster.
func TestConfigFileTooLarge(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "big.conf"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(MaxConfigFileSize + 1); err != nil {
		t.Fatal(err)
	}
	f.Close()
	file := filepath.Join(dir, "berth.yaml")
	cfg := "apiVersion: berth/v1\nname: shop\nservices:\n  web:\n    image: nginx:1.27\n    configFiles:\n      /etc/big.conf: big.conf\n"
	if err := os.WriteFile(file, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err = Load(file, Options{LookupEnv: lookupTestEnv})
	want := fmt.Sprintf("%s:7:22: services.web.configFiles[\"/etc/big.conf\"]: config file %s is %d bytes; a ConfigMap holds at most 1 MiB", file, filepath.Join(dir, "big.conf"), MaxConfigFileSize+1)
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("error %v, want it to start with %q", err, want)
	}
}

type rule struct {
	file string
	line int
	text string
	re   *regexp.Regexp
}

// validationRules finds v.errorAt and v.errorAtKey calls and turns their
// message (a literal, fmt.Sprintf of one, or a concatenation) into a
// pattern: literal text must match, %v/%q/%d and non-literal parts match
// anything on the line.
func validationRules(t *testing.T, file string) []rule {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []rule
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || len(call.Args) < 2 {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != "errorAt" && sel.Sel.Name != "errorAtKey" {
			return true
		}
		parts := messageParts(call.Args[1])
		var re, text strings.Builder
		for _, p := range parts {
			if p == nil {
				re.WriteString(".*")
				text.WriteString("…")
				continue
			}
			for i, lit := range regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z]`).Split(*p, -1) {
				if i > 0 {
					re.WriteString(".*")
				}
				re.WriteString(regexp.QuoteMeta(lit))
			}
			text.WriteString(*p)
		}
		out = append(out, rule{file: file, line: fset.Position(call.Pos()).Line, text: text.String(), re: regexp.MustCompile(re.String())})
		return true
	})
	return out
}

// messageParts splits a message expression into literal pieces (nil for
// a piece computed at run time).
func messageParts(e ast.Expr) []*string {
	switch e := e.(type) {
	case *ast.BasicLit:
		s, err := strconv.Unquote(e.Value)
		if err != nil {
			return []*string{nil}
		}
		return []*string{&s}
	case *ast.BinaryExpr:
		if e.Op == token.ADD {
			return append(messageParts(e.X), messageParts(e.Y)...)
		}
	case *ast.CallExpr:
		if sel, ok := e.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Sprintf" && len(e.Args) > 0 {
			return messageParts(e.Args[0])
		}
	}
	return []*string{nil}
}
