package cli

import (
	"context"
	"io"
	"os"

	"golang.org/x/term"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	corev1 "k8s.io/client-go/kubernetes/typed/core/v1"

	"github.com/berth-dev/berth/internal/build"
	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/kube"
	"github.com/berth-dev/berth/internal/output"
	"github.com/berth-dev/berth/internal/progress"
	"github.com/berth-dev/berth/internal/prompt"
	"github.com/berth-dev/berth/internal/registry"
	"github.com/berth-dev/berth/internal/render"
	"github.com/berth-dev/berth/internal/target"
	"github.com/berth-dev/berth/internal/version"
)

// Factory holds what every command shares: the streams, the environment,
// the global flags (its inputs), and the dependencies built from them on
// first use by unexported getters that cache them (the kube client, the
// progress output and reporter). Commands read the inputs and call the
// getters; they do not replace the dependencies.
type Factory struct {
	IOStreams genericiooptions.IOStreams
	// LookupEnv reads the environment (${VAR} in berth.yaml, CI, NO_COLOR).
	LookupEnv func(string) (string, bool)
	// Environ lists the environment as KEY=VALUE: compose files
	// (berth import compose) interpolate from all of it.
	Environ func() []string
	// KubeFlags are kubectl's --kubeconfig, --context, -n and friends.
	KubeFlags *genericclioptions.ConfigFlags

	// Global flags.
	File      string
	Env       string
	Output    string
	NoColor   bool
	Verbosity int
	// Progress is --progress: auto, tty, plain or json.
	Progress string

	// Registry is how berth reaches image registries (--insecure-registry,
	// --registry-ca on the commands that talk to them).
	Registry registry.Access
	// hosting locates the cluster's registry advertisement (zero: the
	// standard kube-public/local-registry-hosting); tests on the shared
	// sandbox point it at a ConfigMap in their own namespace.
	hosting registry.Discovery

	// stdoutTTY and stderrTTY report whether the streams are terminals.
	stdoutTTY, stderrTTY bool

	// asker asks questions on the terminal (confirm, confirmTyped).
	asker

	// Dependencies, built on first use.
	kube *kube.Client     // KubeClient
	out  *progress.Output // progressOut
}

// NewFactory returns a Factory for the real process.
func NewFactory(streams genericiooptions.IOStreams) *Factory {
	f := &Factory{
		IOStreams: streams,
		LookupEnv: os.LookupEnv,
		Environ:   os.Environ,
		KubeFlags: kube.NewConfigFlags(),
	}
	// Commands keep the streams they are built with: stderr is the
	// progress package's from the start, so --progress=json can switch it.
	f.IOStreams.ErrOut = progress.NewStderr(streams.ErrOut)
	f.asker = asker{prompt.Prompter{In: streams.In, Out: f.IOStreams.ErrOut}}
	f.stdoutTTY = isTerminal(streams.Out)
	f.stderrTTY = isTerminal(streams.ErrOut)
	return f
}

// isTerminal reports whether w is a terminal.
func isTerminal(w any) bool {
	file, ok := w.(*os.File)
	return ok && term.IsTerminal(int(file.Fd()))
}

// Color reports whether output may use colour: stdout and stderr (where
// berth's coloured labels go) are terminals, and neither --no-color,
// --progress=json, NO_COLOR nor CI is set.
func (f *Factory) Color() bool {
	if f.NoColor || !f.stdoutTTY || !f.stderrTTY || f.Progress == ProgressJSON {
		return false
	}
	if _, ok := f.LookupEnv("NO_COLOR"); ok {
		return false
	}
	return !f.ci()
}

// ci reports whether CI is set (to anything but false or 0).
func (f *Factory) ci() bool {
	v, _ := f.LookupEnv("CI")
	return v != "" && v != "false" && v != "0"
}

// Colours of paint.
const (
	red    = output.Red
	yellow = output.Yellow
	green  = output.Green
)

// paint wraps s in an ANSI colour when colour is on.
func (f *Factory) paint(s, color string) string {
	return output.Painter{Color: f.Color()}.Paint(s, color)
}

// ConfigPath is the berth.yaml the command works on.
func (f *Factory) ConfigPath() string {
	if f.File != "" {
		return f.File
	}
	return config.DefaultFile
}

// Namespace returns the -n flag, or "".
func (f *Factory) Namespace() string {
	if f.KubeFlags != nil && f.KubeFlags.Namespace != nil {
		return *f.KubeFlags.Namespace
	}
	return ""
}

// LoadProject loads berth.yaml with the selected environment and prints
// its warnings to stderr.
func (f *Factory) LoadProject() (*config.Project, error) {
	return f.LoadProjectEnv(f.Env)
}

// LoadProjectEnv loads berth.yaml with a given environment overlay.
func (f *Factory) LoadProjectEnv(env string) (*config.Project, error) {
	p, warnings, err := config.Load(f.ConfigPath(), config.Options{Env: env, LookupEnv: f.LookupEnv})
	if err != nil {
		return nil, err
	}
	f.printWarnings(warnings)
	return p, nil
}

// KubeClient connects to the cluster the kube flags and kubeconfig name,
// on first use; later calls return the same client.
func (f *Factory) KubeClient() (*kube.Client, error) {
	if f.kube != nil {
		return f.kube, nil
	}
	c, err := kube.NewClient(f.KubeFlags)
	if err != nil {
		return nil, &HintError{Err: err, Hint: "berth uses kubectl's kubeconfig: set KUBECONFIG or pass --kubeconfig and --context"}
	}
	f.kube = c
	return c, nil
}

// OnCluster returns a Factory for the cluster and registry a target
// prepared (berth up, berth down): the kube flags point at its kubeconfig
// file and context (the context unless --context was given), image
// registries are reached through reg (nil keeps f's), and its kube client
// is built on first use like f's. f itself is not changed; streams,
// prompts and progress are shared with it.
func (f *Factory) OnCluster(kubeconfig, context string, reg *registry.Access) *Factory {
	out := f.progressOut()
	g := &Factory{
		IOStreams: f.IOStreams, LookupEnv: f.LookupEnv, Environ: f.Environ,
		File: f.File, Env: f.Env, Output: f.Output, NoColor: f.NoColor, Verbosity: f.Verbosity, Progress: f.Progress,
		Registry: f.Registry, stdoutTTY: f.stdoutTTY, stderrTTY: f.stderrTTY, asker: f.asker,
		out: out, kube: f.kube, hosting: f.hosting,
	}
	if reg != nil {
		g.Registry = *reg
	}
	if f.KubeFlags == nil || (kubeconfig == "" && context == "") {
		g.KubeFlags = f.KubeFlags
		return g
	}
	g.kube = nil
	g.KubeFlags = kube.RetargetFlags(f.KubeFlags, kubeconfig, context)
	return g
}

// TargetNamespace is where a project goes: -n, else berth.yaml (with the
// environment), else the kube context's namespace, else "default".
func (f *Factory) TargetNamespace(p *config.Project, c *kube.Client) string {
	ns := f.Namespace()
	if ns == "" && p.Namespace == "" && c != nil {
		ns = c.Namespace
	}
	return render.Namespace(p, ns)
}

// ProjectOnCluster loads berth.yaml, connects to the cluster and resolves
// the target namespace: what every cluster command starts with.
func (f *Factory) ProjectOnCluster() (*config.Project, *kube.Client, string, error) {
	p, err := f.LoadProject()
	if err != nil {
		return nil, nil, "", err
	}
	c, err := f.KubeClient()
	if err != nil {
		return nil, nil, "", err
	}
	return p, c, f.TargetNamespace(p, c), nil
}

// RegistryAccess is a copy of Registry with the environment and user
// agent filled in: each caller gets its own.
func (f *Factory) RegistryAccess() *registry.Access {
	a := f.Registry
	if a.Getenv == nil {
		a.Getenv = f.getenv
	}
	a.UserAgent = "berth/" + version.Get().Version
	return &a
}

// advertised is p pushing to the registry its cluster advertises when it
// builds and names none, and the advertisement (build.UseAdvertised;
// what it could not ask is said with -v).
func (f *Factory) advertised(ctx context.Context, p *config.Project) (*config.Project, *registry.Advertisement) {
	debug := io.Discard
	if f.Verbosity > 0 {
		debug = f.IOStreams.ErrOut
	}
	return build.UseAdvertised(ctx, p, f.hosting, f.configMaps, f.IOStreams.ErrOut, debug)
}

// configMaps is the ConfigMaps API of the cluster, connected on first use.
func (f *Factory) configMaps() (corev1.ConfigMapsGetter, error) {
	c, err := f.KubeClient()
	if err != nil {
		return nil, err
	}
	return c.Clientset.CoreV1(), nil
}

// getenv reads the environment through LookupEnv.
func (f *Factory) getenv(k string) string {
	v, _ := f.LookupEnv(k)
	return v
}

// lookPath finds executables on the PATH berth was given.
func (f *Factory) lookPath(file string) (string, error) {
	return target.LookPathIn(f.getenv("PATH"), file)
}
