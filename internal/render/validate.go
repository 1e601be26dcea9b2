package render

import (
	"slices"

	"github.com/berth-dev/berth/internal/config"
)

// ValidateOptions tune Validate.
type ValidateOptions struct {
	// Env is the one environment to check; empty checks the base config,
	// then every environment (whose unset ${VAR}s are then warnings).
	Env string
	// Namespace is the namespace to render into (Options.Namespace).
	Namespace string
	// LookupEnv resolves ${VAR} references (config.Options.LookupEnv).
	LookupEnv func(string) (string, bool)
	// Images gives the image of every service of a loaded project, the
	// services berth builds included (Options.Images); nil uses image:
	// alone.
	Images func(*config.Project) (map[string]string, error)
}

// Check is what Validate found in one environment ("" is the base
// config).
type Check struct {
	Env      string
	Warnings []*config.Warning
	// Rendered is true when the environment loaded and rendered; Services
	// and Objects count what it rendered.
	Rendered bool
	Services int
	Objects  int
	// Err is why the environment is invalid (config.Errors, a *config.Error
	// or another error), nil when it is valid.
	Err error
}

// Validate checks the berth.yaml at file without a cluster: it loads the
// project in each environment opts selects, renders it and decodes every
// object strictly into its Kubernetes type. It returns a Check per
// environment, in order (the base config first, then the environments by
// name; a broken base stops there: the overlays cannot be better), and
// the first error.
func Validate(file string, opts ValidateOptions) ([]Check, error) {
	envs := []string{opts.Env}
	if opts.Env == "" {
		base, _, err := config.Load(file, config.Options{LookupEnv: opts.LookupEnv})
		if err == nil {
			for name := range base.Environments {
				envs = append(envs, name)
			}
			slices.Sort(envs[1:])
		}
	}
	var checks []Check
	var first error
	for _, env := range envs {
		c := validateEnv(file, env, opts)
		checks = append(checks, c)
		if c.Err == nil {
			continue
		}
		if first == nil {
			first = c.Err
		}
		if env == "" && opts.Env == "" {
			break
		}
	}
	return checks, first
}

// validateEnv loads, renders and strictly decodes one environment.
func validateEnv(file, env string, opts ValidateOptions) Check {
	c := Check{Env: env}
	all := opts.Env == "" && env != ""
	p, warnings, err := config.Load(file, config.Options{Env: env, LookupEnv: opts.LookupEnv, UnsetVarsWarn: all})
	c.Warnings = warnings
	if err != nil {
		c.Err = err
		return c
	}
	var images map[string]string
	if opts.Images != nil {
		if images, err = opts.Images(p); err != nil {
			c.Err = err
			return c
		}
	}
	res, err := Render(p, Options{Namespace: opts.Namespace, Images: images})
	if err != nil {
		c.Err = err
		return c
	}
	c.Rendered, c.Services, c.Objects = true, len(p.Services), len(res.Objects)
	c.Err = Strict(res.Objects)
	return c
}
