package render_test

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"

	"github.com/berth-dev/berth/internal/build"
	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/render"
	"github.com/berth-dev/berth/internal/testutil"
)

var update = flag.Bool("update", false, "rewrite golden files")

const helmInstall = "go install helm.sh/helm/v3/cmd/helm@v3.22.0"

// examples returns every examples/*/berth.yaml.
func examples(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(testutil.RepoRoot(t), "examples", "*", "berth.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 5 {
		t.Fatalf("found %d examples, want at least 5", len(files))
	}
	return files
}

// fixedEnv keeps ${VAR} defaults in force whatever the test machine's
// environment holds.
func fixedEnv(string) (string, bool) { return "", false }

func renderFile(t *testing.T, file, env string, show bool) (*config.Project, *render.Result) {
	t.Helper()
	p, _, err := config.Load(file, config.Options{Env: env, LookupEnv: fixedEnv})
	if err != nil {
		t.Fatal(err)
	}
	r, err := render.Render(p, render.Options{Images: goldenImages(p), ShowSecrets: show})
	if err != nil {
		t.Fatal(err)
	}
	return p, r
}

// goldenImages gives built services a fixed tag: their content tags
// depend on files outside git (node_modules after npm ci), and the tag
// computation has its own tests in internal/build.
func goldenImages(p *config.Project) map[string]string {
	images := map[string]string{}
	for name, s := range p.Services {
		if s.Build != nil {
			images[name] = build.Repository(p, name) + ":0123456789ab"
		}
	}
	return images
}

func exampleName(file string) string { return filepath.Base(filepath.Dir(file)) }

// TestExamplesGolden renders every example (base and each environment) and
// compares with testdata/examples/NAME[.ENV].yaml.
func TestExamplesGolden(t *testing.T) {
	for _, file := range examples(t) {
		name := exampleName(file)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p, r := renderFile(t, file, "", false)
			testutil.Golden(t, filepath.Join("testdata", "examples", name+".yaml"), r.Manifest, *update)
			for env := range p.Environments {
				_, re := renderFile(t, file, env, false)
				testutil.Golden(t, filepath.Join("testdata", "examples", name+"."+env+".yaml"), re.Manifest, *update)
			}
		})
	}
}

// TestExamplesStrict decodes every rendered object into its typed struct.
func TestExamplesStrict(t *testing.T) {
	for _, file := range examples(t) {
		t.Run(exampleName(file), func(t *testing.T) {
			t.Parallel()
			p, r := renderFile(t, file, "", true)
			if err := render.Strict(r.Objects); err != nil {
				t.Fatal(err)
			}
			for env := range p.Environments {
				_, re := renderFile(t, file, env, true)
				if err := render.Strict(re.Objects); err != nil {
					t.Fatalf("environment %s: %v", env, err)
				}
			}
		})
	}
}

func TestDeterministic(t *testing.T) {
	t.Parallel()
	for _, file := range examples(t) {
		_, a := renderFile(t, file, "", true)
		for range 5 {
			_, b := renderFile(t, file, "", true)
			if !bytes.Equal(a.Manifest, b.Manifest) {
				t.Fatalf("%s renders differently between runs:\n%s", file, cmp.Diff(string(a.Manifest), string(b.Manifest)))
			}
		}
	}
}

// kindOrder is the order objects must come in for apply.
var kindOrder = []string{"Namespace", "ServiceAccount", "Secret", "ConfigMap", "StorageClass", "PersistentVolumeClaim", "Service", "Deployment", "HorizontalPodAutoscaler", "StatefulSet", "Ingress"}

func TestApplyOrder(t *testing.T) {
	t.Parallel()
	rank := map[string]int{}
	for i, k := range kindOrder {
		rank[k] = i
	}
	for _, file := range examples(t) {
		_, r := renderFile(t, file, "", false)
		for i := 1; i < len(r.Objects); i++ {
			a, b := r.Objects[i-1], r.Objects[i]
			ra, ok := rank[a.Kind]
			if !ok {
				t.Fatalf("%s: unexpected kind %s", file, a.Kind)
			}
			rb := rank[b.Kind]
			if ra > rb || (ra == rb && a.Name > b.Name) {
				t.Errorf("%s: %s/%s comes before %s/%s", file, a.Kind, a.Name, b.Kind, b.Name)
			}
		}
	}
}

// TestHelmTemplateIdentical proves the exported chart is plain Helm: the
// real Helm v3 CLI renders it byte for byte like berth, and lints it clean.
func TestHelmTemplateIdentical(t *testing.T) {
	helm := testutil.Tool(t, "helm", helmInstall)
	for _, file := range examples(t) {
		t.Run(exampleName(file), func(t *testing.T) {
			t.Parallel()
			for _, show := range []bool{false, true} {
				p, r := renderFile(t, file, "", show)
				dir := filepath.Join(t.TempDir(), "chart")
				if _, err := render.Export(r, p.Name, dir, false); err != nil {
					t.Fatal(err)
				}
				cmd := exec.Command(helm, "template", p.Name, dir, "--namespace", r.Namespace)
				cmd.Env = append(os.Environ(), "HELM_CACHE_HOME="+t.TempDir(), "HELM_CONFIG_HOME="+t.TempDir(), "HELM_DATA_HOME="+t.TempDir())
				var stderr bytes.Buffer
				cmd.Stderr = &stderr
				out, err := cmd.Output()
				if err != nil {
					t.Fatalf("helm template: %v\n%s", err, stderr.String())
				}
				if !bytes.Equal(out, r.Manifest) {
					t.Fatalf("helm template differs from berth render (show secrets %v) (-berth +helm):\n%s", show, cmp.Diff(string(r.Manifest), string(out)))
				}
				lint := exec.Command(helm, "lint", "--strict", dir)
				lint.Env = cmd.Env
				lout, err := lint.CombinedOutput()
				if err != nil || !strings.Contains(string(lout), "0 chart(s) failed") {
					t.Fatalf("helm lint --strict: %v\n%s", err, lout)
				}
			}
		})
	}
}

func TestRedaction(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := "apiVersion: berth/v1\nname: app\nservices:\n  web:\n    image: nginx\n    env: {PW: {secretRef: {name: db, key: password}}}\nsecrets:\n  db: {password: ${PW}}\n"
	file := filepath.Join(dir, "berth.yaml")
	if err := os.WriteFile(file, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	const planted = "s3cr3t-planted-value"
	lookup := func(k string) (string, bool) { return planted, k == "PW" }
	p, _, err := config.Load(file, config.Options{LookupEnv: lookup})
	if err != nil {
		t.Fatal(err)
	}
	hidden, err := render.Render(p, render.Options{})
	if err != nil {
		t.Fatal(err)
	}
	shown, err := render.Render(p, render.Options{ShowSecrets: true})
	if err != nil {
		t.Fatal(err)
	}
	enc := "czNjcjN0LXBsYW50ZWQtdmFsdWU=" // base64 of the planted value
	for _, s := range []string{planted, enc} {
		values, err := hidden.ValuesYAML()
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(hidden.Manifest, []byte(s)) || bytes.Contains(values, []byte(s)) {
			t.Errorf("redacted render contains %q", s)
		}
	}
	if !bytes.Contains(shown.Manifest, []byte(enc)) {
		t.Errorf("--show-secrets render lacks the encoded value")
	}
	// The checksum annotation is the same either way, so a redacted diff
	// still tells whether the secret changed.
	sum := func(m []byte) string {
		for _, l := range strings.Split(string(m), "\n") {
			if strings.Contains(l, render.ChecksumSecretsAnnotation) {
				return l
			}
		}
		return ""
	}
	if sum(hidden.Manifest) == "" || sum(hidden.Manifest) != sum(shown.Manifest) {
		t.Errorf("secret checksum differs between redacted and shown renders: %q vs %q", sum(hidden.Manifest), sum(shown.Manifest))
	}
}

// TestChangeCauseAndReplicas: the deploy's cause goes on the workloads'
// metadata (never the pod template, which would restart pods), replica
// overrides apply except to autoscaled services, and RenderValues of the
// recorded chart reproduces the manifest.
func TestChangeCauseAndReplicas(t *testing.T) {
	t.Parallel()
	p, _, err := config.Parse("berth.yaml", []byte(`apiVersion: berth/v1
name: shop
services:
  web:
    image: web:1
    replicas: 2
    annotations: {team: blue}
  db:
    image: db:1
    stateful: true
  api:
    image: api:1
    autoscale: {min: 2, max: 5, cpu: 80}
`), config.Options{LookupEnv: fixedEnv})
	if err != nil {
		t.Fatal(err)
	}
	r, err := render.Render(p, render.Options{ChangeCause: "release 1.4", Replicas: map[string]int32{"web": 5, "api": 9, "db": 3}})
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, o := range r.Objects {
		var obj struct {
			Metadata struct {
				Annotations map[string]string
			}
			Spec struct {
				Replicas *int32
				Template struct {
					Metadata struct{ Annotations map[string]string }
				}
			}
		}
		if err := yaml.Unmarshal(o.YAML, &obj); err != nil {
			t.Fatal(err)
		}
		cause := obj.Metadata.Annotations["kubernetes.io/change-cause"]
		switch o.Kind {
		case "Deployment", "StatefulSet":
			seen++
			if cause != "release 1.4" {
				t.Errorf("%s/%s change-cause %q", o.Kind, o.Name, cause)
			}
			if _, ok := obj.Spec.Template.Metadata.Annotations["kubernetes.io/change-cause"]; ok {
				t.Errorf("%s/%s: change-cause on the pod template", o.Kind, o.Name)
			}
			want := map[string]int32{"web": 5, "db": 3}[o.Name]
			switch {
			case o.Name == "api" && obj.Spec.Replicas != nil:
				t.Errorf("api is autoscaled but has replicas %d", *obj.Spec.Replicas)
			case o.Name != "api" && (obj.Spec.Replicas == nil || *obj.Spec.Replicas != want):
				t.Errorf("%s replicas %v, want %d", o.Name, obj.Spec.Replicas, want)
			}
			if o.Name == "web" && obj.Metadata.Annotations["team"] != "blue" {
				t.Errorf("web lost its own annotations: %v", obj.Metadata.Annotations)
			}
		default:
			if cause != "" {
				t.Errorf("%s/%s has a change-cause", o.Kind, o.Name)
			}
			if o.Name == "web" && obj.Metadata.Annotations["team"] != "blue" {
				t.Errorf("%s/web lost its annotations: %v", o.Kind, obj.Metadata.Annotations)
			}
		}
	}
	if seen != 3 {
		t.Errorf("saw %d workloads, want 3", seen)
	}
	again, err := render.RenderValues(r.Chart, r.Chart.Values, "shop", r.Namespace)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(r.Manifest), string(again.Manifest)); diff != "" {
		t.Errorf("RenderValues of the recorded chart (-render +again):\n%s", diff)
	}
}

// TestConfigFilesExact: config files reach the objects byte for byte,
// trailing newlines and blank lines included, although Helm trims every
// manifest document.
func TestConfigFilesExact(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	contents := map[string]string{"a.conf": "x = 1\n", "b.conf": "y\n\n\n", "c.conf": "no newline", "d.conf": "trailing  \n"}
	cfg := "apiVersion: berth/v1\nname: shop\nservices:\n  web:\n    image: w:1\n    configFiles:\n"
	for name, content := range contents {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		cfg += "      /etc/" + name + ": " + name + "\n"
	}
	file := filepath.Join(dir, "berth.yaml")
	if err := os.WriteFile(file, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	_, r := renderFile(t, file, "", false)
	for _, objs := range [][]render.Object{r.Objects, render.ParseManifest(string(r.Manifest)).Objects()} {
		for _, o := range objs {
			if o.Kind != "ConfigMap" {
				continue
			}
			var cm struct{ Data map[string]string }
			if err := yaml.Unmarshal(o.YAML, &cm); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(contents, cm.Data); diff != "" {
				t.Errorf("ConfigMap data (-files +rendered):\n%s", diff)
			}
		}
	}
}

// TestExampleEnvironmentsShareACluster: node ports belong to the whole
// cluster, so two environments of an example (in their own namespaces)
// that pin the same one could not both be deployed to one cluster.
func TestExampleEnvironmentsShareACluster(t *testing.T) {
	nodePort := regexp.MustCompile(`(?m)^\s*nodePort: (\d+)$`)
	for _, file := range examples(t) {
		t.Run(exampleName(file), func(t *testing.T) {
			t.Parallel()
			p, r := renderFile(t, file, "", false)
			manifests := map[string][]byte{"(base)": r.Manifest}
			for env := range p.Environments {
				_, re := renderFile(t, file, env, false)
				manifests[env] = re.Manifest
			}
			owner := map[string]string{}
			for env, m := range manifests {
				for _, match := range nodePort.FindAllSubmatch(m, -1) {
					port := string(match[1])
					if other, ok := owner[port]; ok && other != env {
						t.Errorf("environments %s and %s both pin node port %s", other, env, port)
					}
					owner[port] = env
				}
			}
		})
	}
}
