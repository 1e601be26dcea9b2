package cli

import (
	"context"
	"fmt"
	"reflect"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// cmdBase is what every command's Options embed: the streams, the
// Factory, and the -o format, which runE resolves from formats (the
// first is the default; none: the command has no -o) before Complete.
type cmdBase struct {
	genericiooptions.IOStreams
	f       *Factory
	format  string
	formats []string
}

// newBase is the cmdBase of a command with the -o formats given.
func newBase(f *Factory, formats ...string) cmdBase {
	return cmdBase{IOStreams: f.IOStreams, f: f, formats: formats}
}

func (b *cmdBase) base() *cmdBase { return b }

// appArg is the optional [APP] argument of an app-level day-2 command,
// which runE takes from the arguments ("": berth.yaml names the app).
type appArg struct{ App string }

func (a *appArg) setApp(args []string) {
	if len(args) == 1 {
		a.App = args[0]
	}
}

// completer and validator are the optional steps of a command's Options,
// kubectl's Complete (flags and arguments into values) and Validate
// (their combinations); Run does the work.
type (
	completer interface {
		Complete(cmd *cobra.Command, args []string) error
	}
	validator interface{ Validate() error }
	runner    interface {
		Run(ctx context.Context) error
	}
)

// runE is a command's RunE for its Options o: the -o format (cmdBase),
// Complete and Validate when o has them, then Run, or runF in its place (tests look at the Options
// the flags made).
//
// An Options whose Complete or Validate has another signature is a
// mistake that would skip the step: runE panics when the command is
// built, so every test that builds the command tree catches it.
func runE[O runner](o O, runF func(context.Context, O) error) func(*cobra.Command, []string) error {
	t := reflect.TypeOf(o)
	if _, ok := t.MethodByName("Complete"); ok && !t.Implements(reflect.TypeFor[completer]()) {
		panic(fmt.Sprintf("%s.Complete must be Complete(*cobra.Command, []string) error", t))
	}
	if _, ok := t.MethodByName("Validate"); ok && !t.Implements(reflect.TypeFor[validator]()) {
		panic(fmt.Sprintf("%s.Validate must be Validate() error", t))
	}
	return func(cmd *cobra.Command, args []string) error {
		if b, ok := any(o).(interface{ base() *cmdBase }); ok && len(b.base().formats) > 0 {
			var err error
			if b.base().format, err = outputFormat(b.base().f, b.base().formats...); err != nil {
				return err
			}
		}
		if a, ok := any(o).(interface{ setApp([]string) }); ok {
			a.setApp(args)
		}
		if c, ok := any(o).(completer); ok {
			if err := c.Complete(cmd, args); err != nil {
				return err
			}
		}
		if v, ok := any(o).(validator); ok {
			if err := v.Validate(); err != nil {
				return err
			}
		}
		if runF != nil {
			return runF(cmd.Context(), o)
		}
		return o.Run(cmd.Context())
	}
}

// noArgs rejects positional arguments as a usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageErrorf("%s takes no arguments, got %q", cmd.CommandPath(), args)
	}
	return nil
}

// oneArg accepts exactly one positional argument; otherwise it is the
// usage error msg.
func oneArg(msg string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) != 1 {
			return usageErrorf("%s", msg)
		}
		return nil
	}
}

// outputFormat checks -o against the formats a command supports; the first
// is the default.
func outputFormat(f *Factory, formats ...string) (string, error) {
	if f.Output == "" {
		return formats[0], nil
	}
	for _, ft := range formats {
		if f.Output == ft {
			return ft, nil
		}
	}
	return "", usageErrorf("unsupported output format %q; use one of: %s", f.Output, strings.Join(formats, ", "))
}
