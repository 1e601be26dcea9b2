package cli

import (
	"os"
	"path/filepath"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/kube"
	"github.com/berth-dev/berth/internal/registry"
)

// twoContexts is a kubeconfig with two contexts on unreachable servers:
// building a client reads it and connects to nothing.
const twoContexts = `apiVersion: v1
kind: Config
clusters:
- {name: a, cluster: {server: "https://127.0.0.1:1"}}
- {name: b, cluster: {server: "https://127.0.0.1:2"}}
users:
- {name: u, user: {token: t}}
contexts:
- {name: a, context: {cluster: a, user: u, namespace: ns-a}}
- {name: b, context: {cluster: b, user: u, namespace: ns-b}}
current-context: a
`

// TestFactoryKubeClient: the client is built on first use and then
// shared; OnCluster gives a Factory on a target's kubeconfig and context
// with a client of its own, and leaves the first Factory as it was.
func TestFactoryKubeClient(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(file, []byte(twoContexts), 0o600); err != nil {
		t.Fatal(err)
	}
	streams, _, _, _ := genericiooptions.NewTestIOStreams()
	f := NewFactory(streams)
	f.KubeFlags.KubeConfig = &file
	c, err := f.KubeClient()
	if err != nil {
		t.Fatal(err)
	}
	if again, err := f.KubeClient(); err != nil || again != c {
		t.Errorf("second KubeClient: %p %v, want the first %p", again, err, c)
	}
	reg := registry.Access{Insecure: []string{"127.0.0.1:5000"}}
	g := f.OnCluster(file, "b", &reg)
	gc, err := g.KubeClient()
	if err != nil {
		t.Fatal(err)
	}
	if c.Namespace != "ns-a" || gc.Namespace != "ns-b" {
		t.Errorf("namespaces %q and %q, want the current context's ns-a and the target's ns-b", c.Namespace, gc.Namespace)
	}
	if f.KubeFlags.Context != nil && *f.KubeFlags.Context != "" {
		t.Errorf("OnCluster changed the first Factory's context to %q", *f.KubeFlags.Context)
	}
	if len(f.Registry.Insecure) != 0 || len(g.Registry.Insecure) != 1 {
		t.Errorf("registries %v and %v, want the target's only on the second", f.Registry.Insecure, g.Registry.Insecure)
	}
	if same := f.OnCluster("", "", nil); same.KubeFlags != f.KubeFlags {
		t.Error("OnCluster without a cluster should keep the kube flags")
	}
}

// TestFactoryOnClusterKeepsFlag: --context wins over a target's context.
func TestFactoryOnClusterKeepsFlag(t *testing.T) {
	t.Parallel()
	streams, _, _, _ := genericiooptions.NewTestIOStreams()
	f := NewFactory(streams)
	root := NewRootCmd(f)
	if err := root.ParseFlags([]string{"--context", "mine"}); err != nil {
		t.Fatal(err)
	}
	if got := *f.OnCluster("", "minikube", nil).KubeFlags.Context; got != "mine" {
		t.Errorf("context %q, want the flag's", got)
	}
	if got := *f.OnCluster("/some/kubeconfig", "minikube", nil).KubeFlags.Context; got != "mine" {
		t.Errorf("context %q with a kubeconfig, want the flag's", got)
	}
}

// TestPromptWithoutTerminal: without a terminal on stdin the questions
// are not asked; the errors name --yes.
func TestPromptWithoutTerminal(t *testing.T) {
	t.Parallel()
	streams, _, _, errOut := genericiooptions.NewTestIOStreams()
	f := NewFactory(streams)
	if ok, err := f.confirm("Delete?"); ok || ExitCode(err) != ExitUsage {
		t.Errorf("confirm: %v %v, want a usage error", ok, err)
	}
	if err := f.confirmTyped("Type the name", "shop"); ExitCode(err) != ExitUsage {
		t.Errorf("confirmTyped: %v, want a usage error", err)
	}
	if errOut.Len() != 0 {
		t.Errorf("asked without a terminal: %q", errOut.String())
	}
}

// TestStartProgressOnce: --progress is checked once, and json puts the
// event writer in front of stderr for every command's streams.
func TestStartProgressOnce(t *testing.T) {
	t.Parallel()
	streams, _, _, errOut := genericiooptions.NewTestIOStreams()
	f := NewFactory(streams)
	f.Progress = "fancy"
	first := f.startProgress()
	if ExitCode(first) != ExitUsage || f.startProgress() != first {
		t.Errorf("bad --progress: %v, then %v", first, f.startProgress())
	}

	streams, _, _, errOut = genericiooptions.NewTestIOStreams()
	f = NewFactory(streams)
	f.Progress = ProgressJSON
	if err := f.startProgress(); err != nil {
		t.Fatal(err)
	}
	events := f.events()
	_ = f.startProgress()
	if f.events() == nil || f.events() != events {
		t.Fatal("json: no events, or new ones on the second start")
	}
	f.IOStreams.ErrOut.Write([]byte("hello\n"))
	if got := eventTime.ReplaceAllString(errOut.String(), `"time":"TIME"`); got != `{"v":1,"time":"TIME","type":"log","message":"hello"}`+"\n" {
		t.Errorf("stderr with --progress=json: %q", got)
	}
}

// TestTargetNamespace: -n, else berth.yaml's namespace, else the kube
// context's, else "default".
func TestTargetNamespace(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name                  string
		flag, project, contxt string
		noClient              bool
		want                  string
	}{
		{name: "flag", flag: "f", project: "p", contxt: "c", want: "f"},
		{name: "berth.yaml", project: "p", contxt: "c", want: "p"},
		{name: "context", contxt: "c", want: "c"},
		{name: "default", want: "default"},
		{name: "no client", noClient: true, want: "default"},
		{name: "no client, berth.yaml", project: "p", noClient: true, want: "p"},
		{name: "no client, flag", flag: "f", noClient: true, want: "f"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			streams, _, _, _ := genericiooptions.NewTestIOStreams()
			f := NewFactory(streams)
			f.KubeFlags.Namespace = &tc.flag
			var c *kube.Client
			if !tc.noClient {
				c = &kube.Client{Namespace: tc.contxt}
			}
			if got := f.TargetNamespace(&config.Project{Namespace: tc.project}, c); got != tc.want {
				t.Errorf("TargetNamespace = %q, want %q", got, tc.want)
			}
		})
	}
}
