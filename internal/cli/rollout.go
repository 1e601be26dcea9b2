package cli

import (
	"context"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/kubectl/pkg/cmd/rollout"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"
	"k8s.io/kubectl/pkg/scheme"
)

// NewCmdRollout builds berth rollout and its subcommands.
func NewCmdRollout(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rollout SUBCOMMAND SERVICE",
		Short: "kubectl's rollout history, undo, status, restart, pause and resume for one service",
		Args:  noArgs,
	}
	cmd.AddCommand(
		newRolloutCmd(f, "history", "Show the ReplicaSet (ControllerRevision) history of a service, as kubectl rollout history",
			func(w *rolloutWorkload) {
				o := rollout.NewRolloutHistoryOptions(w.streams)
				w.cmd.Flags().Int64Var(&o.Revision, "revision", 0, "show the details, including the pod template, of this revision")
				w.run = func() error {
					w.output(o.PrintFlags)
					return w.steps(func() error { return o.Complete(w.kubectl, w.cmd, w.args) }, &o.Namespace, &o.EnforceNamespace, o.Validate, func() error { return o.Run() })
				}
			}),
		newRolloutCmd(f, "undo", "Roll one service's pod template back, as kubectl rollout undo",
			func(w *rolloutWorkload) {
				o := rollout.NewRolloutUndoOptions(w.streams)
				o.CmdBaseName = "berth rollout"
				w.cmd.Flags().Int64Var(&o.ToRevision, "to-revision", 0, "the revision to roll back to (default: the previous one)")
				cmdutil.AddDryRunFlag(w.cmd)
				w.run = func() error {
					w.output(o.PrintFlags)
					return w.steps(func() error { return o.Complete(w.kubectl, w.cmd, w.args) }, &o.Namespace, &o.EnforceNamespace, o.Validate, func() error { return o.RunUndo() })
				}
			}),
		newRolloutCmd(f, "status", "Wait for one service's rollout to finish, as kubectl rollout status",
			func(w *rolloutWorkload) {
				o := rollout.NewRolloutStatusOptions(w.streams)
				fl := w.cmd.Flags()
				fl.BoolVarP(&o.Watch, "watch", "w", o.Watch, "watch the rollout until it is done")
				fl.Int64Var(&o.Revision, "revision", 0, "pin to this revision (default: the newest)")
				fl.DurationVar(&o.Timeout, "timeout", 0, "how long to watch before giving up; 0 means forever")
				w.run = func() error {
					return w.steps(func() error { return o.Complete(w.kubectl, w.args) }, &o.Namespace, &o.EnforceNamespace, o.Validate, func() error { return o.Run() })
				}
			}),
		newRolloutCmd(f, "restart", "Restart the pods of one service, as kubectl rollout restart",
			func(w *rolloutWorkload) {
				o := rollout.NewRolloutRestartOptions(w.streams)
				w.run = func() error {
					w.output(o.PrintFlags)
					return w.steps(func() error { return o.Complete(w.kubectl, w.cmd, w.args) }, &o.Namespace, &o.EnforceNamespace, o.Validate, func() error { return o.RunRestart() })
				}
			}),
		newRolloutCmd(f, "pause", "Pause one service's rollouts, as kubectl rollout pause",
			func(w *rolloutWorkload) {
				o := &rollout.PauseOptions{PrintFlags: genericclioptions.NewPrintFlags("paused").WithTypeSetter(scheme.Scheme), IOStreams: w.streams}
				w.run = func() error {
					w.output(o.PrintFlags)
					return w.steps(func() error { return o.Complete(w.kubectl, w.cmd, w.args) }, &o.Namespace, &o.EnforceNamespace, o.Validate, func() error { return o.RunPause() })
				}
			}),
		newRolloutCmd(f, "resume", "Resume one service's paused rollouts, as kubectl rollout resume",
			func(w *rolloutWorkload) {
				o := rollout.NewRolloutResumeOptions(w.streams)
				w.run = func() error {
					w.output(o.PrintFlags)
					return w.steps(func() error { return o.Complete(w.kubectl, w.cmd, w.args) }, &o.Namespace, &o.EnforceNamespace, o.Validate, func() error { return o.RunResume() })
				}
			}),
	)
	return cmd
}

// rolloutWorkload is one berth rollout subcommand: kubectl's options for
// the workload of SERVICE.
type rolloutWorkload struct {
	f       *Factory
	cmd     *cobra.Command
	streams genericiooptions.IOStreams
	// Set before run: kubectl's factory, TYPE/NAME, the namespace.
	kubectl   cmdutil.Factory
	args      []string
	namespace string
	run       func() error
}

// steps runs a kubectl rollout command's Complete, Validate and Run, in
// the service's namespace. run must be a closure: some of kubectl's Run
// methods have value receivers, and a method value would copy the options
// before Complete fills them.
func (w *rolloutWorkload) steps(complete func() error, namespace *string, enforce *bool, validate, run func() error) error {
	if err := complete(); err != nil {
		return err
	}
	*namespace, *enforce = w.namespace, true
	if err := validate(); err != nil {
		return err
	}
	return run()
}

// output hands berth's -o to kubectl's printer flags.
func (w *rolloutWorkload) output(pf *genericclioptions.PrintFlags) {
	pf.OutputFormat = &w.f.Output
	pf.OutputFlagSpecified = func() bool { return w.f.Output != "" }
}

func newRolloutCmd(f *Factory, name, short string, setup func(*rolloutWorkload)) *cobra.Command {
	w := &rolloutWorkload{f: f, streams: f.IOStreams}
	w.cmd = &cobra.Command{
		Use:               name + " SERVICE",
		ValidArgsFunction: f.completeOneService,
		Short:             short,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErrorf("%s takes one SERVICE (a service of berth.yaml), got %q", cmd.CommandPath(), args)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return w.Run(cmd.Context(), args[0])
		},
	}
	setup(w)
	return w.cmd
}

// Run resolves SERVICE to its workload and runs kubectl's command on it.
func (w *rolloutWorkload) Run(_ context.Context, service string) error {
	p, _, ns, err := w.f.ProjectOnCluster()
	if err != nil {
		return err
	}
	ref, err := serviceWorkload(p, ns, service)
	if err != nil {
		return err
	}
	w.kubectl = cmdutil.NewFactory(cmdutil.NewMatchVersionFlags(w.f.KubeFlags))
	w.args = []string{strings.ToLower(ref.Kind) + "/" + ref.Name}
	w.namespace = ns
	return w.run()
}
