package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fuzzFile is the name fuzzed configs are parsed as: next to the valid
// cases, so their build contexts and config files resolve.
const fuzzFile = "testdata/valid/fuzz.yaml"

// parseTimeLimit is how long FuzzParse lets Parse (twice) take on one input.
const parseTimeLimit = 10 * time.Second

// addCorpus seeds a fuzz target with every file of the golden corpus.
func addCorpus(f *testing.F, add func(name string, data []byte)) {
	f.Helper()
	for _, dir := range []string{"testdata/invalid", "testdata/valid"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
		if err != nil {
			f.Fatal(err)
		}
		if len(files) == 0 {
			f.Fatalf("no seed files in %s", dir)
		}
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			add(caseName(file), data)
		}
	}
}

// FuzzParse feeds arbitrary bytes (and an environment name) to Parse. It
// must never panic; an error must be a list of well-formed problems,
// sorted, and the same on a second run; a success must come with a
// project that marshals to JSON.
func FuzzParse(f *testing.F) {
	addCorpus(f, func(name string, data []byte) {
		f.Add(data, caseEnv[name])
	})
	f.Fuzz(func(t *testing.T, data []byte, env string) {
		// The fuzzer has no time limit per input: crash the worker on a
		// hang, so that it saves the input.
		watchdog := time.AfterFunc(parseTimeLimit, func() {
			panic(fmt.Sprintf("Parse took more than %v on %q (env %q)", parseTimeLimit, data, env))
		})
		defer watchdog.Stop()
		opts := Options{Env: env, LookupEnv: lookupTestEnv}
		p, warnings, err := Parse(fuzzFile, data, opts)
		if err != nil {
			if p != nil || warnings != nil {
				t.Fatalf("Parse returned a project or warnings with its error %v", err)
			}
			checkFuzzErrors(t, err)
			_, _, again := Parse(fuzzFile, data, opts)
			if again == nil || again.Error() != err.Error() {
				t.Fatalf("Parse is not deterministic:\n%v\nthen:\n%v", err, again)
			}
			return
		}
		if p == nil {
			t.Fatal("Parse returned neither a project nor an error")
		}
		if _, err := json.Marshal(p); err != nil {
			t.Fatalf("the project does not marshal to JSON: %v", err)
		}
		for _, w := range warnings {
			if w.File != fuzzFile || w.Msg == "" {
				t.Fatalf("malformed warning %#v", w)
			}
		}
	})
}

func checkFuzzErrors(t *testing.T, err error) {
	t.Helper()
	var list Errors
	if !errors.As(err, &list) {
		t.Fatalf("error is %T, want Errors: %v", err, err)
	}
	if len(list) == 0 {
		t.Fatal("empty Errors")
	}
	for i, e := range list {
		if e == nil {
			t.Fatalf("nil problem in %v", list)
		}
		if e.File != fuzzFile || e.Msg == "" || e.Pos.Line < 0 || e.Pos.Col < 0 {
			t.Fatalf("malformed problem %#v", e)
		}
		if i > 0 {
			prev := list[i-1]
			if prev.Pos.Line > e.Pos.Line || prev.Pos.Line == e.Pos.Line && prev.Pos.Col > e.Pos.Col {
				t.Fatalf("problems not sorted by position:\n%v", list)
			}
		}
	}
	_ = err.Error()
}

// FuzzExpand drives the ${VAR} expansion directly. It must never panic,
// must give text without $ back unchanged without looking anything up,
// and must say why whenever it reports a problem.
func FuzzExpand(f *testing.F) {
	for _, s := range []string{"", "plain", "$", "$$", "${", "${}", "${TAG}", "$${TAG}", "${UNSET:-d}", "${UNSET-d}",
		"${EMPTY:?msg}", "${A:-${B}}", "${1X}", "a${TAG}b${HOST}c", "${TAG", "日本${TAG}語", "\xff${TAG}\xfe"} {
		f.Add(s)
	}
	addCorpus(f, func(_ string, data []byte) {
		for _, line := range strings.Split(string(data), "\n") {
			if strings.Contains(line, "$") {
				f.Add(line)
			}
		}
	})
	f.Fuzz(func(t *testing.T, s string) {
		looked := false
		getenv := func(name string) (string, bool) {
			looked = true
			if !envNameRE.MatchString(name) {
				t.Fatalf("looked up invalid name %q", name)
			}
			return lookupTestEnv(name)
		}
		out, problems := expand(s, getenv)
		for _, p := range problems {
			if p.msg == "" || p.hint == "" {
				t.Fatalf("problem without message or hint: %#v", p)
			}
		}
		if !strings.Contains(s, "$") {
			if out != s || problems != nil || looked {
				t.Fatalf("expand(%q) = %q, %v (looked up: %v); want the text back unchanged", s, out, problems, looked)
			}
		}
		if !strings.Contains(s, "${") && !strings.Contains(s, "$$") && out != s {
			t.Fatalf("expand(%q) = %q; without ${ or $$ nothing changes", s, out)
		}
		if !strings.Contains(s, "${") && (problems != nil || looked) {
			t.Fatalf("expand(%q) reported %v (looked up: %v) without any ${", s, problems, looked)
		}
	})
}
