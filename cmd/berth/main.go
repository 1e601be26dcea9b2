// Command berth builds, renders and deploys applications to Kubernetes
// from one berth.yaml. See internal/cli for the commands.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/sirupsen/logrus"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/klog/v2"

	"github.com/berth-dev/berth/internal/cli"
)

func main() {
	// client-go logs through klog to stderr; berth reports errors itself,
	// so klog stays quiet unless asked for (-v raises it in the cli).
	klog.SetOutput(io.Discard)
	klog.LogToStderr(false)
	// compose-go (berth import compose) logs through logrus; berth reports
	// what matters about a compose file as its own warnings.
	logrus.SetOutput(io.Discard)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	streams := genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	f := cli.NewFactory(streams)
	err := cli.Execute(ctx, cli.NewRootCmd(f))
	stop()
	f.Finish(err)
	os.Exit(cli.ExitCode(err))
}
