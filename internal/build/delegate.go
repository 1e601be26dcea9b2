package build

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// delegates are the container builders auto tries, in order, when a
// Dockerfile needs one.
var delegateOrder = [...]string{BuilderDocker, BuilderPodman, BuilderBuildah, BuilderNerdctl}

// NeedsBuilderError is a Dockerfile berth's builder cannot build with no
// container builder to hand it to.
type NeedsBuilderError struct {
	*DaemonError
	// Explicit is true when build.builder is berth (auto found nothing
	// otherwise).
	Explicit bool
}

func (e *NeedsBuilderError) Error() string {
	if e.Explicit {
		return fmt.Sprintf("%s:%d: %s: berth's built-in builder cannot do this: %s", e.File, e.Line, e.Text, e.Reason)
	}
	return fmt.Sprintf("%s:%d: %s: %s, and no container builder (docker, podman, buildah, nerdctl) is on PATH", e.File, e.Line, e.Text, e.Reason)
}

// Hint lists the ways out.
func (e *NeedsBuilderError) Hint() string {
	if e.Explicit {
		return "set build.builder to auto (or docker, podman, buildah), or move the step to the host and COPY its output"
	}
	return "install one of docker, podman, buildah or nerdctl, or move the step to the host (e.g. run npm ci before berth build) and COPY its output"
}

// delegate builds with a container builder, then loads its image with
// go-containerregistry so the push, its credentials and progress are the
// same as for berth's own builds.
// The image is read from a folder that cleanup removes.
func (b *Builder) delegate(ctx context.Context, in *Inputs, kind string, platforms []string, why *DaemonError, insecureBase bool) (tool string, a artifact, cleanup func(), err error) {
	tool, path, err := b.findDelegate(ctx, in.Service, kind, why)
	if err != nil {
		return "", nil, nil, err
	}
	if len(platforms) > 1 {
		return "", nil, nil, fmt.Errorf("%s builds one platform at a time here; build.platforms %v needs berth's builder (a Dockerfile without RUN)", tool, platforms)
	}
	tmp, err := os.MkdirTemp("", "berth-build-")
	if err != nil {
		return "", nil, nil, err
	}
	remove := func() { os.RemoveAll(tmp) }
	defer func() {
		if err != nil {
			remove()
		}
	}()
	archive := filepath.Join(tmp, "image.tar")
	local := "localhost/berth-build/" + strings.ReplaceAll(in.Service, "_", "-") + ":" + in.Tag
	args := []string{"build", "-f", in.Dockerfile, "-t", local}
	for _, k := range slices.Sorted(maps.Keys(in.Build.Args)) {
		args = append(args, "--build-arg", k+"="+in.Build.Args[k])
	}
	if in.Build.Target != "" {
		args = append(args, "--target", in.Build.Target)
	}
	if len(in.Build.Platforms) == 1 {
		args = append(args, "--platform", in.Build.Platforms[0])
	}
	env := b.env()
	var save []string
	switch tool {
	case BuilderDocker:
		if exec.CommandContext(ctx, path, "buildx", "version").Run() != nil {
			// A docker client without the buildx plugin: the classic builder.
			env = append(env, "DOCKER_BUILDKIT=0")
		}
		save = []string{"save", "-o", archive, local}
	case BuilderPodman, BuilderNerdctl:
		save = []string{"save", "-o", archive, local}
		if tool == BuilderPodman && insecureBase {
			args = append(args, "--tls-verify=false")
		}
	case BuilderBuildah:
		args[0] = "bud"
		if insecureBase {
			// A base on localhost or an --insecure-registry: plain HTTP.
			args = append(args, "--tls-verify=false")
		}
		if !hasEnv(env, "BUILDAH_ISOLATION") {
			// chroot isolation runs RUN steps without a cgroup manager,
			// which CI containers and VMs often lack.
			args = append(args, "--isolation", "chroot")
		}
		save = []string{"push", local, "docker-archive:" + archive + ":" + local}
	}
	args = append(args, in.Context.Dir)
	b.log(in.Service, fmt.Sprintf("building with %s (%s)", tool, path))
	if err = b.run(ctx, in.Service, path, env, args); err != nil {
		return "", nil, nil, fmt.Errorf("%s build failed: %w", tool, err)
	}
	if err = b.run(ctx, in.Service, path, env, save); err != nil {
		return "", nil, nil, fmt.Errorf("%s %s failed: %w", tool, save[0], err)
	}
	t, err := name.NewTag(local)
	if err != nil {
		return "", nil, nil, err
	}
	img, err := tarball.ImageFromPath(archive, &t)
	if err != nil {
		return "", nil, nil, fmt.Errorf("reading the image %s saved: %w", tool, err)
	}
	return tool, img, remove, nil
}

func (b *Builder) findDelegate(ctx context.Context, svc, kind string, why *DaemonError) (tool, path string, err error) {
	look := b.LookPath
	if look == nil {
		look = exec.LookPath
	}
	candidates := delegateOrder[:]
	if kind != BuilderAuto {
		candidates = []string{kind}
	}
	for _, c := range candidates {
		if c == BuilderMinikube {
			return "", "", fmt.Errorf("builder minikube builds inside a minikube cluster: use it with a minikube target (berth up)")
		}
		p, err := look(c)
		if err != nil {
			continue
		}
		if c == BuilderDocker && kind == BuilderAuto && !b.dockerAnswers(ctx, p) {
			b.log(svc, "docker is on PATH but its daemon does not answer; trying the next builder")
			continue
		}
		return c, p, nil
	}
	if kind != BuilderAuto {
		return "", "", fmt.Errorf("build.builder is %s, but %s is not on PATH", kind, kind)
	}
	return "", "", &NeedsBuilderError{DaemonError: why}
}

// dockerAnswers asks the docker client whether its daemon is up.
func (b *Builder) dockerAnswers(ctx context.Context, path string) bool {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, "version", "--format", "{{.Server.Version}}")
	cmd.Env = b.env()
	return cmd.Run() == nil
}

func (b *Builder) env() []string {
	if b.Env != nil {
		return append([]string(nil), b.Env...)
	}
	return os.Environ()
}

func hasEnv(env []string, k string) bool {
	for _, kv := range env {
		if strings.HasPrefix(kv, k+"=") {
			return true
		}
	}
	return false
}

// run runs a builder command, streaming its output line by line to the
// observer with the service as prefix.
func (b *Builder) run(ctx context.Context, svc, path string, env, args []string) error {
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = env
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	var wg sync.WaitGroup
	var tail []string
	wg.Go(func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		for sc.Scan() {
			line := sc.Text()
			b.log(svc, line)
			tail = append(tail, line)
			if len(tail) > 5 {
				tail = tail[1:]
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	})
	err := cmd.Run()
	pw.Close()
	wg.Wait()
	if err != nil {
		if len(tail) > 0 {
			return fmt.Errorf("%w; last output: %s", err, strings.Join(tail, " | "))
		}
		return err
	}
	return nil
}
