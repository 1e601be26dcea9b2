package main

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os/exec"
	"path/filepath"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// buildBusybox: Debian's busybox-static with a link for each applet, a root
// and a nobody user, /tmp, and PATH; runs sh.
func buildBusybox(ctx context.Context, work string) (v1.Image, error) {
	root, err := DebRoot(ctx, work, "busybox-static")
	if err != nil {
		return nil, err
	}
	entries, err := DirEntries(root)
	if err != nil {
		return nil, err
	}
	bb := filepath.Join(root, "bin", "busybox")
	out, err := exec.CommandContext(ctx, bb, "--list-full").Output()
	if err != nil {
		return nil, fmt.Errorf("%s --list-full: %w", bb, err)
	}
	for _, applet := range strings.Fields(string(bytes.TrimSpace(out))) {
		if applet != "bin/busybox" {
			entries = append(entries, Symlink(applet, "/bin/busybox"))
		}
	}
	entries = append(entries,
		File("etc/passwd", 0o644, "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"),
		File("etc/group", 0o644, "root:x:0:\nnogroup:x:65534:\n"),
		Dir("root", 0o700),
		Dir("tmp", 0o777|fs.ModeSticky),
	)
	layer, err := Layer(entries)
	if err != nil {
		return nil, err
	}
	return Image(nil, "busybox", []v1.Layer{layer}, func(c *v1.Config) {
		c.Env = []string{pathEnv}
		c.Cmd = []string{"sh"}
	})
}

// buildPause: the busybox image that sleeps forever (the pod sandbox image
// of the real node; there is no registry.k8s.io/pause to pull here).
func buildPause(ctx context.Context, work string) (v1.Image, error) {
	base, err := buildBusybox(ctx, work)
	if err != nil {
		return nil, err
	}
	return Image(base, "pause", nil, func(c *v1.Config) {
		c.Entrypoint = []string{"/bin/busybox", "sleep", "2147483647"}
		c.Cmd = nil
	})
}
