package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/berth-dev/berth/internal/registry"
)

// addRegistryFlags adds the flags of commands that talk to registries.
func addRegistryFlags(fl *pflag.FlagSet, a *registry.Access) {
	fl.StringSliceVar(&a.Insecure, "insecure-registry", nil, "registry HOST[:PORT] reached over plain HTTP or TLS without verification (repeatable; localhost is plain HTTP already)")
	fl.StringVar(&a.CAFile, "registry-ca", "", "PEM file of a CA to trust for registries (e.g. a self-signed registry's)")
}

// RegistryLoginOptions are the inputs of berth registry login.
type RegistryLoginOptions struct {
	cmdBase
	Registry      string
	Username      string
	PasswordStdin bool
}

// NewCmdRegistry builds berth registry and its subcommands.
func NewCmdRegistry(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "registry",
		Short: "Log in to and out of image registries",
		Args:  noArgs,
	}
	cmd.AddCommand(NewCmdRegistryLogin(f, nil), NewCmdRegistryLogout(f))
	return cmd
}

// NewCmdRegistryLogin builds berth registry login.
func NewCmdRegistryLogin(f *Factory, runF func(context.Context, *RegistryLoginOptions) error) *cobra.Command {
	o := &RegistryLoginOptions{cmdBase: newBase(f)}
	cmd := &cobra.Command{
		Use:   "login REGISTRY",
		Short: "Check and save credentials for a registry",
		Args:  oneArg("registry login takes one argument, the registry host, e.g. berth registry login registry.example.com"),
		RunE:  runE(o, runF),
	}
	fl := cmd.Flags()
	fl.StringVarP(&o.Username, "username", "u", "", "user name (required)")
	fl.BoolVar(&o.PasswordStdin, "password-stdin", true, "read the password from standard input (the only way berth takes it)")
	fl.String("password", "", "refused: pass the password on standard input")
	_ = fl.MarkHidden("password")
	addRegistryFlags(fl, &f.Registry)
	return cmd
}

// Complete takes the arguments and flags.
func (o *RegistryLoginOptions) Complete(cmd *cobra.Command, args []string) error {
	if cmd.Flags().Changed("password") {
		return usageErrorf("--password is not accepted: a password in a flag ends up in shell history and process lists; pipe it in: echo \"$PASSWORD\" | berth registry login %s -u USER", args[0])
	}
	o.Registry = args[0]
	return nil
}

// Run checks and saves the credentials.
func (o *RegistryLoginOptions) Run(ctx context.Context) error {
	if o.Username == "" {
		return usageErrorf("--username is required")
	}
	reg := registry.Host(o.Registry)
	password, err := o.f.prompter.Password(fmt.Sprintf("Password for %s@%s", o.Username, reg))
	if err != nil {
		return err
	}
	if password == "" {
		return usageErrorf("no password on standard input")
	}
	saved, err := o.f.RegistryAccess().Login(ctx, reg, o.Username, password)
	if err != nil {
		return err
	}
	fmt.Fprintf(o.ErrOut, "Login succeeded: credentials for %s saved in %s\n", reg, saved)
	return nil
}

// NewCmdRegistryLogout builds berth registry logout.
func NewCmdRegistryLogout(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "logout REGISTRY",
		Short: "Remove saved credentials for a registry",
		Args:  oneArg("registry logout takes one argument, the registry host"),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch removed, err := f.RegistryAccess().Logout(args[0]); {
			case err != nil:
				return err
			case !removed:
				fmt.Fprintf(f.IOStreams.ErrOut, "No credentials for %s were saved\n", args[0])
			default:
				fmt.Fprintf(f.IOStreams.ErrOut, "Removed the credentials for %s\n", args[0])
			}
			return nil
		},
	}
}
