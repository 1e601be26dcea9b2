// Command provisioner is the sandbox's stand-in for a storage backend: it
// gives every pending PersistentVolumeClaim of an existing StorageClass a
// hostPath volume, and makes the "standard" class the default, so apps with
// volumes run on the sandbox as on minikube. scripts/demo starts it and
// records its pid in the sandbox's DIR/pids, so scripts/sandbox down stops
// it; tests run the same code in process (internal/testcluster.Provision).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/berth-dev/berth/internal/testcluster"
)

func main() {
	kubeconfig := flag.String("kubeconfig", "", "the sandbox's kubeconfig")
	root := flag.String("root", os.TempDir(), "directory the hostPath volumes point into")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *kubeconfig, *root); err != nil {
		fmt.Fprintln(os.Stderr, "provisioner:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, kubeconfig, root string) error {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return err
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	if err := testcluster.EnsureDefaultStorageClass(ctx, cs); err != nil {
		return err
	}
	// Stop with the sandbox: exit once its API server has been gone for 30 s.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		failures := 0
		for ctx.Err() == nil {
			time.Sleep(5 * time.Second)
			if _, err := cs.Discovery().ServerVersion(); err != nil {
				failures++
			} else {
				failures = 0
			}
			if failures >= 6 {
				cancel()
			}
		}
	}()
	testcluster.Provision(ctx, cs, root, 500*time.Millisecond)
	return nil
}
