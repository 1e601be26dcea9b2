package render_test

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/render"
)

// injectionBase is the app the injection test changes one value of.
const injectionBase = `apiVersion: berth/v1
name: shop
services:
  web:
    image: nginx:1.27
    command: [nginx]
    args: ["-g", "daemon off;"]
    ports:
      - {name: http, port: 80}
    env:
      GREETING: hello
    labels:
      team: shop
    annotations:
      owner: shop
    podAnnotations:
      scrape: "true"
    configFiles:
      /etc/app/app.conf: app.conf
    ingress:
      host: shop.example.org
      port: http
      annotations:
        nginx.ingress.kubernetes.io/rewrite-target: /
secrets:
  app:
    KEY: value
`

// hostileValues try to break out of the field they are put in: a new
// YAML document, keys of the enclosing mapping, flow syntax, anchors,
// tags, directives, Helm's own template syntax, and control characters.
var hostileValues = map[string]string{
	"new document":    "x\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: injected\nstringData:\n  a: b\n",
	"document end":    "x\n...\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: injected}\n",
	"template":        "{{ .Release.Name }}{{ include \"berth.labels\" . }}{{ .Values }}",
	"sibling key":     "x\ninjected: true\n  deeper: {a: b}",
	"quotes":          `"'\"\\: {a: b}, injected: true'`,
	"flow":            "{injected: true, list: [1, 2]}",
	"anchor and tag":  "&a !!binary *a %YAML 1.1",
	"comment":         "# not a comment\n#also not",
	"control":         "\x00\x01\t\r\n\u2028\u2029\ufeff",
	"yaml-unsafe":     "a\x7fb\u0080\u0085\u009f\ufffe\uffff",
	"invalid utf-8":   "a\xff\xfeb\xc0",
	"indented block":  "|\n  block\n- item\n? key\n: value",
	"trailing blanks": "\n\n  x  \n\n",
}

// renderError is the error Render must give for a hostile value in a
// field ("" when the value must render as data): text a manifest cannot
// hold is refused, naming the field, rather than changed or dropped.
func renderError(field, value string) string {
	switch {
	case field == "config file content":
		return "" // not text: binaryData
	case value == "invalid utf-8":
		return "is not valid UTF-8"
	case value == "yaml-unsafe" && field != "secret value":
		return "which YAML cannot carry"
	}
	return ""
}

// hostileField puts a value in one field of the app (set) and reads the
// field back from the rendered objects (get), with what it must be then
// (want, from the base's field).
type hostileField struct {
	name string
	// viaConfig: the value goes into berth.yaml (config validation
	// accepts any string there); otherwise it is set on the loaded
	// project, as a value validation might one day let through.
	viaConfig bool
	set       func(p *config.Project, dir, v string)
	get       func(t *testing.T, objs map[string]map[string]any) any
	want      func(base any, v string) any
}

func TestHostileValuesStayData(t *testing.T) {
	t.Parallel()
	web := func(p *config.Project) *config.Service { return p.Services["web"] }
	container := func(t *testing.T, objs map[string]map[string]any) map[string]any {
		return dig(t, objs["Deployment/web"], "spec", "template", "spec", "containers").([]any)[0].(map[string]any)
	}
	envMap := func(t *testing.T, objs map[string]map[string]any) any {
		out := map[string]any{}
		for _, e := range container(t, objs)["env"].([]any) {
			e := e.(map[string]any)
			out[e["name"].(string)] = e["value"]
		}
		return out
	}
	setKey := func(base any, old, key string, value any) any {
		m := copyMap(base.(map[string]any))
		delete(m, old)
		m[key] = value
		return m
	}
	fields := []hostileField{
		{name: "env value", viaConfig: true,
			set:  func(p *config.Project, _, v string) { web(p).Env["GREETING"] = config.EnvValue{Value: v} },
			get:  envMap,
			want: func(base any, v string) any { return setKey(base, "GREETING", "GREETING", v) }},
		{name: "env name",
			set: func(p *config.Project, _, v string) {
				delete(web(p).Env, "GREETING")
				web(p).Env[v] = config.EnvValue{Value: "hello"}
			},
			get:  envMap,
			want: func(base any, v string) any { return setKey(base, "GREETING", v, "hello") }},
		{name: "label value",
			set: func(p *config.Project, _, v string) { web(p).Labels["team"] = v },
			get: func(t *testing.T, objs map[string]map[string]any) any {
				return dig(t, objs["Deployment/web"], "metadata", "labels")
			},
			want: func(base any, v string) any { return setKey(base, "team", "team", v) }},
		{name: "label key",
			set: func(p *config.Project, _, v string) { delete(web(p).Labels, "team"); web(p).Labels[v] = "shop" },
			get: func(t *testing.T, objs map[string]map[string]any) any {
				return dig(t, objs["Service/web"], "metadata", "labels")
			},
			want: func(base any, v string) any { return setKey(base, "team", v, "shop") }},
		{name: "annotation value", viaConfig: true,
			set: func(p *config.Project, _, v string) { web(p).Annotations["owner"] = v },
			get: func(t *testing.T, objs map[string]map[string]any) any {
				return dig(t, objs["Service/web"], "metadata", "annotations")
			},
			want: func(base any, v string) any { return setKey(base, "owner", "owner", v) }},
		{name: "annotation key",
			set: func(p *config.Project, _, v string) {
				delete(web(p).Annotations, "owner")
				web(p).Annotations[v] = "shop"
			},
			get: func(t *testing.T, objs map[string]map[string]any) any {
				return dig(t, objs["Deployment/web"], "metadata", "annotations")
			},
			want: func(base any, v string) any { return setKey(base, "owner", v, "shop") }},
		{name: "pod annotation value", viaConfig: true,
			set: func(p *config.Project, _, v string) { web(p).PodAnnotations["scrape"] = v },
			get: func(t *testing.T, objs map[string]map[string]any) any {
				return dig(t, objs["Deployment/web"], "spec", "template", "metadata", "annotations")
			},
			want: func(base any, v string) any { return setKey(base, "scrape", "scrape", v) }},
		{name: "ingress annotation value", viaConfig: true,
			set: func(p *config.Project, _, v string) {
				web(p).Ingress.Annotations["nginx.ingress.kubernetes.io/rewrite-target"] = v
			},
			get: func(t *testing.T, objs map[string]map[string]any) any {
				return dig(t, objs["Ingress/web"], "metadata", "annotations")
			},
			want: func(base any, v string) any {
				return setKey(base, "nginx.ingress.kubernetes.io/rewrite-target", "nginx.ingress.kubernetes.io/rewrite-target", v)
			}},
		{name: "config file content", viaConfig: true,
			set: func(_ *config.Project, dir, v string) {
				if err := os.WriteFile(filepath.Join(dir, "app.conf"), []byte(v), 0o644); err != nil {
					panic(err)
				}
			},
			get: func(t *testing.T, objs map[string]map[string]any) any {
				out := map[string]any{}
				data, _ := dig(t, objs["ConfigMap/web-files"], "data").(map[string]any)
				for k, v := range data {
					out[k] = v
				}
				if bin, ok := dig(t, objs["ConfigMap/web-files"], "binaryData").(map[string]any); ok {
					for k, v := range bin {
						b, err := base64.StdEncoding.DecodeString(v.(string))
						if err != nil {
							t.Fatal(err)
						}
						out[k] = string(b)
					}
				}
				return out
			},
			want: func(base any, v string) any { return setKey(base, "app.conf", "app.conf", v) }},
		{name: "secret value", viaConfig: true,
			set:  func(p *config.Project, _, v string) { p.Secrets["app"]["KEY"] = v },
			get:  func(t *testing.T, objs map[string]map[string]any) any { return secretData(t, objs["Secret/app"]) },
			want: func(base any, v string) any { return setKey(base, "KEY", "KEY", v) }},
		{name: "secret key",
			set:  func(p *config.Project, _, v string) { delete(p.Secrets["app"], "KEY"); p.Secrets["app"][v] = "value" },
			get:  func(t *testing.T, objs map[string]map[string]any) any { return secretData(t, objs["Secret/app"]) },
			want: func(base any, v string) any { return setKey(base, "KEY", v, "value") }},
		{name: "command", viaConfig: true,
			set:  func(p *config.Project, _, v string) { web(p).Command = []string{v} },
			get:  func(t *testing.T, objs map[string]map[string]any) any { return container(t, objs)["command"] },
			want: func(_ any, v string) any { return []any{v} }},
		{name: "args", viaConfig: true,
			set:  func(p *config.Project, _, v string) { web(p).Args = []string{v, v} },
			get:  func(t *testing.T, objs map[string]map[string]any) any { return container(t, objs)["args"] },
			want: func(_ any, v string) any { return []any{v, v} }},
		{name: "image",
			set:  func(p *config.Project, _, v string) { web(p).Image = v },
			get:  func(t *testing.T, objs map[string]map[string]any) any { return container(t, objs)["image"] },
			want: func(_ any, v string) any { return v }},
	}
	base, _, err := renderHostile(t, func(*config.Project, string) {})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fields {
		for vname, v := range hostileValues {
			t.Run(f.name+"/"+vname, func(t *testing.T) {
				t.Parallel()
				objs, r, err := renderHostile(t, func(p *config.Project, dir string) { f.set(p, dir, v) })
				if want := renderError(f.name, vname); want != "" {
					if err == nil || !strings.Contains(err.Error(), want) {
						t.Fatalf("Render: %v, want an error containing %q", err, want)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(keys(base), keys(objs)); diff != "" {
					t.Fatalf("objects (-base +hostile):\n%s\nmanifest:\n%s", diff, r.Manifest)
				}
				if diff := cmp.Diff(f.want(f.get(t, base), v), f.get(t, objs)); diff != "" {
					t.Errorf("%s (-want +got):\n%s", f.name, diff)
				}
			})
		}
	}
	// The same values written in berth.yaml itself load and render the
	// same way (config validation accepts any string in these fields).
	for _, f := range fields {
		if !f.viaConfig {
			continue
		}
		for vname, v := range hostileValues {
			if vname == "invalid utf-8" && f.name != "config file content" {
				continue // berth.yaml is UTF-8: it cannot hold these bytes
			}
			t.Run("berth.yaml/"+f.name+"/"+vname, func(t *testing.T) {
				t.Parallel()
				dir := t.TempDir()
				if f.name == "config file content" {
					f.set(nil, dir, v)
				}
				text := setInYAML(t, injectionBase, f.name, v)
				p, err := loadHostileErr(t, dir, text)
				if err != nil {
					t.Fatal(err)
				}
				objs, _, err := renderProject(t, p)
				if want := renderError(f.name, vname); want != "" {
					if err == nil || !strings.Contains(err.Error(), want) {
						t.Fatalf("Render: %v, want an error containing %q", err, want)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(keys(base), keys(objs)); diff != "" {
					t.Fatalf("objects (-base +hostile):\n%s", diff)
				}
				if diff := cmp.Diff(f.want(f.get(t, base), v), f.get(t, objs)); diff != "" {
					t.Errorf("%s (-want +got):\n%s", f.name, diff)
				}
			})
		}
	}
}

// setInYAML writes v (as a JSON string, which YAML reads the same) into
// the field of injectionBase that the test named.
func setInYAML(t *testing.T, text, field, v string) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	// YAML reads JSON's escapes; escape also what YAML refuses raw.
	var esc strings.Builder
	for _, r := range string(b) {
		if r == 0x7f || r >= 0x80 && r <= 0x9f || r == 0x2028 || r == 0x2029 || r >= 0xfeff {
			fmt.Fprintf(&esc, "\\u%04x", r)
			continue
		}
		esc.WriteRune(r)
	}
	j := esc.String()
	repl, ok := map[string][2]string{
		"env value":                {"GREETING: hello", "GREETING: " + j},
		"annotation value":         {"owner: shop", "owner: " + j},
		"pod annotation value":     {`scrape: "true"`, "scrape: " + j},
		"ingress annotation value": {"rewrite-target: /", "rewrite-target: " + j},
		"secret value":             {"KEY: value", "KEY: " + j},
		"command":                  {"command: [nginx]", "command: [" + j + "]"},
		"args":                     {`args: ["-g", "daemon off;"]`, "args: [" + j + ", " + j + "]"},
	}[field]
	if !ok {
		return text
	}
	return strings.Replace(text, repl[0], repl[1], 1)
}

func loadHostile(t *testing.T, dir, text string) *config.Project {
	t.Helper()
	p, err := loadHostileErr(t, dir, text)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func loadHostileErr(t *testing.T, dir, text string) (*config.Project, error) {
	t.Helper()
	file := filepath.Join(dir, "berth.yaml")
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "app.conf")); errors.Is(err, os.ErrNotExist) {
		if err := os.WriteFile(filepath.Join(dir, "app.conf"), []byte("listen 80;\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p, _, err := config.Load(file, config.Options{LookupEnv: fixedEnv})
	return p, err
}

// renderHostile loads the base app, lets change set one value, renders
// it with secrets shown and decodes every document of the manifest.
func renderHostile(t *testing.T, change func(p *config.Project, dir string)) (map[string]map[string]any, *render.Result, error) {
	t.Helper()
	dir := t.TempDir()
	p := loadHostile(t, dir, injectionBase)
	change(p, dir)
	return renderProject(t, p)
}

// renderProject renders p and decodes the manifest with a YAML stream
// reader (what kubectl apply -f would see), checking that berth's own
// split (what berth deploy applies) and Result.Objects agree with it.
func renderProject(t *testing.T, p *config.Project) (map[string]map[string]any, *render.Result, error) {
	t.Helper()
	r, err := render.Render(p, render.Options{ShowSecrets: true})
	if err != nil {
		return nil, nil, err
	}
	objs := map[string]map[string]any{}
	rd := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(r.Manifest)))
	n := 0
	for {
		doc, err := rd.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		var o map[string]any
		if err := yaml.Unmarshal(doc, &o); err != nil {
			t.Fatalf("decoding a document: %v\n%s", err, doc)
		}
		if o == nil {
			continue
		}
		n++
		objs[o["kind"].(string)+"/"+dig(t, o, "metadata", "name").(string)] = o
	}
	if n != len(objs) || n != len(r.Objects) || n != len(render.ParseManifest(string(r.Manifest)).Objects()) {
		t.Fatalf("%d documents, %d distinct objects, %d in Result.Objects, %d from render.ParseManifest", n, len(objs), len(r.Objects), len(render.ParseManifest(string(r.Manifest)).Objects()))
	}
	for _, o := range r.Objects {
		if _, ok := objs[o.Kind+"/"+o.Name]; !ok {
			t.Fatalf("Result.Objects has %s/%s, the manifest does not", o.Kind, o.Name)
		}
	}
	return objs, r, nil
}

func dig(t *testing.T, o map[string]any, keys ...string) any {
	t.Helper()
	var v any = o
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("no %s in %v", strings.Join(keys, "."), o)
		}
		v = m[k]
	}
	return v
}

func secretData(t *testing.T, o map[string]any) any {
	t.Helper()
	out := map[string]any{}
	for k, v := range dig(t, o, "data").(map[string]any) {
		b, err := base64.StdEncoding.DecodeString(v.(string))
		if err != nil {
			t.Fatal(err)
		}
		out[k] = string(b)
	}
	return out
}

func keys(objs map[string]map[string]any) []string {
	var out []string
	for k := range objs {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func copyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
