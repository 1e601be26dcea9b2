package config

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// testEnv is the only environment the tests expand ${VAR} against; the
// real process environment is never read.
var testEnv = map[string]string{
	"PW":        "pw-Zq81-secret",
	"DB_PASS":   "db-pass-Hk29",
	"API_TOKEN": "tok-Wm47-secret",
	"REPLICAS":  "3",
	"DEBUG":     "true",
	"EMPTY":     "",
	"TAG":       "1.4.2",
	"HOST":      "shop.example.org",
}

func lookupTestEnv(name string) (string, bool) {
	v, ok := testEnv[name]
	return v, ok
}

// caseEnv selects an environment overlay (-e) for the cases that need one,
// by file name without extension.
var caseEnv = map[string]string{
	"env_selected_unknown":       "prodution",
	"env_selected_none_defined":  "staging",
	"overlay_bad_value":          "production",
	"overlay_var_unset_selected": "production",
	"overlay":                    "production",
	"overlay_replaces_list":      "staging",
}

func testOptions(name string) Options {
	return Options{Env: caseEnv[name], LookupEnv: lookupTestEnv}
}

func caseName(file string) string {
	return strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
}

func readGolden(t *testing.T, file string) string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run: go test ./internal/config -run %s -update)", err, t.Name())
	}
	return string(b)
}

func writeGolden(t *testing.T, file, content string) {
	t.Helper()
	if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestInvalid loads every file of testdata/invalid and compares the error
// text with the golden NAME.err next to it.
func TestInvalid(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/invalid/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 45 {
		t.Fatalf("found %d invalid cases, want at least 45", len(files))
	}
	for _, file := range files {
		name := caseName(file)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p, warnings, err := Load(file, testOptions(name))
			if err == nil {
				t.Fatalf("Load succeeded, want an error (project %+v, warnings %v)", p, warnings)
			}
			if p != nil || warnings != nil {
				t.Errorf("Load returned a project or warnings with its error")
			}
			var list Errors
			if !errors.As(err, &list) {
				t.Fatalf("error is %T, want config.Errors: %v", err, err)
			}
			for i, e := range list {
				if e.File != file {
					t.Errorf("error %d names file %q, want %q", i, e.File, file)
				}
				if i > 0 {
					prev := list[i-1]
					if prev.Pos.Line > e.Pos.Line || prev.Pos.Line == e.Pos.Line && prev.Pos.Col > e.Pos.Col {
						t.Errorf("errors not sorted by position: %v before %v", prev.Pos, e.Pos)
					}
				}
			}
			got := err.Error() + "\n"
			golden := strings.TrimSuffix(file, ".yaml") + ".err"
			if *update {
				writeGolden(t, golden, got)
			}
			if diff := cmp.Diff(readGolden(t, golden), got); diff != "" {
				t.Errorf("error text differs from %s (-want +got):\n%s", golden, diff)
			}
		})
	}
}

// TestValid loads every file of testdata/valid and compares the project
// with the golden NAME.json and the warnings with wantWarnings.
func TestValid(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/valid/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no valid cases")
	}
	for _, file := range files {
		name := caseName(file)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p, warnings, err := Load(file, testOptions(name))
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if p.File != file || p.Dir != filepath.Dir(file) || p.Env != caseEnv[name] {
				t.Errorf("File, Dir, Env = %q, %q, %q", p.File, p.Dir, p.Env)
			}
			out, err := json.MarshalIndent(p, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got := string(out) + "\n"
			golden := strings.TrimSuffix(file, ".yaml") + ".json"
			if *update {
				writeGolden(t, golden, got)
			}
			if diff := cmp.Diff(readGolden(t, golden), got); diff != "" {
				t.Errorf("project differs from %s (-want +got):\n%s", golden, diff)
			}
			var gotWarnings []string
			for _, w := range warnings {
				if w.File != file || w.Hint == "" {
					t.Errorf("warning %v: want file %s and a hint", w, file)
				}
				gotWarnings = append(gotWarnings, fmt.Sprintf("%d:%d: %s: %s", w.Pos.Line, w.Pos.Col, w.Path, w.Msg))
			}
			if diff := cmp.Diff(wantWarnings[name], gotWarnings); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
		})
	}
}

// wantWarnings are the warnings of each valid case; none when not listed.
var wantWarnings = map[string][]string{
	"warnings": {
		"6:15: services.web.replicas: replicas is ignored when autoscale is set",
		"7:15: services.web.strategy: strategy Recreate with autoscale stops every pod on each rollout",
		"8:38: services.web.autoscale.cpu: autoscale on cpu without resources.requests.cpu",
		"8:50: services.web.autoscale.memory: autoscale on memory without resources.requests.memory",
		"11:15: services.cache.stateful: stateful service has no volumes",
	},
}

var knownBugs = flag.Bool("knownbugs", false, "fail (instead of skip) the tests of known, not yet fixed bugs")

// knownBug reports the problems a test of a known bug found: as a skip by
// default, so the suite stays green until the bug is fixed, and as a
// failure with -knownbugs. Once the bug is fixed the test passes and the
// knownBug call should become plain t.Error.
func knownBug(t *testing.T, bug string, problems []string) {
	t.Helper()
	if len(problems) == 0 {
		return
	}
	msg := "KNOWN BUG: " + bug + "\n" + strings.Join(problems, "\n")
	if *knownBugs {
		t.Error(msg)
		return
	}
	t.Skip(msg + "\n(run with -knownbugs to fail)")
}

// TestOverlayBase loads the overlay example without -e and with the
// environment whose ${VAR} is unset.
func TestOverlayBase(t *testing.T) {
	t.Parallel()
	const file = "testdata/valid/overlay.yaml"
	p, warnings, err := Load(file, Options{LookupEnv: lookupTestEnv})
	if err != nil {
		t.Fatalf("base: %v", err)
	}
	if len(warnings) != 0 {
		t.Errorf("base warnings: %v", warnings)
	}
	got := struct {
		Namespace, Size, LogLevel string
		Replicas                  int32
		Ingress                   bool
		Password                  string
	}{p.Namespace, string(p.Services["db"].Volumes[0].Size), p.Services["web"].Env["LOG_LEVEL"].Value,
		p.Services["web"].EffectiveReplicas(), p.Services["web"].Ingress != nil, p.Secrets["db"]["password"]}
	want := got
	want.Namespace, want.Size, want.LogLevel, want.Replicas, want.Ingress, want.Password = "shop-dev", "1Gi", "debug", 1, false, "dev-password"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("base project (-want +got):\n%s", diff)
	}

	_, _, err = Load(file, Options{Env: "staging", LookupEnv: lookupTestEnv})
	const wantErr = "testdata/valid/overlay.yaml:38:19: environments.staging.secrets.db.password: environment variable STAGING_DB_PASS is not set\n" +
		"    hint: export STAGING_DB_PASS=... before running berth, or give a default: ${STAGING_DB_PASS:-value}"
	if err == nil || err.Error() != wantErr {
		t.Errorf("-e staging: got error\n%v\nwant\n%s", err, wantErr)
	}
}

// TestSecretsNeverInErrors checks that no value written under secrets: (at
// the top level or in an environment), nor the value of a ${VAR} it uses,
// is quoted in any error or warning, whatever else is wrong with the file.
func TestSecretsNeverInErrors(t *testing.T) {
	t.Parallel()
	const head = "apiVersion: berth/v1\nname: shop\n"
	const badServices = "services:\n" +
		"  Web_App:\n    image: nginx:1.27\n    replicas: 3\n    ports: [{name: http, port: 80}, {port: 80}]\n" +
		"    env:\n      PW: {secretRef: {name: db, key: passwd}}\n" +
		"    volumes: [{name: data, mountPath: data, size: 1Gi}]\n"
	const goodServices = "services:\n  web:\n    image: nginx:1.27\n"
	tests := []struct {
		name, doc string
		env       string   // -e
		markers   []string // text that must not appear
		bug       string   // set when the case shows a known, unfixed bug
	}{
		{
			name:    "semantic errors elsewhere",
			doc:     head + "secrets:\n  db:\n    password: hunter2-Qx7\n    token: ${PW}\n" + badServices,
			markers: []string{"hunter2-Qx7", testEnv["PW"]},
		},
		{
			name:    "schema errors elsewhere",
			doc:     head + "secrets:\n  db: {password: hunter2-Qx7, token: \"${API_TOKEN}\"}\nservices:\n  web:\n    imgae: x\n    replicas: two\n    expose: nodeport\n",
			markers: []string{"hunter2-Qx7", testEnv["API_TOKEN"]},
		},
		{
			name: "secret values of the wrong type",
			doc: head + "secrets:\n  db:\n    password: [hunter2-Qx7, hunter3-Pz2]\n    token: {value: ${PW}}\n" +
				"    pin: 80417733\n    flag: true\n  api: token-Lm5\n" + goodServices,
			markers: []string{"hunter2-Qx7", "hunter3-Pz2", testEnv["PW"], "80417733", "token-Lm5"},
		},
		{
			name:    "secrets of the wrong type",
			doc:     head + "secrets: hunter2-Qx7\n" + goodServices,
			markers: []string{"hunter2-Qx7"},
		},
		{
			name:    "secrets as a list",
			doc:     head + "secrets: [hunter2-Qx7, {db: ${PW}}]\n" + goodServices,
			markers: []string{"hunter2-Qx7", testEnv["PW"]},
		},
		{
			name: "environment secrets with type errors",
			doc: head + "secrets:\n  db: {password: dev}\n" + goodServices +
				"environments:\n  prod:\n    secrets:\n      db:\n        password: [hunter2-Qx7]\n        extra: ${DB_PASS}\n      stripe: {key: sk-live-Vb8}\n",
			markers: []string{"hunter2-Qx7", testEnv["DB_PASS"], "sk-live-Vb8"},
		},
		{
			name:    "environment secrets selected",
			doc:     head + "secrets:\n  db: {password: dev}\n" + badServices + "environments:\n  prod:\n    secrets:\n      db: {password: hunter2-Qx7}\n",
			env:     "prod",
			markers: []string{"hunter2-Qx7"},
		},
		{
			name:    "duplicate secret key",
			doc:     head + "secrets:\n  db:\n    password: hunter2-Qx7\n    password: hunter3-Pz2\n" + goodServices,
			markers: []string{"hunter2-Qx7", "hunter3-Pz2"},
		},
		{
			name:    "secret with a required variable",
			doc:     head + "secrets:\n  db:\n    password: hunter2-Qx7${UNSET_VAR}\n    url: ${DB_URL:?}\n" + goodServices,
			markers: []string{"hunter2-Qx7"},
		},
		{
			name:    "YAML syntax error in a secret",
			doc:     head + "secrets:\n  db:\n    password: \"hunter2-Qx7\\q\"\n" + goodServices,
			markers: []string{"hunter2-Qx7"},
		},
		{
			name:    "YAML syntax error after a secret",
			doc:     head + "secrets:\n  db:\n    password: hunter2-Qx7: x\n" + goodServices,
			markers: []string{"hunter2-Qx7"},
		},
		{
			name:    "unterminated variable in a secret",
			doc:     head + "secrets:\n  db:\n    password: \"hunter2-Qx7${oops-Rt5\"\n" + goodServices,
			markers: []string{"hunter2-Qx7", "oops-Rt5"},
			bug:     "expand errors quote the secret value",
		},
		{
			name:    "invalid variable name in a secret",
			doc:     head + "secrets:\n  db:\n    password: \"hunter2-Qx7${not a var-Rt5}\"\n" + goodServices,
			markers: []string{"hunter2-Qx7", "not a var-Rt5"},
			bug:     "expand errors quote the secret value",
		},
		{
			name:    "invalid variable name in an environment secret",
			doc:     head + "secrets:\n  db: {password: x}\n" + goodServices + "environments:\n  prod:\n    secrets:\n      db: {password: \"${oops Rt5}\"}\n",
			env:     "prod",
			markers: []string{"oops Rt5"},
			bug:     "expand errors quote the secret value",
		},
		{
			name:    "non-finite number as a secret",
			doc:     head + "secrets:\n  db:\n    password: -.Inf\n" + goodServices,
			markers: []string{"-.Inf"},
			bug:     "the not-a-finite-number error quotes the secret value",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, warnings, err := Parse("berth.yaml", []byte(tt.doc), Options{Env: tt.env, LookupEnv: lookupTestEnv})
			if err == nil {
				t.Fatalf("Parse succeeded; the case needs an error")
			}
			text := err.Error()
			for _, w := range warnings {
				text += "\n" + w.Error()
			}
			var problems []string
			for _, m := range tt.markers {
				if strings.Contains(text, m) {
					problems = append(problems, fmt.Sprintf("secret %q appears in:\n%s", m, text))
				}
			}
			if tt.bug != "" {
				knownBug(t, tt.bug, problems)
				return
			}
			for _, p := range problems {
				t.Error(p)
			}
		})
	}
}
