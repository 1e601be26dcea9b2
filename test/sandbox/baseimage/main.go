// Command baseimage builds the sandbox's base images from Debian packages
// with go-containerregistry and pushes them to a registry, for the real-node
// sandbox (scripts/sandbox up --real-node), which has no Docker Hub to pull
// from:
//
//	go run ./test/sandbox/baseimage -registry 127.0.0.1:5000 [NAME...]
//
// Each image is pushed as REGISTRY/NAME:TAG (TAG is "1"). The builds are
// deterministic (fixed times, sorted tar entries, uid/gid 0), so a re-run
// with the same Debian packages pushes nothing. Downloaded packages are
// cached in -work.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Tag is the tag every base image is pushed with.
const Tag = "1"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:])
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "baseimage:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("baseimage", flag.ContinueOnError)
	registry := fs.String("registry", "", "registry HOST:PORT to push to (required; plain HTTP for 127.0.0.1 and localhost)")
	work := fs.String("work", defaultWork(), "folder for downloaded packages and unpacked roots (a cache)")
	list := fs.Bool("list", false, "print the names of the images it can build and exit")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: go run ./test/sandbox/baseimage -registry HOST:PORT [NAME...]\n\nBuilds and pushes base images (all when no NAME is given):\n  %s\n\n", strings.Join(names(), " "))
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *list {
		fmt.Println(strings.Join(names(), "\n"))
		return nil
	}
	if *registry == "" {
		fs.Usage()
		return errors.New("-registry is required")
	}
	todo := fs.Args()
	if len(todo) == 0 {
		todo = names()
	}
	table := builders()
	for _, n := range todo {
		if _, ok := table[n]; !ok {
			return fmt.Errorf("unknown image %q (known: %s)", n, strings.Join(names(), ", "))
		}
	}
	if err := os.MkdirAll(*work, 0o755); err != nil {
		return err
	}
	for _, n := range todo {
		if err := buildAndPush(ctx, *registry, n, table[n], *work); err != nil {
			return fmt.Errorf("%s: %w", n, err)
		}
	}
	return nil
}

// buildAndPush builds one image and pushes it unless the registry already
// has the same manifest under the tag. It prints REF@DIGEST and whether it
// pushed.
func buildAndPush(ctx context.Context, registry, imageName string, build Builder, work string) error {
	ref, err := name.NewTag(registry + "/" + imageName + ":" + Tag)
	if err != nil {
		return err
	}
	img, err := build(ctx, work)
	if err != nil {
		return err
	}
	dig, err := img.Digest()
	if err != nil {
		return err
	}
	if d, err := remote.Head(ref, remote.WithContext(ctx)); err == nil && d.Digest == dig {
		fmt.Printf("%s@%s up to date\n", ref, dig)
		return nil
	}
	if err := remote.Write(ref, img, remote.WithContext(ctx)); err != nil {
		return fmt.Errorf("push %s: %w", ref, err)
	}
	fmt.Printf("%s@%s pushed\n", ref, dig)
	return nil
}

// Builder builds one base image. work is a folder it may use as a cache
// (downloaded packages, unpacked roots); the image must depend only on its
// inputs, never on the time or the order files are found in.
type Builder func(ctx context.Context, work string) (v1.Image, error)

func names() []string {
	var ns []string
	for n := range builders() {
		ns = append(ns, n)
	}
	slices.Sort(ns)
	return ns
}

func defaultWork() string {
	if d := os.Getenv("BERTH_SANDBOX_CACHE"); d != "" {
		return filepath.Join(d, "baseimage")
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "berth-sandbox", "baseimage")
	}
	return filepath.Join(os.TempDir(), "berth-sandbox-baseimage")
}
