package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/berth-dev/berth/internal/testutil"
)

// appendLog adds a line to the file kwok serves every container's log from
// (scripts/sandbox; CRI log format).
func appendLog(t *testing.T, dir, msg string) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(dir, "container.log"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := fmt.Fprintf(f, "%s stdout F %s\n", time.Now().UTC().Format(time.RFC3339Nano), msg); err != nil {
		t.Fatal(err)
	}
}

// TestLogs reads container logs through the API server's pod log endpoint,
// served by kwok's fake kubelets from a file.
func TestLogs(t *testing.T) {
	t.Parallel()
	c, ns, flags := onCluster(t)
	file := writeConfig(t, "apiVersion: berth/v1\nname: shop\nservices:\n  web:\n    image: registry.example/web:1\n    replicas: 2\n    env: {V: \"1\"}\n  db:\n    image: registry.example/db:1\n")
	mustRun(t, append([]string{"deploy", "-f", file}, flags...)...)

	out, _ := mustRun(t, append([]string{"logs", "web", "--file", file}, flags...)...)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	pods := map[string]bool{}
	for _, l := range lines {
		if !strings.HasPrefix(l, "[pod/web-") || !strings.Contains(l, "/web] ") || !strings.Contains(l, "Hello from the berth sandbox") {
			t.Errorf("log line %q", l)
		}
		pods[strings.SplitN(l, "/", 3)[1]] = true
	}
	if len(pods) != 2 {
		t.Errorf("lines of %d pods, want the 2 of web:\n%s", len(pods), out)
	}
	if out, _ := mustRun(t, append([]string{"logs", "web", "-c", "web", "--tail", "1", "--timestamps", "--file", file}, flags...)...); strings.Count(out, "\n") != 2 || !strings.Contains(out, "Z Hello") {
		t.Errorf("--tail 1 --timestamps -c web:\n%s", out)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"wbe"}, ExitUsage, `did you mean "web"?`},
		{nil, ExitUsage, "takes one SERVICE"},
		{[]string{"web", "-c", "nope"}, ExitFailure, "container nope is not valid"},
	} {
		_, stderr, code := run(t, nil, append(append([]string{"logs", "--file", file}, tc.args...), flags...)...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("logs %v: exit %d, want %d with %q:\n%s", tc.args, code, tc.code, tc.want, stderr)
		}
	}
	empty := writeConfig(t, "apiVersion: berth/v1\nname: other\nservices:\n  web:\n    image: registry.example/web:1\n")
	if _, stderr, code := run(t, nil, append([]string{"logs", "web", "--file", empty}, flags...)...); code != ExitNotDeployed || !strings.Contains(stderr, `no app "other" in namespace`) || !strings.Contains(stderr, "apps here: shop") {
		t.Errorf("logs of an app that is not deployed: exit %d\n%s", code, stderr)
	}

	// -f: new lines, and the pods of a rollout.
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var stdout, stderr testutil.SyncBuffer
	done := make(chan int, 1)
	go func() {
		f := NewFactory(genericiooptions.IOStreams{In: strings.NewReader(""), Out: &stdout, ErrOut: &stderr})
		f.LookupEnv = func(string) (string, bool) { return "", false }
		cmd := NewRootCmd(f)
		cmd.SetArgs(append([]string{"logs", "web", "-f", "--file", file}, flags...))
		done <- ExitCode(cmd.ExecuteContext(ctx))
	}()
	eventually := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("%s; stdout:\n%s\nstderr:\n%s", what, stdout.String(), stderr.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	eventually("no history lines while following", func() bool { return strings.Count(stdout.String(), "Hello from") >= 2 })
	marker := "marker " + ns
	appendLog(t, c.Dir, marker)
	eventually("an appended line did not reach both pods' streams", func() bool { return strings.Count(stdout.String(), marker) >= 2 })

	before := stdout.String()
	mustRun(t, append([]string{"deploy", "-f", writeConfig(t, strings.Replace(readFile(t, file), `V: "1"`, `V: "2"`, 1)), "--timeout", "1m"}, flags...)...)
	eventually("the new pods were not followed", func() bool {
		return strings.Count(stderr.String(), "started") >= 2
	})
	newPods := map[string]bool{}
	for _, l := range strings.Split(strings.TrimPrefix(stdout.String(), before), "\n") {
		if strings.HasPrefix(l, "[pod/") {
			newPods[strings.SplitN(l, "/", 3)[1]] = true
		}
	}
	if len(newPods) < 2 {
		t.Errorf("lines of %d new pods after the rollout:\n%s", len(newPods), stdout.String())
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("logs -f ended with exit %d after Ctrl-C:\n%s", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("logs -f did not stop when cancelled")
	}
}

func readFile(t *testing.T, file string) string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestLogsFollowFlagTakesNoFile: in berth logs -f is --follow, as in
// kubectl logs; a berth.yaml given to it is a usage error that says to use
// --file, while -f with a service follows.
func TestLogsFollowFlagTakesNoFile(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args    []string
		service string // the service Run gets; "" for the usage error
		want    string
	}{
		{[]string{"logs", "-f", "berth.yaml", "web-api"}, "", "berth logs web-api --file berth.yaml"},
		{[]string{"logs", "-f", "deploy/berth.yml", "web-api"}, "", "berth logs web-api --file deploy/berth.yml"},
		{[]string{"logs", "-f", "testdata/app/berth.yaml"}, "", "berth logs SERVICE --file testdata/app/berth.yaml"},
		{[]string{"logs", "web-api", "-f", "testdata/app/berth.yaml"}, "", "berth logs web-api --file testdata/app/berth.yaml"},
		{[]string{"logs", "-f", "web-api"}, "web-api", ""},
		{[]string{"logs", "web-api", "-f", "--file", "testdata/app/berth.yaml"}, "web-api", ""},
	} {
		streams, _, _, _ := genericiooptions.NewTestIOStreams()
		f := NewFactory(streams)
		var got *LogsOptions
		root := &cobra.Command{Use: "berth", SilenceErrors: true, SilenceUsage: true}
		root.AddCommand(NewCmdLogs(f, func(_ context.Context, o *LogsOptions) error { got = o; return nil }))
		addFileFlag(f, root)
		root.SetArgs(tc.args)
		err := Execute(t.Context(), root)
		if tc.service != "" {
			if err != nil || got == nil || got.service != tc.service || !got.Follow {
				t.Errorf("%v: %v, options %+v; want to follow %s", tc.args, err, got, tc.service)
			}
			continue
		}
		if err == nil {
			t.Errorf("%v: ran with service %q, want a usage error naming %q", tc.args, got.service, tc.want)
			continue
		}
		var b strings.Builder
		PrintError(&b, err, false)
		if ExitCode(err) != ExitUsage || got != nil || !strings.Contains(b.String(), "--file") || !strings.Contains(b.String(), tc.want) ||
			!strings.Contains(b.String(), "Run 'berth logs --help' for usage.") {
			t.Errorf("%v: exit %d (ran: %v), want a usage error naming %q:\n%s", tc.args, ExitCode(err), got != nil, tc.want, b.String())
		}
	}
}
