package cli

import (
	"os"
	"path/filepath"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"
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
// shared; a target's kubeconfig and context (UseKubeconfig) apply when
// given before it, and neither they nor UseContext change it afterwards.
func TestFactoryKubeClient(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(file, []byte(twoContexts), 0o600); err != nil {
		t.Fatal(err)
	}
	streams, _, _, _ := genericiooptions.NewTestIOStreams()
	f := NewFactory(streams)
	f.UseKubeconfig(file, "b")
	c, err := f.KubeClient()
	if err != nil {
		t.Fatal(err)
	}
	if c.Namespace != "ns-b" {
		t.Errorf("namespace %q, want the target context's ns-b", c.Namespace)
	}
	f.UseContext("a")
	f.UseKubeconfig("/nowhere", "a")
	again, err := f.KubeClient()
	if err != nil || again != c {
		t.Errorf("second KubeClient: %p %v, want the first %p", again, err, c)
	}
	if got := *f.KubeFlags.Context; got != "b" {
		t.Errorf("context after the client was built: %q, want b", got)
	}
}

// TestFactoryUseContextKeepsFlag: --context wins over a target's context.
func TestFactoryUseContextKeepsFlag(t *testing.T) {
	t.Parallel()
	streams, _, _, _ := genericiooptions.NewTestIOStreams()
	f := NewFactory(streams)
	root := NewRootCmd(f)
	if err := root.ParseFlags([]string{"--context", "mine"}); err != nil {
		t.Fatal(err)
	}
	f.UseContext("minikube")
	if got := *f.KubeFlags.Context; got != "mine" {
		t.Errorf("context %q, want the flag's", got)
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
	events := f.events
	_ = f.startProgress()
	if f.events == nil || f.events != events {
		t.Fatal("json: no events, or new ones on the second start")
	}
	f.IOStreams.ErrOut.Write([]byte("hello\n"))
	if got := eventTime.ReplaceAllString(errOut.String(), `"time":"TIME"`); got != `{"v":1,"time":"TIME","type":"log","message":"hello"}`+"\n" {
		t.Errorf("stderr with --progress=json: %q", got)
	}
}
