package render

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/releaseutil"
	"sigs.k8s.io/yaml"

	"github.com/berth-dev/berth/charts"
	"github.com/berth-dev/berth/internal/config"
)

// DefaultNamespace is used when neither the flags nor berth.yaml name one.
const DefaultNamespace = "default"

// Options tune Render.
type Options struct {
	// Namespace is the release namespace; Project.Namespace, then "default", when empty.
	Namespace string
	// Images maps service names to the image reference to run. Services with
	// image: use it unless overridden here; services with build: must be here.
	Images map[string]string
	// ShowSecrets puts Secret values in the output; they are blanked otherwise.
	ShowSecrets bool
	// ChangeCause is recorded on the workloads as kubernetes.io/change-cause,
	// for kubectl rollout history.
	ChangeCause string
	// Causes override ChangeCause for the workloads of the services they
	// name; an empty cause records none. A deploy that leaves a workload's
	// pod template as it was keeps the cause that template was rolled out
	// with (see deploy), as kubectl's change-cause marks a rollout.
	Causes map[string]string
	// Replicas override berth.yaml's replicas, by service (berth scale);
	// services with autoscale ignore them.
	Replicas map[string]int32
}

// Object is one rendered Kubernetes object.
type Object struct {
	APIVersion string
	Kind       string
	Name       string
	Namespace  string
	// Source is the chart template it came from, e.g. knote/templates/deployment.yaml.
	Source string
	// YAML is the object's manifest.
	YAML []byte
}

// Result is a rendered project.
type Result struct {
	// Manifest is every object as a multi-document YAML stream, in apply
	// order, exactly as `helm template` prints the exported chart.
	Manifest []byte
	// Objects are the same objects, parsed, in the same order.
	Objects []Object
	// Chart is the chart the project was rendered through, values included.
	Chart *chart.Chart
	// Namespace is the namespace rendered into.
	Namespace string

	parsed *Manifest
}

// ErrMissingImage is returned when a service built by berth has no image
// reference yet.
var ErrMissingImage = errors.New("no image for service")

// Render renders a project into manifests.
func Render(p *config.Project, opts Options) (*Result, error) {
	ns := Namespace(p, opts.Namespace)
	images, err := Images(p, opts.Images)
	if err != nil {
		return nil, err
	}
	vals, err := buildValues(p, images, !opts.ShowSecrets, opts)
	if err != nil {
		return nil, err
	}
	if err := checkText(vals); err != nil {
		return nil, fmt.Errorf("rendering %s: %w", p.Name, err)
	}
	valuesMap, err := toMap(vals)
	if err != nil {
		return nil, err
	}
	ch, err := LoadChart(p.Name, nil)
	if err != nil {
		return nil, err
	}
	ch.Values = valuesMap
	m, err := renderChart(ch, p.Name, ns)
	if err != nil {
		return nil, err
	}
	return newResult(m, ch, ns), nil
}

// RenderValues renders a chart berth recorded (a release's chart) with
// other values, as the revision app in namespace ns. Chart.Values is
// replaced in a copy; ch is not changed.
func RenderValues(ch *chart.Chart, values map[string]any, app, ns string) (*Result, error) {
	c := *ch
	c.Values = values
	m, err := renderChart(&c, app, ns)
	if err != nil {
		return nil, err
	}
	return newResult(m, &c, ns), nil
}

func newResult(m *Manifest, ch *chart.Chart, ns string) *Result {
	return &Result{Manifest: m.Bytes(), Objects: m.Objects(), Chart: ch, Namespace: ns, parsed: m}
}

// Parsed returns the rendered manifest as one Manifest, the text of
// Manifest with the objects of Objects, to hand on without parsing it
// again.
func (r *Result) Parsed() *Manifest {
	if r.parsed == nil {
		return &Manifest{text: string(r.Manifest), objects: r.Objects}
	}
	return r.parsed
}

// toMap converts typed values to the generic form Helm gives templates.
// Helm reads values.yaml with sigs.k8s.io/yaml, which goes through JSON, so
// a JSON round trip yields exactly the map `helm template` sees for the
// exported values.yaml (numbers as float64, and so on).
func toMap(v *Values) (map[string]any, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encoding chart values: %w", err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("encoding chart values: %w", err)
	}
	return m, nil
}

// ValuesYAML is the chart values as YAML: values.yaml of the exported chart.
func (r *Result) ValuesYAML() ([]byte, error) {
	out, err := yaml.Marshal(r.Chart.Values)
	if err != nil {
		return nil, fmt.Errorf("encoding chart values: %w", err)
	}
	return out, nil
}

// Namespace resolves the namespace a project renders into.
func Namespace(p *config.Project, override string) string {
	switch {
	case override != "":
		return override
	case p.Namespace != "":
		return p.Namespace
	}
	return DefaultNamespace
}

// Images resolves every service's image: overrides first, then image:.
func Images(p *config.Project, overrides map[string]string) (map[string]string, error) {
	for name := range overrides {
		if _, ok := p.Services[name]; !ok {
			return nil, fmt.Errorf("image given for service %q, which berth.yaml does not define (services: %s)", name, strings.Join(serviceNames(p), ", "))
		}
	}
	out := map[string]string{}
	var missing []string
	for _, name := range serviceNames(p) {
		s := p.Services[name]
		switch {
		case overrides[name] != "":
			out[name] = overrides[name]
		case s.Image != "":
			out[name] = s.Image
		default:
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%w: %s is built by berth and has no image yet; build it with `berth build`, or pass --set-image %s=REF", ErrMissingImage, strings.Join(missing, ", "), missing[0])
	}
	return out, nil
}

func serviceNames(p *config.Project) []string {
	names := make([]string, 0, len(p.Services))
	for n := range p.Services {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// ChartFiles returns the embedded chart's files with the chart renamed to
// the app and values.yaml replaced, as berth renders and exports it.
func ChartFiles(appName string, valuesYAML []byte) ([]*loader.BufferedFile, error) {
	var files []*loader.BufferedFile
	err := fs.WalkDir(charts.App, charts.AppDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(charts.App, p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, charts.AppDir+"/")
		switch name {
		case "Chart.yaml":
			data = chartYAML(appName, data)
		case "values.yaml":
			if valuesYAML != nil {
				data = append([]byte(valuesHeader), valuesYAML...)
			}
		}
		files = append(files, &loader.BufferedFile{Name: name, Data: data})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading the embedded chart: %w", err)
	}
	return files, nil
}

const valuesHeader = "# Generated by berth from berth.yaml. Secret values are blank unless exported\n" +
	"# with --show-secrets; set them with --set secrets.NAME.data.KEY=VALUE.\n"

// chartYAML renames the chart to the app, keeping everything else.
func chartYAML(appName string, data []byte) []byte {
	var out bytes.Buffer
	for _, line := range strings.SplitAfter(string(data), "\n") {
		if strings.HasPrefix(line, "name: ") {
			line = "name: " + appName + "\n"
		}
		out.WriteString(line)
	}
	return out.Bytes()
}

// LoadChart loads the embedded chart for an app with the given values.
func LoadChart(appName string, valuesYAML []byte) (*chart.Chart, error) {
	files, err := ChartFiles(appName, valuesYAML)
	if err != nil {
		return nil, err
	}
	ch, err := loader.LoadFiles(files)
	if err != nil {
		return nil, fmt.Errorf("loading the embedded chart: %w", err)
	}
	return ch, nil
}

// sortManifests orders rendered documents as Helm's
// releaseutil.SortManifests does (files by path, documents in file order,
// then stably by releaseutil.InstallOrder, unknown kinds last by name),
// reading each document's head with a line scan instead of a YAML parse:
// the chart's templates write heads in one fixed form. A test checks the
// result against Helm's sorter.
func sortManifests(files map[string]string) []Object {
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	var objects []Object
	for _, p := range paths {
		if strings.HasPrefix(path.Base(p), "_") || strings.TrimSpace(files[p]) == "" {
			continue
		}
		docs := releaseutil.SplitManifests(files[p])
		keys := make([]string, 0, len(docs))
		for k := range docs {
			keys = append(keys, k)
		}
		sort.Sort(releaseutil.BySplitManifestsOrder(keys))
		for _, k := range keys {
			o := Object{Source: p, YAML: []byte(docs[k])}
			o.APIVersion, o.Kind, o.Name, o.Namespace = head(docs[k])
			objects = append(objects, o)
		}
	}
	rank := make(map[string]int, len(releaseutil.InstallOrder))
	for i, k := range releaseutil.InstallOrder {
		rank[k] = i
	}
	sort.SliceStable(objects, func(i, j int) bool {
		a, aok := rank[objects[i].Kind]
		b, bok := rank[objects[j].Kind]
		switch {
		case !aok && !bok:
			return objects[i].Kind < objects[j].Kind
		case !aok:
			return false
		case !bok:
			return true
		}
		return a < b
	})
	return objects
}

// head reads apiVersion, kind, metadata.name and metadata.namespace.
func head(doc string) (apiVersion, kind, name, namespace string) {
	inMeta := false
	for line := range strings.SplitSeq(doc, "\n") {
		switch {
		case strings.HasPrefix(line, "apiVersion: "):
			apiVersion = unquote(line[len("apiVersion: "):])
		case strings.HasPrefix(line, "kind: "):
			kind = unquote(line[len("kind: "):])
		case line == "metadata:":
			inMeta = true
		case inMeta && strings.HasPrefix(line, "  name: "):
			name = unquote(line[len("  name: "):])
		case inMeta && strings.HasPrefix(line, "  namespace: "):
			namespace = unquote(line[len("  namespace: "):])
		case line != "" && line[0] != ' ' && line[0] != '#':
			inMeta = false
		}
	}
	return apiVersion, kind, name, namespace
}

func unquote(s string) string {
	s = strings.TrimSpace(s)
	if u, err := strconv.Unquote(s); err == nil {
		return u
	}
	return strings.Trim(s, "'")
}

// renderChart renders like `helm template NAME CHART -n NS`: Helm's engine,
// Helm's install order, Helm's document format.
func renderChart(ch *chart.Chart, release, ns string) (*Manifest, error) {
	vals, err := chartutil.ToRenderValues(ch, map[string]any{}, chartutil.ReleaseOptions{
		Name: release, Namespace: ns, Revision: 1, IsInstall: true,
	}, chartutil.DefaultCapabilities)
	if err != nil {
		return nil, fmt.Errorf("preparing chart values: %w", err)
	}
	var e engine.Engine
	files, err := e.Render(ch, vals)
	if err != nil {
		return nil, fmt.Errorf("rendering the chart: %w", err)
	}
	for k := range files {
		if strings.HasSuffix(k, "NOTES.txt") {
			delete(files, k)
		}
	}
	return newManifest(sortManifests(files)), nil
}
