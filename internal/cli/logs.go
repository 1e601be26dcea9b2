package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/logs"
)

// LogsOptions are the inputs of berth logs.
type LogsOptions struct {
	cmdBase
	Follow     bool
	Since      time.Duration
	Tail       int64
	Previous   bool
	Container  string
	Timestamps bool

	app     string
	service string
	tailSet bool
}

// NewCmdLogs builds berth logs.
func NewCmdLogs(f *Factory, runF func(context.Context, *LogsOptions) error) *cobra.Command {
	o := &LogsOptions{cmdBase: newBase(f)}
	cmd := &cobra.Command{
		Use:               "logs SERVICE",
		ValidArgsFunction: f.completeOneService,
		Short:             "Print or follow the logs of every pod of a service",
		Args: func(cmd *cobra.Command, args []string) error {
			if o.Follow {
				if err := followNotFile(cmd, args); err != nil {
					return err
				}
			}
			if len(args) != 1 {
				return usageErrorf("%s takes one SERVICE (a service of berth.yaml), got %q", cmd.CommandPath(), args)
			}
			return nil
		},
		RunE: runE(o, runF),
	}
	fl := cmd.Flags()
	fl.BoolVarP(&o.Follow, "follow", "f", false, "follow the logs, and new pods, until interrupted")
	fl.DurationVar(&o.Since, "since", 0, "only lines newer than this, e.g. 10m")
	fl.Int64Var(&o.Tail, "tail", -1, "lines of history per container (-1: all; with -f the default is 10)")
	fl.BoolVarP(&o.Previous, "previous", "p", false, "the logs of the previous instance of each container (after a crash)")
	fl.StringVarP(&o.Container, "container", "c", "", "only this container")
	fl.BoolVar(&o.Timestamps, "timestamps", false, "prefix each line with its RFC3339 timestamp")
	f.addAppFlag(cmd, &o.app)
	return cmd
}

// Complete takes the arguments and flags.
func (o *LogsOptions) Complete(cmd *cobra.Command, args []string) error {
	o.service = args[0]
	o.tailSet = cmd.Flags().Changed("tail")
	if o.Since < 0 {
		return usageErrorf("--since must be positive")
	}
	return nil
}

// followNotFile catches berth.yaml given to -f, which in berth logs is
// --follow (kubectl's meaning) while it is --file in every other command:
// an argument ending in .yaml or .yml, or naming an existing file, is a
// usage error that says to use --file.
func followNotFile(cmd *cobra.Command, args []string) error {
	path := ""
	var services []string
	for _, a := range args {
		if ext := filepath.Ext(a); path == "" && (ext == ".yaml" || ext == ".yml" || isFile(a)) {
			path = a
			continue
		}
		services = append(services, a)
	}
	if path == "" {
		return nil
	}
	service := "SERVICE"
	if len(services) == 1 {
		service = services[0]
	}
	return usageErrorf("%s: -f is --follow here, as in kubectl logs, so %s was taken as a service; "+
		"name berth.yaml with --file: %s %s --file %s (add -f to follow)", cmd.CommandPath(), path, cmd.CommandPath(), service, path)
}

// isFile reports whether path names an existing regular file (a service's
// build folder of the same name is not one).
func isFile(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}

// Run prints the logs.
func (o *LogsOptions) Run(ctx context.Context) error {
	app, ref, c, err := o.f.workloadOnCluster(ctx, o.app, o.service)
	if err != nil {
		return err
	}
	ns := ref.Namespace
	opts := logs.Options{
		Selector:   deploy.InstanceSelector(app) + ",app.kubernetes.io/component=" + o.service,
		Container:  o.Container,
		Follow:     o.Follow,
		Previous:   o.Previous,
		Timestamps: o.Timestamps,
	}
	opts.Bound(o.Since, o.Tail, o.tailSet)
	s := &logs.Streamer{Client: c.Clientset, Namespace: ns, Out: o.Out, Log: o.ErrOut, Color: o.f.Color()}
	err = s.Run(ctx, opts)
	if errors.Is(err, logs.ErrNoPods) {
		return &HintError{
			Err:  fmt.Errorf("service %s of %s has no pods in namespace %s", o.service, app, ns),
			Hint: "is it deployed here? berth status shows what runs; berth logs -f waits for pods to start",
		}
	}
	return err
}
