package render

import (
	"sort"
	"strings"

	"helm.sh/helm/v3/pkg/releaseutil"
)

// Manifest is a manifest stream as Render makes it and a Helm release
// records it: the text, byte for byte, and its objects in order, parsed
// once. The zero value and a nil *Manifest are the empty manifest.
type Manifest struct {
	text    string
	objects []Object
}

// ParseManifest parses a manifest stream, as Render returns it or a release
// record holds it, into its objects (Source from the "# Source:" lines).
// Documents without a kind, such as ones holding only comments, are left
// out of Objects; String still returns text unchanged.
func ParseManifest(text string) *Manifest {
	return &Manifest{text: text, objects: split(text)}
}

// newManifest joins rendered objects into the stream `helm template` prints
// and Helm records.
func newManifest(objects []Object) *Manifest {
	var b strings.Builder
	for _, o := range objects {
		b.WriteString("---\n# Source: ")
		b.WriteString(o.Source)
		b.WriteString("\n")
		b.Write(o.YAML)
		b.WriteString("\n")
	}
	return &Manifest{text: strings.TrimSpace(b.String()) + "\n", objects: objects}
}

// Objects returns the manifest's objects in order. The slice is shared:
// callers must not change it.
func (m *Manifest) Objects() []Object {
	if m == nil {
		return nil
	}
	return m.objects
}

// String returns the manifest text, exactly as parsed or rendered.
func (m *Manifest) String() string {
	if m == nil {
		return ""
	}
	return m.text
}

// Bytes returns the manifest text as bytes, a new slice on each call.
func (m *Manifest) Bytes() []byte { return []byte(m.String()) }

// split parses a manifest stream into objects, skipping documents without
// a kind.
func split(manifest string) []Object {
	docs := releaseutil.SplitManifests(manifest)
	keys := make([]string, 0, len(docs))
	for k := range docs {
		keys = append(keys, k)
	}
	sort.Sort(releaseutil.BySplitManifestsOrder(keys))
	out := make([]Object, 0, len(keys))
	for _, k := range keys {
		doc := docs[k]
		o := Object{YAML: []byte(doc)}
		if first, rest, ok := strings.Cut(doc, "\n"); ok && strings.HasPrefix(first, "# Source: ") {
			o.Source = strings.TrimPrefix(first, "# Source: ")
			o.YAML = []byte(rest)
		}
		o.APIVersion, o.Kind, o.Name, o.Namespace = head(string(o.YAML))
		if o.Kind == "" {
			continue
		}
		out = append(out, o)
	}
	return out
}
