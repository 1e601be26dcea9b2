package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// DefaultFile is the config file name berth looks for.
const DefaultFile = "berth.yaml"

// Options tune Load.
type Options struct {
	// Env selects an environment overlay; empty means the base config.
	Env string
	// LookupEnv resolves ${VAR} references; os.LookupEnv when nil.
	LookupEnv func(string) (string, bool)
	// UnsetVarsWarn reports unset ${VAR}s inside the selected environment
	// as warnings instead of errors: `berth validate` checks every
	// environment, and production's secrets need not be set to do that.
	UnsetVarsWarn bool
}

// Load reads, checks and defaults a config file. On any problem it returns
// Errors holding every problem of the file, sorted by position; warnings
// (risky but valid settings) come back with a valid project.
func Load(path string, opts Options) (*Project, []*Warning, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil, &Error{File: path, Msg: "no such file", Hint: "run `berth init` to create one, or point to it with -f PATH"}
		}
		return nil, nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return Parse(path, data, opts)
}

// Parse checks config bytes as if read from file (used for messages and to
// resolve relative paths).
func Parse(file string, data []byte, opts Options) (*Project, []*Warning, error) {
	lookup := opts.LookupEnv
	if lookup == nil {
		lookup = os.LookupEnv
	}
	t := newTree(file, lookup)
	t.secret = isSecretPointer
	t.parse(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))
	if len(t.errs) > 0 && (t.root == nil || t.nodes >= maxNodes) {
		return nil, nil, t.errs.sorted()
	}
	if _, ok := t.root.(map[string]any); !ok {
		t.add(t.at(""), "", "the file must be a mapping of fields (apiVersion, name, services, …)", "start from `berth init`")
		return nil, nil, t.errs.sorted()
	}
	t.checkSchema()
	if len(t.errs) > 0 {
		return nil, nil, t.errs.sorted()
	}
	t.checkOverlays()
	t.checkEncryption()
	var envWarnings []*Warning
	if opts.Env != "" {
		t.applyEnv(opts.Env)
		if opts.UnsetVarsWarn {
			envWarnings = t.envErrs[opts.Env]
		} else {
			t.errs = append(t.errs, t.envErrs[opts.Env]...)
		}
	}
	p, err := t.decode()
	if err != nil {
		return nil, nil, err
	}
	p.File, p.Dir, p.Env = file, filepath.Dir(file), opts.Env
	p.Encrypted = t.encryptedValues()
	v := &validator{t: t, p: p}
	v.run()
	if len(t.errs) > 0 {
		return nil, nil, t.errs.sorted()
	}
	return p, append(Errors(v.warnings), envWarnings...).sorted(), nil
}

func isSecretPointer(p string) bool {
	if strings.HasPrefix(p, "/secrets/") {
		return true
	}
	segs := strings.Split(p, "/")
	return len(segs) > 4 && segs[1] == "environments" && segs[3] == "secrets"
}

func (t *tree) decode() (*Project, error) {
	root := t.root.(map[string]any)
	data, err := json.Marshal(root)
	if err != nil {
		return nil, fmt.Errorf("%s: converting the config: %w", t.file, err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var p Project
	if err := dec.Decode(&p); err != nil {
		// The schema admits only what the types decode; reaching this is a
		// bug in the schema, so say where.
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			pp := "/" + strings.ReplaceAll(te.Field, ".", "/")
			return nil, Errors{&Error{File: t.file, Pos: t.at(pp), Path: te.Field, Msg: fmt.Sprintf("cannot use a %s here", te.Value)}}
		}
		return nil, Errors{&Error{File: t.file, Pos: Pos{1, 1}, Msg: err.Error()}}
	}
	return &p, nil
}

// overlayMaps are the named entries an environment may override but not add.
var overlayMaps = []string{"services", "secrets", "storageClasses"}

// checkOverlays reports overlay entries that do not exist in the base, for
// every environment, so a typo in production is caught on a local render.
func (t *tree) checkOverlays() {
	root := t.root.(map[string]any)
	envs, _ := root["environments"].(map[string]any)
	for _, envName := range sortedKeys(envs) {
		ov, _ := envs[envName].(map[string]any)
		for _, section := range overlayMaps {
			entries, _ := ov[section].(map[string]any)
			base, _ := root[section].(map[string]any)
			for _, name := range sortedKeys(entries) {
				if _, ok := base[name]; ok {
					continue
				}
				p := ptr("environments", envName, section, name)
				hint := fmt.Sprintf("an environment can only change %s defined at the top level; add %q under `%s:` first", section, name, section)
				if s := suggest(name, sortedKeys(base)); s != "" {
					hint = fmt.Sprintf("did you mean %q? An environment can only change %s defined at the top level", s, section)
				}
				t.errs = append(t.errs, &Error{File: t.file, Pos: t.atKey(p), Path: t.display(p),
					Msg: fmt.Sprintf("environment %q overrides %s %q, which is not defined in the base config", envName, singular(section), name), Hint: hint})
			}
		}
	}
}

func singular(section string) string {
	switch section {
	case "services":
		return "service"
	case "secrets":
		return "secret"
	}
	return "storage class"
}

// applyEnv merges environment NAME over the base: mappings merge key by
// key, everything else (scalars, lists) is replaced. Positions follow the
// values, so a problem in a merged value points into the overlay.
func (t *tree) applyEnv(name string) {
	root := t.root.(map[string]any)
	envs, _ := root["environments"].(map[string]any)
	ov, ok := envs[name].(map[string]any)
	if !ok {
		hint := "define it under `environments:`"
		if names := sortedKeys(envs); len(names) > 0 {
			hint = "defined environments: " + strings.Join(names, ", ")
			if s := suggest(name, names); s != "" {
				hint = fmt.Sprintf("did you mean %q? (%s)", s, hint)
			}
		}
		t.errs = append(t.errs, &Error{File: t.file, Pos: t.atKey("/environments"), Msg: fmt.Sprintf("environment %q is not defined", name), Hint: hint})
		return
	}
	t.merge(root, ov, "", ptr("environments", name))
}

func (t *tree) merge(dst, src map[string]any, dstPtr, srcPtr string) {
	for _, k := range sortedKeys(src) {
		sv := src[k]
		dp, sp := dstPtr+"/"+pointerEscape(k), srcPtr+"/"+pointerEscape(k)
		if sm, ok := sv.(map[string]any); ok && !replacedWhole(dp) {
			if dm, ok := dst[k].(map[string]any); ok {
				t.merge(dm, sm, dp, sp)
				continue
			}
		}
		dst[k] = sv
		t.movePositions(sp, dp)
	}
}

// replacedWhole reports values an overlay replaces instead of merging
// into: the one-of forms (a target, a strategy, an env value, a probe),
// where keeping keys of the base would mix two forms.
func replacedWhole(p string) bool {
	segs := strings.Split(p, "/")[1:]
	switch {
	case len(segs) == 1:
		return segs[0] == "target"
	case len(segs) == 3 && segs[0] == "services":
		return segs[2] == "strategy"
	case len(segs) == 4 && segs[0] == "services":
		return segs[2] == "env" || segs[2] == "probes"
	}
	return false
}

// movePositions makes every value under src known under dst too.
func (t *tree) movePositions(src, dst string) {
	for _, m := range []map[string]Pos{t.val, t.key} {
		for _, p := range sortedKeys(m) {
			if p == src || strings.HasPrefix(p, src+"/") {
				m[dst+p[len(src):]] = m[p]
			}
		}
	}
	for _, p := range sortedKeys(t.disp) {
		if p == src || strings.HasPrefix(p, src+"/") {
			t.disp[dst+p[len(src):]] = t.disp[p]
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
