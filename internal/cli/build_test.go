package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/berth-dev/berth/internal/build"
	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/output"
	"github.com/berth-dev/berth/internal/testutil"
)

// TestBuildCommand builds and pushes with berth build against the
// in-process registry (a real distribution implementation), then checks
// that render pins the pushed digest and that a second build is up to
// date.
func TestBuildCommand(t *testing.T) {
	t.Parallel()
	host := testutil.Registry(t)
	base := testutil.PushBusybox(t, host+"/base/busybox:1")
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "berth.yaml"), `apiVersion: berth/v1
name: shop
registry: `+host+`/team
services:
  web:
    build:
      args: {BASE: "`+base+`"}
    ports: [{port: 80, targetPort: 8080}]
`)
	writeFile(t, filepath.Join(dir, "Dockerfile"), "ARG BASE\nFROM $BASE\nWORKDIR /app\nCOPY . .\nCMD [\"sh\", \"-c\", \"httpd -f -p 8080\"]\n")
	writeFile(t, filepath.Join(dir, "index.html"), "<h1>shop</h1>\n")
	file := filepath.Join(dir, "berth.yaml")
	env := map[string]string{"CI": "true"}

	stdout, stderr, code := run(t, env, "build", "-f", file, "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	var res output.BuildResult
	if err := json.Unmarshal([]byte(stdout), &res); err != nil || res.APIVersion != "berth/v1" || res.Kind != "BuildResult" {
		t.Fatalf("%v\n%s", err, stdout)
	}
	web := res.Images["web"]
	if !web.Pushed || !strings.HasPrefix(web.Image, host+"/team/shop-web:"+web.Tag+"@sha256:") {
		t.Errorf("result %+v", web)
	}
	for _, s := range []string{"[web] pushed " + web.Image, "done: 1 image(s)"} {
		if !strings.Contains(stderr, s) {
			t.Errorf("stderr lacks %q:\n%s", s, stderr)
		}
	}
	rendered, _, code := run(t, env, "render", "-f", file)
	if code != 0 || !strings.Contains(rendered, `image: "`+web.Image+`"`) {
		t.Errorf("render does not pin the build (exit %d):\n%s", code, rendered)
	}
	stdout, stderr, code = run(t, env, "build", "-f", file)
	if code != 0 || !strings.Contains(stdout, "web\t"+web.Image+"\tup to date") || !strings.Contains(stderr, "[web] up to date") {
		t.Errorf("second build (exit %d):\n%s\n%s", code, stdout, stderr)
	}
	// A changed source: a new image, and render follows it.
	writeFile(t, filepath.Join(dir, "index.html"), "<h1>shop v2</h1>\n")
	rendered, _, _ = run(t, env, "render", "-f", file)
	if strings.Contains(rendered, "@sha256:") {
		t.Errorf("render pins a build of older sources:\n%s", rendered)
	}
	if _, stderr, code = run(t, env, "build", "web", "-f", file, "--push=false"); code != 0 || !strings.Contains(stderr, "kept in .berth/oci") {
		t.Errorf("--push=false (exit %d):\n%s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, ".berth", ".gitignore")); err != nil {
		t.Error(err)
	}
	// berth push sends the local build; render pins it.
	stdout, stderr, code = run(t, env, "push", "-f", file)
	if code != 0 || !strings.Contains(stdout, "\tpushed") {
		t.Errorf("push (exit %d):\n%s\n%s", code, stdout, stderr)
	}
	rendered, _, _ = run(t, env, "render", "-f", file)
	if !strings.Contains(rendered, "@sha256:") {
		t.Errorf("render does not pin the pushed build:\n%s", rendered)
	}
	stdout, _, _ = run(t, env, "push", "-f", file)
	if !strings.Contains(stdout, "\tup to date") {
		t.Errorf("second push:\n%s", stdout)
	}
	writeFile(t, filepath.Join(dir, "index.html"), "<h1>shop v3</h1>\n")
	if _, stderr, code = run(t, env, "push", "-f", file); code != 1 || !strings.Contains(stderr, "no build of the current sources to push; run berth build web") {
		t.Errorf("push of changed sources (exit %d):\n%s", code, stderr)
	}

	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"build", "-f", file, "--builder", "kaniko"}, 2, `--builder "kaniko": use one of auto, berth, docker`},
		{[]string{"build", "-f", file, "db"}, 1, `no service "db"`},
		{[]string{"build", "-f", file, "-o", "wide"}, 2, "unsupported output format"},
	} {
		_, stderr, code := run(t, env, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr:\n%s", tc.args, code, stderr)
		}
	}
}

// TestRegistryLogin checks berth registry login against a registry that
// demands Basic auth: the password comes from stdin, a wrong one is
// refused with a hint and nothing is saved.
func TestRegistryLogin(t *testing.T) {
	t.Parallel()
	host := testutil.AuthRegistry(t, "ci", "s3cret")
	docker := t.TempDir()
	env := map[string]string{"DOCKER_CONFIG": docker}
	login := func(password string, args ...string) (string, int) {
		streams, in, _, errOut := genericTestStreams()
		in.WriteString(password + "\n")
		f := NewFactory(streams)
		f.LookupEnv = func(k string) (string, bool) { v, ok := env[k]; return v, ok }
		cmd := NewRootCmd(f)
		cmd.SetArgs(append([]string{"registry", "login", host}, args...))
		err := cmd.ExecuteContext(t.Context())
		if err != nil {
			PrintError(errOut, err, false)
		}
		return errOut.String(), ExitCode(err)
	}
	stderr, code := login("wrong", "-u", "ci")
	if code != 1 || !strings.Contains(stderr, "refused the credentials (401") || !strings.Contains(stderr, "hint: run berth registry login "+host) {
		t.Errorf("wrong password: exit %d\n%s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(docker, "config.json")); err == nil {
		t.Error("a refused login saved credentials")
	}
	stderr, code = login("s3cret", "-u", "ci")
	if code != 0 || !strings.Contains(stderr, "Login succeeded: credentials for "+host+" saved in "+filepath.Join(docker, "config.json")) {
		t.Errorf("login: exit %d\n%s", code, stderr)
	}
	if stderr, code = login("", "-u", "ci", "--password", "x"); code != 2 || !strings.Contains(stderr, "--password is not accepted") {
		t.Errorf("--password: exit %d\n%s", code, stderr)
	}
}

func genericTestStreams() (genericiooptions.IOStreams, *bytes.Buffer, *bytes.Buffer, *bytes.Buffer) {
	return genericiooptions.NewTestIOStreams()
}

// TestBuildProgressJSON: with --progress=json every line of stderr is a
// JSON event (v 1): the build stage, the service's build start, uploads
// and its end with the digest -o json prints on stdout. In GitHub
// Actions (without json) the build is a log group.
func TestBuildProgressJSON(t *testing.T) {
	t.Parallel()
	host := testutil.Registry(t)
	base := testutil.PushBusybox(t, host+"/base/busybox:1")
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "berth.yaml"), "apiVersion: berth/v1\nname: shop\nregistry: "+host+"/team\nservices:\n  web:\n    build:\n      args: {BASE: \""+base+"\"}\n")
	writeFile(t, filepath.Join(dir, "Dockerfile"), "ARG BASE\nFROM $BASE\nCOPY . /app\n")
	writeFile(t, filepath.Join(dir, "index.html"), "<h1>shop</h1>\n")
	file := filepath.Join(dir, "berth.yaml")

	stdout, stderr, code := run(t, nil, "build", "-f", file, "-o", "json", "--progress=json")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	var res output.BuildResult
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatalf("stdout: %v\n%s", err, stdout)
	}
	var types []string
	var finished build.Result
	for _, line := range strings.Split(strings.TrimSuffix(stderr, "\n"), "\n") {
		var ev struct {
			V    int
			Time string
			Type string
			Name string
			build.Result
		}
		if err := json.Unmarshal([]byte(line), &ev); err != nil || ev.V != 1 || ev.Time == "" {
			t.Fatalf("stderr line is not a v1 event: %q (%v)", line, err)
		}
		if len(types) == 0 || types[len(types)-1] != ev.Type {
			types = append(types, ev.Type)
		}
		if ev.Type == "build.finished" {
			finished = ev.Result
		}
	}
	want := []string{"stage", "build.started", "push.progress", "build.log", "build.finished", "log"}
	if diff := cmp.Diff(want, types); diff != "" {
		t.Errorf("event types (-want +got):\n%s\n%s", diff, stderr)
	}
	if web := res.Images["web"]; finished.Digest == "" || finished.Digest != web.Digest || finished.Image != web.Image || !finished.Pushed {
		t.Errorf("build.finished %+v, -o json %+v", finished, web)
	}

	gh := map[string]string{"GITHUB_ACTIONS": "true", "CI": "true"}
	_, stderr, code = run(t, gh, "build", "-f", file, "--no-cache")
	if code != 0 || !strings.HasPrefix(stderr, "::group::build\n") || !strings.Contains(stderr, "[web] pushed") || !strings.Contains(stderr, "::endgroup::\ndone: 1 image(s)") && !strings.HasSuffix(stderr, "::endgroup::\n") {
		t.Errorf("GitHub Actions build (exit %d):\n%s", code, stderr)
	}
}

// TestBuildBuilderFlag: --builder takes, and its help lists, every builder
// berth.yaml's build.builder accepts (the schema's enum), and refuses
// others as a usage error.
func TestBuildBuilderFlag(t *testing.T) {
	t.Parallel()
	var schema struct {
		Defs map[string]struct {
			Properties map[string]struct {
				Enum []string `json:"enum"`
			} `json:"properties"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(config.Schema(), &schema); err != nil {
		t.Fatal(err)
	}
	builders := schema.Defs["Build"].Properties["builder"].Enum
	if len(builders) == 0 {
		t.Fatal("the schema lists no build.builder values")
	}
	streams, _, _, _ := genericiooptions.NewTestIOStreams()
	f := NewFactory(streams)
	help := NewCmdBuild(f, nil).Flags().Lookup("builder").Usage
	for _, b := range builders {
		if !strings.Contains(help, b) {
			t.Errorf("--builder help %q does not list %s", help, b)
		}
		var ran bool
		cmd := NewCmdBuild(f, func(context.Context, *BuildOptions) error { ran = true; return nil })
		cmd.SetArgs([]string{"--builder", b})
		if err := cmd.Execute(); err != nil || !ran {
			t.Errorf("--builder %s: %v (ran: %v)", b, err, ran)
		}
	}
	cmd := NewCmdBuild(f, func(context.Context, *BuildOptions) error { return nil })
	cmd.SetArgs([]string{"--builder", "kaniko"})
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	if err := cmd.Execute(); ExitCode(err) != ExitUsage {
		t.Errorf("--builder kaniko: %v (exit %d), want a usage error", err, ExitCode(err))
	}
}
