package compose

import (
	"os"
	"path/filepath"
	"slices"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// compose-go drops positions when it loads a project, so warnings find
// their lines in the files as written: each compose file (and the files
// its include and extends entries name) is parsed again into yaml.v3
// nodes, and a setting is looked up by service and key.

// pos is a line in a compose file.
type pos struct {
	File string
	Line int
}

// source is one compose file as written.
type source struct {
	display string     // the path for messages, as the user would write it
	abs     string     // for finding extends and include targets
	root    *yaml.Node // the top-level mapping; nil when unreadable
}

// index holds the compose files of a project, in load order.
type index struct {
	files []*source
}

// maxFiles bounds include and extends chains followed for positions.
const maxFiles = 64

// add reads a file and, recursively, the files it includes or extends.
func (ix *index) add(display, abs string) {
	if len(ix.files) >= maxFiles || slices.ContainsFunc(ix.files, func(s *source) bool { return s.abs == abs }) {
		return
	}
	src := &source{display: display, abs: abs}
	ix.files = append(ix.files, src)
	data, err := os.ReadFile(abs)
	if err != nil {
		return
	}
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 {
		return
	}
	if root := deref(doc.Content[0]); root.Kind == yaml.MappingNode {
		src.root = root
	}
	for _, ref := range referencedFiles(src.root) {
		if filepath.IsAbs(ref) {
			ix.add(ref, ref)
			continue
		}
		ix.add(filepath.Join(filepath.Dir(display), ref), filepath.Join(filepath.Dir(abs), ref))
	}
}

// referencedFiles are the local files a compose file includes or extends.
func referencedFiles(root *yaml.Node) []string {
	var refs []string
	if _, inc := get(root, "include"); inc != nil && inc.Kind == yaml.SequenceNode {
		for _, e := range inc.Content {
			e = deref(e)
			if e.Kind == yaml.ScalarNode {
				refs = append(refs, e.Value)
				continue
			}
			_, p := get(e, "path")
			refs = append(refs, scalars(p)...)
		}
	}
	_, services := get(root, "services")
	for _, kv := range pairs(services) {
		if _, ext := get(kv[1], "extends"); ext != nil {
			if _, f := get(ext, "file"); f != nil && f.Kind == yaml.ScalarNode {
				refs = append(refs, f.Value)
			}
		}
	}
	return slices.DeleteFunc(refs, func(r string) bool { return r == "" || strings.Contains(r, "://") })
}

func scalars(n *yaml.Node) []string {
	n = deref(n)
	switch {
	case n == nil:
		return nil
	case n.Kind == yaml.ScalarNode:
		return []string{n.Value}
	case n.Kind == yaml.SequenceNode:
		var out []string
		for _, c := range n.Content {
			if c = deref(c); c.Kind == yaml.ScalarNode {
				out = append(out, c.Value)
			}
		}
		return out
	}
	return nil
}

// deref follows an alias to its anchor.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 8; i++ {
		n = n.Alias
	}
	return n
}

// pairs lists a mapping's key/value nodes, merged keys (<<: *anchor)
// after its own so that a lookup finds the winning one first.
func pairs(n *yaml.Node) [][2]*yaml.Node {
	return pairsDepth(n, 0)
}

func pairsDepth(n *yaml.Node, depth int) [][2]*yaml.Node {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode || depth > 8 {
		return nil
	}
	var own, merged [][2]*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Value == "<<" && k.Tag != "!!str" {
			v = deref(v)
			if v.Kind == yaml.SequenceNode {
				for _, m := range v.Content {
					merged = append(merged, pairsDepth(m, depth+1)...)
				}
			} else {
				merged = append(merged, pairsDepth(v, depth+1)...)
			}
			continue
		}
		own = append(own, [2]*yaml.Node{k, deref(v)})
	}
	return append(own, merged...)
}

// get finds key in a mapping: its key and value nodes, or nils.
func get(n *yaml.Node, key string) (k, v *yaml.Node) {
	for _, kv := range pairs(n) {
		if kv[0].Value == key {
			return kv[0], kv[1]
		}
	}
	return nil, nil
}

// def is where one compose file defines (part of) a service.
type def struct {
	src  *source
	key  *yaml.Node
	node *yaml.Node
}

// defs lists the definitions of a service, the winning one first: the
// files in reverse load order, each followed by the services it extends.
func (ix *index) defs(service string) []def {
	var out []def
	seen := map[*yaml.Node]bool{}
	var follow func(src *source, name string, depth int)
	follow = func(src *source, name string, depth int) {
		if src == nil || depth > 16 {
			return
		}
		_, services := get(src.root, "services")
		k, v := get(services, name)
		if k == nil || seen[k] {
			return
		}
		seen[k] = true
		out = append(out, def{src: src, key: k, node: v})
		_, ext := get(v, "extends")
		switch {
		case ext == nil:
		case ext.Kind == yaml.ScalarNode:
			follow(src, ext.Value, depth+1)
		default:
			_, base := get(ext, "service")
			_, file := get(ext, "file")
			if base == nil || base.Kind != yaml.ScalarNode {
				return
			}
			target := src
			if file != nil && file.Kind == yaml.ScalarNode {
				abs := file.Value
				if !filepath.IsAbs(abs) {
					abs = filepath.Join(filepath.Dir(src.abs), abs)
				}
				target = ix.byPath(abs)
			}
			follow(target, base.Value, depth+1)
		}
	}
	for i := len(ix.files) - 1; i >= 0; i-- {
		follow(ix.files[i], service, 0)
	}
	return out
}

func (ix *index) byPath(abs string) *source {
	for _, s := range ix.files {
		if s.abs == abs {
			return s
		}
	}
	return nil
}

// step walks one level down from a node; it returns the node to report
// (a mapping key, a list item) and the node to continue from.
type step func(n *yaml.Node) (at, next *yaml.Node)

// key steps into a mapping entry.
func key(name string) step {
	return func(n *yaml.Node) (*yaml.Node, *yaml.Node) { return get(n, name) }
}

// item steps into the first entry of a list (or mapping value) that
// mentions text: a scalar holding it, a mapping with a value or key
// equal to it, or a KEY=VALUE entry for KEY text.
func item(text string) step { return itemOf(text, true) }

// entry is item without the loose match: the entry for variable or key
// text exactly.
func entry(text string) step { return itemOf(text, false) }

func itemOf(text string, allowLoose bool) step {
	return func(n *yaml.Node) (*yaml.Node, *yaml.Node) {
		n = deref(n)
		if n == nil {
			return nil, nil
		}
		if n.Kind == yaml.MappingNode {
			if k, v := get(n, text); k != nil {
				return k, v
			}
			return nil, nil
		}
		if n.Kind != yaml.SequenceNode {
			return nil, nil
		}
		// Exact matches first, then an entry that contains the text
		// (a short-syntax volume or port such as ./conf:/etc/conf:ro).
		for _, loose := range []bool{false, true} {
			if loose && !allowLoose {
				break
			}
			for _, c := range n.Content {
				c = deref(c)
				switch c.Kind {
				case yaml.ScalarNode:
					if c.Value == text || strings.HasPrefix(c.Value, text+"=") || loose && strings.Contains(c.Value, text) {
						return c, c
					}
				case yaml.MappingNode:
					for _, kv := range pairs(c) {
						if kv[1].Kind == yaml.ScalarNode && (kv[1].Value == text || loose && strings.Contains(kv[1].Value, text)) {
							return c, c
						}
					}
				}
			}
		}
		return nil, nil
	}
}

// locate finds where a service's setting is written: the first
// definition that has the whole path, else the deepest part found.
func (ix *index) locate(service string, steps ...step) pos {
	at, _ := ix.find(service, steps...)
	return at
}

// find is locate, and whether the whole path was found.
func (ix *index) find(service string, steps ...step) (pos, bool) {
	best, bestDepth := pos{}, -1
	if len(ix.files) > 0 {
		best = pos{File: ix.files[0].display}
	}
	for _, d := range ix.defs(service) {
		at, n, depth := d.key, d.node, 0
		for _, s := range steps {
			a, next := s(n)
			if a == nil {
				break
			}
			at, n = a, next
			depth++
		}
		if depth > bestDepth {
			best, bestDepth = pos{File: d.src.display, Line: at.Line}, depth
		}
		if depth == len(steps) {
			return best, true
		}
	}
	return best, false
}

// raw is the text of a scalar setting as written (before interpolation),
// from the winning definition; ok is false when it is not a plain scalar.
func (ix *index) raw(service string, steps ...step) (string, bool) {
	for _, d := range ix.defs(service) {
		n := d.node
		for _, s := range steps {
			if _, n = s(n); n == nil {
				break
			}
		}
		if n == nil {
			continue
		}
		if n.Kind == yaml.ScalarNode {
			return n.Value, true
		}
		return "", false
	}
	return "", false
}

// keys lists the keys written under a service's path, each with where
// its winning definition is.
func (ix *index) keys(service string, steps ...step) map[string]pos {
	out := map[string]pos{}
	for _, d := range ix.defs(service) {
		n := d.node
		for _, s := range steps {
			if _, n = s(n); n == nil {
				break
			}
		}
		for _, kv := range pairs(n) {
			if _, ok := out[kv[0].Value]; !ok {
				out[kv[0].Value] = pos{File: d.src.display, Line: kv[0].Line}
			}
		}
	}
	return out
}
