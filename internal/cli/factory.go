package cli

import (
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/rest"

	"github.com/berth-dev/berth/internal/build"
	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/kube"
	"github.com/berth-dev/berth/internal/progress"
	"github.com/berth-dev/berth/internal/registry"
	"github.com/berth-dev/berth/internal/render"
	"github.com/berth-dev/berth/internal/version"
)

// Factory holds what every command shares: the streams, the global flags,
// and lazily built dependencies. Tests build one with NewTestFactory.
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

	// stdoutTTY and stderrTTY report whether the streams are terminals.
	stdoutTTY, stderrTTY bool

	kube *kube.Client // built on first use

	// stderr is IOStreams.ErrOut: with --progress=json it turns lines
	// into events (lines), written with the others by events.
	stderr *errStream
	events *progress.Events
	lines  *progress.LineEvents
	rep    *reporter
}

// NewFactory returns a Factory for the real process.
func NewFactory(streams genericiooptions.IOStreams) *Factory {
	f := &Factory{
		IOStreams: streams,
		LookupEnv: os.LookupEnv,
		Environ:   os.Environ,
		KubeFlags: kubeFlags(),
		stderr:    newErrStream(streams.ErrOut),
	}
	f.IOStreams.ErrOut = f.stderr
	if file, ok := streams.Out.(*os.File); ok {
		f.stdoutTTY = term.IsTerminal(int(file.Fd()))
	}
	if file, ok := streams.ErrOut.(*os.File); ok {
		f.stderrTTY = term.IsTerminal(int(file.Fd()))
	}
	return f
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

func (f *Factory) printWarnings(warnings []*config.Warning) {
	for _, w := range warnings {
		f.warning(w)
	}
}

const (
	red    = "31"
	yellow = "33"
	green  = "32"
)

// paint wraps s in an ANSI colour when colour is on.
func (f *Factory) paint(s, color string) string {
	if !f.Color() {
		return s
	}
	return "\x1b[" + color + "m" + s + "\x1b[0m"
}

// kubeFlags keeps kubectl's everyday connection flags (--kubeconfig,
// --context, -n, --cluster, --user, --as, --request-timeout) and drops the
// rest, which only clutter --help; the kubeconfig file covers them.
func kubeFlags() *genericclioptions.ConfigFlags {
	kf := genericclioptions.NewConfigFlags(true)
	kf.CacheDir = nil
	kf.CertFile = nil
	kf.KeyFile = nil
	kf.BearerToken = nil
	kf.ImpersonateUID = nil
	kf.ImpersonateGroup = nil
	kf.ImpersonateUserExtra = nil
	kf.Username = nil
	kf.Password = nil
	kf.CAFile = nil
	kf.APIServer = nil
	kf.TLSServerName = nil
	kf.Insecure = nil
	kf.DisableCompression = nil
	kf.ProxyURL = nil
	// kubectl's commands that berth runs (rollout) write as berth.
	kf.WrapConfigFn = func(c *rest.Config) *rest.Config {
		c.UserAgent = kube.UserAgent()
		return c
	}
	return kf
}

// KubeClient connects to the cluster the kube flags and kubeconfig name,
// once per command.
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

// Live reports whether progress may be drawn in place (--progress=tty,
// or auto on a terminal without CI or --no-color).
func (f *Factory) Live() bool { return f.progressMode() == ProgressTTY }

// TargetNamespace is where a project goes: -n, else berth.yaml (with the
// environment), else the kube context's namespace, else "default".
func (f *Factory) TargetNamespace(p *config.Project, c *kube.Client) string {
	if ns := f.Namespace(); ns != "" {
		return ns
	}
	if p.Namespace != "" {
		return p.Namespace
	}
	if c != nil && c.Namespace != "" {
		return c.Namespace
	}
	return render.DefaultNamespace
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

// resolveImages gives every built service the image of its last build
// (pinned by digest) or its content-tagged reference, then applies
// --set-image overrides. unbuilt names services whose current sources
// have no recorded build. An override for a service berth.yaml does not
// have is a usage error: every command taking --set-image resolves here.
func resolveImages(p *config.Project, overrides map[string]string) (images map[string]string, unbuilt []string, err error) {
	if err := checkSetImages(p, overrides); err != nil {
		return nil, nil, err
	}
	resolved, err := build.Resolve(p, overrides)
	if err != nil {
		return nil, nil, err
	}
	images = map[string]string{}
	for k, v := range resolved {
		images[k] = v.Ref
		if !v.Built {
			unbuilt = append(unbuilt, k)
		}
	}
	for k, v := range overrides {
		images[k] = v
	}
	slices.Sort(unbuilt)
	return images, unbuilt, nil
}

// checkSetImages refuses, as a usage error, a --set-image override for a
// service berth.yaml does not have.
func checkSetImages(p *config.Project, overrides map[string]string) error {
	for _, name := range slices.Sorted(maps.Keys(overrides)) {
		if _, ok := p.Services[name]; !ok {
			return usageErrorf("--set-image %s=%s: berth.yaml has no service %q (services: %s)",
				name, overrides[name], name, strings.Join(slices.Sorted(maps.Keys(p.Services)), ", "))
		}
	}
	return nil
}

// RegistryAccess is Registry with the environment and user agent filled in.
func (f *Factory) RegistryAccess() *registry.Access {
	a := f.Registry
	if a.Getenv == nil {
		a.Getenv = f.getenv
	}
	a.UserAgent = "berth/" + version.Get().Version
	return &a
}

// getenv reads the environment through LookupEnv.
func (f *Factory) getenv(k string) string {
	v, _ := f.LookupEnv(k)
	return v
}

// clock stamps plain progress lines (CI logs); live output has none.
func (f *Factory) clock() func() time.Time {
	if f.Live() {
		return nil
	}
	return time.Now
}

// completeServices offers the services of berth.yaml as arguments.
func (f *Factory) completeServices(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	p, err := f.LoadProjectEnv("")
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var names []string
	for name := range p.Services {
		if !slices.Contains(args, name) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names, cobra.ShellCompDirectiveNoFileComp
}

// stdinTerminal returns stdin's descriptor when it is a terminal.
func (f *Factory) stdinTerminal() (int, bool) {
	file, ok := f.IOStreams.In.(*os.File)
	if !ok || !term.IsTerminal(int(file.Fd())) {
		return 0, false
	}
	return int(file.Fd()), true
}

// UseContext selects a kube context (a target's, e.g. minikube's) unless
// --context was given. Call it before the first KubeClient.
func (f *Factory) UseContext(name string) {
	if f.KubeFlags == nil || f.kube != nil {
		return
	}
	if f.KubeFlags.Context == nil || *f.KubeFlags.Context == "" {
		f.KubeFlags.Context = &name
	}
}

// lookPath finds executables on the PATH berth was given.
func (f *Factory) lookPath(file string) (string, error) {
	if strings.Contains(file, "/") {
		return exec.LookPath(file)
	}
	for _, dir := range filepath.SplitList(f.getenv("PATH")) {
		if dir == "" {
			dir = "."
		}
		p := filepath.Join(dir, file)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", &exec.Error{Name: file, Err: exec.ErrNotFound}
}

// confirm asks a yes/no question on the terminal; without one it is an
// error that names the flag that answers it.
func (f *Factory) confirm(question string) (bool, error) {
	if _, ok := f.stdinTerminal(); !ok {
		return false, usageErrorf("%s\n(no terminal to ask on: pass --yes)", question)
	}
	fmt.Fprintf(f.IOStreams.ErrOut, "%s [y/N] ", question)
	answer, err := readPassword(f.IOStreams.In)
	if err != nil {
		return false, err
	}
	answer = strings.ToLower(strings.TrimSpace(answer))
	return answer == "y" || answer == "yes", nil
}

// UseKubeconfig points the kube flags at a kubeconfig file and context a
// target wrote (unless --context was given). Call it before the first
// KubeClient.
func (f *Factory) UseKubeconfig(file, context string) {
	if f.KubeFlags == nil || f.kube != nil {
		return
	}
	f.KubeFlags.KubeConfig = &file
	f.UseContext(context)
}

// confirmTyped asks for a typed word (a cluster's name) before something
// that cannot be undone; without a terminal it names --yes.
func (f *Factory) confirmTyped(question, want string) error {
	if _, ok := f.stdinTerminal(); !ok {
		return usageErrorf("%s: no terminal to ask on; pass --yes", question)
	}
	fmt.Fprintf(f.IOStreams.ErrOut, "%s (%s): ", question, want)
	answer, err := readPassword(f.IOStreams.In)
	if err != nil {
		return err
	}
	if strings.TrimSpace(answer) != want {
		return fmt.Errorf("not confirmed; nothing was deleted")
	}
	return nil
}

// completeOneService offers services for commands that take one.
func (f *Factory) completeOneService(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return f.completeServices(cmd, args, toComplete)
}

// completeServiceCounts offers SERVICE= for berth scale.
func (f *Factory) completeServiceCounts(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	names, dir := f.completeServices(cmd, nil, toComplete)
	var out []string
	for _, n := range names {
		if !slices.ContainsFunc(args, func(a string) bool { return strings.HasPrefix(a, n+"=") }) {
			out = append(out, n+"=")
		}
	}
	return out, dir | cobra.ShellCompDirectiveNoSpace
}

// completeRevisions offers the app's recorded revisions, with their
// status, for --revision and --to-revision.
func (f *Factory) completeRevisions(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	p, c, ns, err := f.ProjectOnCluster()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	revs, err := newRecords(c, ns).History(cmd.Context(), p.Name)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for i := len(revs) - 1; i >= 0; i-- {
		r := revs[i].Release
		out = append(out, fmt.Sprintf("%d\t%s", r.Version, r.Info.Status))
	}
	return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveKeepOrder
}
