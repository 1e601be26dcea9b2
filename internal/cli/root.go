package cli

import (
	_ "github.com/berth-dev/berth/internal/kubectlen" // before kubectl: no translation catalogue at start-up

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/internal/kube"
)

// NewRootCmd builds the berth command tree.
func NewRootCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:           "berth",
		Short:         "Build, render and deploy applications to Kubernetes from one berth.yaml",
		SilenceErrors: true,
		SilenceUsage:  true,
		// No Run: berth alone prints help.
	}
	cmd.SetIn(f.IOStreams.In)
	cmd.SetOut(f.IOStreams.Out)
	cmd.SetErr(f.IOStreams.ErrOut)
	cmd.PersistentPreRunE = func(*cobra.Command, []string) error {
		if err := f.startProgress(); err != nil {
			return err
		}
		// -v N shows client-go's request logs (klog level N) on stderr.
		kube.LogTo(f.IOStreams.ErrOut, f.Verbosity)
		return nil
	}
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &UsageError{Err: err}
	})

	pf := cmd.PersistentFlags()
	pf.StringVarP(&f.Env, "env", "e", "", "environment overlay from berth.yaml's environments to apply")
	pf.StringVarP(&f.Output, "output", "o", "", "output format; each command lists the ones it supports")
	pf.BoolVar(&f.NoColor, "no-color", false, "never colour output (also off when stdout or stderr is not a terminal, or NO_COLOR or CI is set)")
	pf.StringVar(&f.Progress, "progress", ProgressAuto, "progress on stderr: auto (tty on a terminal without CI, else plain), tty (live view), plain (timestamped lines) or json (one JSON event per line; see docs/ci.md)")
	pf.IntVarP(&f.Verbosity, "verbosity", "v", 0, "log verbosity: 6 shows every API request, 8 their bodies")
	if f.KubeFlags != nil {
		f.KubeFlags.AddFlags(pf)
	}
	_ = cmd.RegisterFlagCompletionFunc("env", f.completeEnvironments)

	cmd.AddCommand(
		NewCmdInit(f, nil),
		NewCmdImport(f, nil),
		NewCmdUp(f, nil),
		NewCmdDown(f, nil),
		NewCmdDeploy(f, nil),
		NewCmdApply(f, nil),
		NewCmdDiff(f, nil),
		NewCmdPreflight(f, nil),
		NewCmdStatus(f, nil),
		NewCmdLogs(f, nil),
		NewCmdDelete(f, nil),
		NewCmdHistory(f, nil),
		NewCmdList(f, nil),
		NewCmdUndo(f, nil),
		NewCmdScale(f, nil),
		NewCmdRollout(f),
		NewCmdBuild(f, nil),
		NewCmdPush(f, nil),
		NewCmdRegistry(f),
		NewCmdSecrets(f),
		NewCmdRender(f, nil),
		NewCmdValidate(f, nil),
		NewCmdExportChart(f, nil),
		NewCmdSchema(f, nil),
		NewCmdVersion(f, nil),
	)
	addFileFlag(f, cmd)
	// cobra's completion command, added now rather than when it runs
	// (after addFileFlag: it takes no berth.yaml), so that addHelp gives
	// it and its subcommands examples (help/completion*.txtar).
	cmd.InitDefaultCompletionCmd()
	addHelp(cmd)
	return cmd
}

// addFileFlag gives every subcommand without one -f/--file. It is not a persistent
// flag of the root so that berth logs can use -f for --follow, as kubectl
// logs does (it takes berth.yaml as --file).
func addFileFlag(f *Factory, parent *cobra.Command) {
	const usage = "path to berth.yaml (default ./berth.yaml)"
	for _, c := range parent.Commands() {
		switch {
		case c.Flags().Lookup("file") != nil:
		case c.Flags().ShorthandLookup("f") != nil:
			c.Flags().StringVar(&f.File, "file", "", usage)
		default:
			c.Flags().StringVarP(&f.File, "file", "f", "", usage)
		}
		addFileFlag(f, c)
	}
}
