package cli

import (
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
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
			func(cmd *cobra.Command) rolloutSteps {
				o := rollout.NewRolloutHistoryOptions(f.IOStreams)
				cmd.Flags().Int64Var(&o.Revision, "revision", 0, "show the details, including the pod template, of this revision")
				return rolloutSteps{o.PrintFlags, o.Complete, &o.Namespace, &o.EnforceNamespace, o.Validate, func() error { return o.Run() }}
			}),
		newRolloutCmd(f, "undo", "Roll one service's pod template back, as kubectl rollout undo",
			func(cmd *cobra.Command) rolloutSteps {
				o := rollout.NewRolloutUndoOptions(f.IOStreams)
				o.CmdBaseName = "berth rollout"
				cmd.Flags().Int64Var(&o.ToRevision, "to-revision", 0, "the revision to roll back to (default: the previous one)")
				cmdutil.AddDryRunFlag(cmd)
				return rolloutSteps{o.PrintFlags, o.Complete, &o.Namespace, &o.EnforceNamespace, o.Validate, func() error { return o.RunUndo() }}
			}),
		newRolloutCmd(f, "status", "Wait for one service's rollout to finish, as kubectl rollout status",
			func(cmd *cobra.Command) rolloutSteps {
				o := rollout.NewRolloutStatusOptions(f.IOStreams)
				fl := cmd.Flags()
				fl.BoolVarP(&o.Watch, "watch", "w", o.Watch, "watch the rollout until it is done")
				fl.Int64Var(&o.Revision, "revision", 0, "pin to this revision (default: the newest)")
				fl.DurationVar(&o.Timeout, "timeout", 0, "how long to watch before giving up; 0 means forever")
				complete := func(kf cmdutil.Factory, _ *cobra.Command, args []string) error { return o.Complete(kf, args) }
				return rolloutSteps{nil, complete, &o.Namespace, &o.EnforceNamespace, o.Validate, func() error { return o.Run() }}
			}),
		newRolloutCmd(f, "restart", "Restart the pods of one service, as kubectl rollout restart",
			func(*cobra.Command) rolloutSteps {
				o := rollout.NewRolloutRestartOptions(f.IOStreams)
				return rolloutSteps{o.PrintFlags, o.Complete, &o.Namespace, &o.EnforceNamespace, o.Validate, func() error { return o.RunRestart() }}
			}),
		newRolloutCmd(f, "pause", "Pause one service's rollouts, as kubectl rollout pause",
			func(*cobra.Command) rolloutSteps {
				o := &rollout.PauseOptions{PrintFlags: genericclioptions.NewPrintFlags("paused").WithTypeSetter(scheme.Scheme), IOStreams: f.IOStreams}
				return rolloutSteps{o.PrintFlags, o.Complete, &o.Namespace, &o.EnforceNamespace, o.Validate, func() error { return o.RunPause() }}
			}),
		newRolloutCmd(f, "resume", "Resume one service's paused rollouts, as kubectl rollout resume",
			func(*cobra.Command) rolloutSteps {
				o := rollout.NewRolloutResumeOptions(f.IOStreams)
				return rolloutSteps{o.PrintFlags, o.Complete, &o.Namespace, &o.EnforceNamespace, o.Validate, func() error { return o.RunResume() }}
			}),
	)
	return cmd
}

// rolloutSteps are kubectl's Complete, Validate and Run of one rollout
// subcommand, bound to its options, and where its options keep -o and
// the namespace.
type rolloutSteps struct {
	print     *genericclioptions.PrintFlags // nil: the command has no -o
	complete  func(cmdutil.Factory, *cobra.Command, []string) error
	namespace *string
	enforce   *bool
	validate  func() error
	// run must be a closure: some of kubectl's Run methods have value
	// receivers, and a method value would copy the options before
	// Complete fills them.
	run func() error
}

// newRolloutCmd builds berth rollout NAME; setup adds its flags and
// returns its kubectl steps.
func newRolloutCmd(f *Factory, name, short string, setup func(*cobra.Command) rolloutSteps) *cobra.Command {
	cmd := &cobra.Command{
		Use:               name + " SERVICE",
		ValidArgsFunction: f.completeOneService,
		Short:             short,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErrorf("%s takes one SERVICE (a service of berth.yaml), got %q", cmd.CommandPath(), args)
			}
			return nil
		},
	}
	steps := setup(cmd)
	var app string
	f.addAppFlag(cmd, &app)
	cmd.RunE = func(cmd *cobra.Command, args []string) error { return steps.Run(cmd, f, app, args[0]) }
	return cmd
}

// Run resolves SERVICE of app (berth.yaml's when "") to its workload, as
// the app's newest revision holds it, and runs kubectl's Complete,
// Validate and Run on it, in the service's namespace, with berth's -o.
func (s rolloutSteps) Run(cmd *cobra.Command, f *Factory, app, service string) error {
	_, ref, _, err := f.workloadOnCluster(cmd.Context(), app, service)
	if err != nil {
		return err
	}
	if s.print != nil {
		s.print.OutputFormat = &f.Output
		s.print.OutputFlagSpecified = func() bool { return f.Output != "" }
	}
	kubectl := cmdutil.NewFactory(cmdutil.NewMatchVersionFlags(f.KubeFlags))
	if err := s.complete(kubectl, cmd, []string{strings.ToLower(ref.Kind) + "/" + ref.Name}); err != nil {
		return err
	}
	*s.namespace, *s.enforce = ref.Namespace, true
	if err := s.validate(); err != nil {
		return err
	}
	return s.run()
}
