package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// Identity is who an app is in the cluster: what the day-2 commands
// (history, status, undo, delete, scale, rollout, logs) need from
// berth.yaml, and all they need.
type Identity struct {
	// File is the config file read.
	File string
	// Name is the application name: the Helm release's name.
	Name string
	// Namespace is the selected environment's namespace, else the base
	// namespace, else "" (the caller's default: -n, the kube context's).
	Namespace string
}

// Identify reads only the app's name and namespace (the base one, or
// opts.Env's) from a config file. Unlike Load it does not require the
// ${VAR}s that only deploying needs: an unset variable in an image or a
// secret is no error here, while one in name or namespace is, naming the
// field. The file must still be well-formed YAML and the name a valid one.
// opts.UnsetVarsWarn is ignored.
func Identify(path string, opts Options) (*Identity, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &Error{File: path, Msg: "no such file", Hint: "name the app (berth status APP -n NAMESPACE, or --app APP for a service), or point to its berth.yaml with -f PATH"}
		}
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return identify(path, data, opts)
}

// identify parses data twice: once with every variable set, so that the
// errors left are the file's own (syntax, anchors), and once with the real
// environment, whose unset-variable errors count only for the identity's
// fields.
func identify(file string, data []byte, opts Options) (*Identity, error) {
	lookup := opts.LookupEnv
	if lookup == nil {
		lookup = os.LookupEnv
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	anySet := func(k string) (string, bool) {
		if v, ok := lookup(k); ok && v != "" {
			return v, true
		}
		return "x", true
	}
	shape := newTree(file, anySet)
	shape.secret = isSecretPointer
	shape.parse(data)
	if len(shape.errs) > 0 {
		return nil, shape.errs.sorted()
	}
	if _, ok := shape.root.(map[string]any); !ok {
		return nil, Errors{&Error{File: file, Pos: Pos{1, 1}, Msg: "the file must be a mapping of fields (apiVersion, name, services, …)", Hint: "start from `berth init`"}}
	}
	t := newTree(file, lookup)
	t.secret = isSecretPointer
	t.parse(data)
	root, _ := t.root.(map[string]any)
	fields := []string{"/name", "/namespace"}
	var envNS string
	if opts.Env != "" {
		envs, _ := root["environments"].(map[string]any)
		ov, ok := envs[opts.Env].(map[string]any)
		if !ok {
			return nil, Errors{&Error{File: file, Pos: t.atKey("/environments"), Msg: fmt.Sprintf("environment %q is not defined", opts.Env), Hint: envHint(opts.Env, sortedKeys(envs))}}
		}
		envNS, _ = ov["namespace"].(string)
		fields = append(fields, ptr("environments", opts.Env, "namespace"))
	}
	var errs Errors
	for _, e := range append(t.errs, t.envErrs[opts.Env]...) {
		for _, f := range fields {
			if e.Path == t.display(f) {
				errs = append(errs, e)
			}
		}
	}
	id := &Identity{File: file}
	id.Name, _ = root["name"].(string)
	id.Namespace, _ = root["namespace"].(string)
	if envNS != "" {
		id.Namespace = envNS
	}
	v := &validator{t: &tree{file: file, val: t.val, key: t.key, disp: t.disp}}
	if _, ok := root["name"]; !ok {
		v.errorAt("", "name is missing", "add `name: my-app` at the top level: it names the app in the cluster")
	} else if len(errs) == 0 {
		v.dnsLabel("/name", id.Name, "application name", 53)
		if id.Namespace != "" {
			ns := "/namespace"
			if envNS != "" {
				ns = ptr("environments", opts.Env, "namespace")
			}
			v.dnsLabel(ns, id.Namespace, "namespace", 63)
		}
	}
	if errs = append(errs, v.t.errs...); len(errs) > 0 {
		return nil, errs.sorted()
	}
	return id, nil
}

// envHint lists the defined environments, suggesting the closest.
func envHint(name string, names []string) string {
	if len(names) == 0 {
		return "define it under `environments:`"
	}
	hint := "defined environments: " + strings.Join(names, ", ")
	if s := suggest(name, names); s != "" {
		hint = fmt.Sprintf("did you mean %q? (%s)", s, hint)
	}
	return hint
}
