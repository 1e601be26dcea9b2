package target

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os/exec"
	"slices"
	"strings"
)

// Minikube drives the minikube command line for one profile. berth never
// starts, stops or changes a cluster silently: Start and EnableAddon are
// called only when the user asked (--start, --yes or a prompt).
type Minikube struct {
	// Bin is the minikube executable (found on PATH by FindMinikube).
	Bin string
	// Profile is the minikube profile (default "minikube"); its kube
	// context has the same name.
	Profile string
	// Log receives minikube's progress output (start, image load).
	Log io.Writer
}

// ErrNoMinikube is returned when minikube is not on PATH.
var ErrNoMinikube = errors.New("minikube is not on PATH")

// FindMinikube locates the minikube binary. lookPath is exec.LookPath
// when nil.
func FindMinikube(profile string, lookPath func(string) (string, error), log io.Writer) (*Minikube, error) {
	if lookPath == nil {
		lookPath = exec.LookPath
	}
	bin, err := lookPath("minikube")
	if err != nil {
		return nil, &Error{Err: ErrNoMinikube, Fix: "install minikube (https://minikube.sigs.k8s.io/docs/start/) or deploy to the current kube context with target: kube"}
	}
	if profile == "" {
		profile = "minikube"
	}
	return &Minikube{Bin: bin, Profile: profile, Log: log}, nil
}

// Status is `minikube status -o json`.
type Status struct {
	Name       string
	Host       string
	Kubelet    string
	APIServer  string
	Kubeconfig string
}

// Running reports a cluster that can take a deploy.
func (s Status) Running() bool {
	return s.Host == "Running" && s.APIServer == "Running"
}

// Context is the kube context minikube writes for the profile.
func (m *Minikube) Context() string { return m.Profile }

func (m *Minikube) run(ctx context.Context, stream bool, args ...string) ([]byte, error) {
	args = append(args, "-p", m.Profile)
	cmd := exec.CommandContext(ctx, m.Bin, args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if stream && m.Log != nil {
		cmd.Stdout, cmd.Stderr = io.MultiWriter(&out, m.Log), io.MultiWriter(&errOut, m.Log)
	}
	err := cmd.Run()
	if err != nil {
		msg := strings.TrimSpace(errOut.String())
		if msg == "" {
			msg = strings.TrimSpace(out.String())
		}
		return out.Bytes(), &CommandError{Args: append([]string{"minikube"}, args...), Err: err, Output: msg}
	}
	return out.Bytes(), nil
}

// CommandError is a minikube command that failed.
type CommandError struct {
	Args   []string
	Err    error
	Output string
}

func (e *CommandError) Error() string {
	s := strings.Join(e.Args, " ") + ": " + e.Err.Error()
	if e.Output != "" {
		s += ": " + lastLines(e.Output, 3)
	}
	return s
}
func (e *CommandError) Unwrap() error { return e.Err }

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

// Status asks minikube about the profile. A profile that does not exist
// is Host "Nonexistent". (minikube exits non-zero for a stopped cluster
// but still prints its JSON.)
func (m *Minikube) Status(ctx context.Context) (Status, error) {
	out, err := m.run(ctx, false, "status", "-o", "json")
	var st Status
	if jerr := json.Unmarshal(bytes.TrimSpace(firstJSON(out)), &st); jerr == nil && st.Host != "" {
		return st, nil
	}
	var ce *CommandError
	if errors.As(err, &ce) && (strings.Contains(ce.Output, "not found") || strings.Contains(ce.Output, "does not exist")) {
		return Status{Name: m.Profile, Host: "Nonexistent"}, nil
	}
	if err != nil {
		return Status{}, err
	}
	return Status{}, fmt.Errorf("minikube status printed no status for profile %s", m.Profile)
}

// firstJSON is the first line that looks like a JSON object (minikube
// can print several nodes, one object per line, or a list).
func firstJSON(out []byte) []byte {
	for _, line := range bytes.Split(out, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if bytes.HasPrefix(line, []byte("{")) {
			return line
		}
	}
	return out
}

// Ensure checks the cluster runs; a stopped or missing one is started
// only when start is true, else the error says how.
func (m *Minikube) Ensure(ctx context.Context, start bool) error {
	st, err := m.Status(ctx)
	if err != nil {
		return err
	}
	if st.Running() {
		return nil
	}
	if !start {
		state := "is " + strings.ToLower(st.Host)
		if st.Host == "Nonexistent" {
			state = "does not exist"
		}
		return &Error{Err: fmt.Errorf("minikube profile %q %s", m.Profile, state),
			Fix: fmt.Sprintf("start it with berth up --start (runs minikube start -p %s), or start it yourself", m.Profile)}
	}
	_, err = m.run(ctx, true, "start")
	return err
}

// LoadImage puts an image archive (docker save format) into the cluster's
// container runtime, so pods start without a registry.
func (m *Minikube) LoadImage(ctx context.Context, archive string) error {
	_, err := m.run(ctx, true, "image", "load", archive)
	return err
}

// BuildImage builds a Dockerfile inside the cluster (for RUN steps when
// nothing on this machine can).
func (m *Minikube) BuildImage(ctx context.Context, tag, dockerfile, contextDir string, args map[string]string, target string) error {
	a := []string{"image", "build", "-t", tag, "-f", dockerfile}
	for _, k := range slices.Sorted(maps.Keys(args)) {
		a = append(a, "--build-opt=build-arg="+k+"="+args[k])
	}
	if target != "" {
		a = append(a, "--build-opt=target="+target)
	}
	_, err := m.run(ctx, true, append(a, contextDir)...)
	return err
}

// Images lists the images the cluster's runtime has.
func (m *Minikube) Images(ctx context.Context) (map[string]bool, error) {
	out, err := m.run(ctx, false, "image", "ls")
	if err != nil {
		return nil, err
	}
	have := map[string]bool{}
	for _, line := range strings.Split(string(out), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			have[line] = true
			have[strings.TrimPrefix(line, "docker.io/")] = true
		}
	}
	return have, nil
}

// Addons returns whether each addon is enabled.
func (m *Minikube) Addons(ctx context.Context) (map[string]bool, error) {
	out, err := m.run(ctx, false, "addons", "list", "-o", "json")
	if err != nil {
		return nil, err
	}
	var list map[string]struct{ Status string }
	if err := json.Unmarshal(out, &list); err != nil {
		return nil, fmt.Errorf("minikube addons list: %w", err)
	}
	enabled := map[string]bool{}
	for name, a := range list {
		enabled[name] = a.Status == "enabled"
	}
	return enabled, nil
}

// EnableAddon enables an addon.
func (m *Minikube) EnableAddon(ctx context.Context, name string) error {
	_, err := m.run(ctx, true, "addons", "enable", name)
	return err
}

// ServiceURLs are the URLs `minikube service --url` gives a Service
// (NodePort and LoadBalancer).
func (m *Minikube) ServiceURLs(ctx context.Context, namespace, service string) ([]string, error) {
	out, err := m.run(ctx, false, "service", service, "-n", namespace, "--url")
	if err != nil {
		return nil, err
	}
	var urls []string
	for _, line := range strings.Split(string(out), "\n") {
		if line = strings.TrimSpace(line); strings.HasPrefix(line, "http") {
			urls = append(urls, line)
		}
	}
	return urls, nil
}

// IP is the cluster node's address.
func (m *Minikube) IP(ctx context.Context) (string, error) {
	out, err := m.run(ctx, false, "ip")
	return strings.TrimSpace(string(out)), err
}
