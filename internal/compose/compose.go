package compose

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/errdefs"
	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/internal/build"
	"github.com/berth-dev/berth/internal/config"
)

// DefaultVolumeSize is the claim size of a named volume unless Options say otherwise.
const DefaultVolumeSize = "1Gi"

// DefaultLookupTimeout bounds the registry lookups of one import unless
// Options say otherwise.
const DefaultLookupTimeout = 5 * time.Second

// Options say which Compose project to import and how.
type Options struct {
	// Files are the compose files, merged in order as docker compose -f
	// does. When empty, compose's own discovery runs in Dir: COMPOSE_FILE,
	// else compose.yaml (or docker-compose.yml) and its override file.
	Files []string
	// Dir is where discovery looks ("" is the working directory).
	Dir string
	// Profiles to enable; COMPOSE_PROFILES applies when empty.
	Profiles []string
	// EnvFiles are the .env files for interpolation; the project's .env when empty.
	EnvFiles []string
	// Environ is the environment (KEY=VALUE) for ${VAR} in the compose files.
	Environ []string
	// Name is the application name; the compose project's name when empty.
	Name string
	// OutputDir is the directory berth.yaml will live in: build contexts
	// and config files are written relative to it ("" is the working directory).
	OutputDir string
	// VolumeSize is the claim size of every named volume (default 1Gi).
	VolumeSize string
	// Expose is the Service type of services that publish ports to the
	// host: ClusterIP (default), NodePort or LoadBalancer.
	Expose string
	// Registry, when set, is asked for the config of the images of
	// services that neither compose nor their Dockerfile give ports
	// (its ExposedPorts); nil: no registry is asked.
	Registry build.Remote
	// LookupTimeout bounds all registry lookups together (default
	// DefaultLookupTimeout); a registry that has not answered by then
	// counts as not knowing.
	LookupTimeout time.Duration
}

// Warning is a part of the compose project that was not translated, or
// was translated with a change the user should know about.
type Warning struct {
	// File and Line are where the setting is written (Line 0 when unknown).
	File string
	Line int
	// Path names the setting, e.g. services.web.volumes.
	Path string
	// Msg says what happened and what to do.
	Msg string
}

// String formats a warning as FILE:LINE: PATH: MESSAGE.
func (w Warning) String() string {
	var b strings.Builder
	if w.File != "" {
		b.WriteString(w.File)
		if w.Line > 0 {
			fmt.Fprintf(&b, ":%d", w.Line)
		}
		b.WriteString(": ")
	}
	if w.Path != "" {
		b.WriteString(w.Path + ": ")
	}
	b.WriteString(w.Msg)
	return b.String()
}

// Result is an imported project.
type Result struct {
	// YAML is the berth.yaml text.
	YAML []byte
	// Project is what YAML holds, before ${VAR} expansion.
	Project *config.Project
	// Warnings are sorted by file, line and path.
	Warnings []Warning
	// ComposeFiles are the files read, as named in messages.
	ComposeFiles []string
}

// ErrNoComposeFile is returned when discovery finds no compose file.
var ErrNoComposeFile = errors.New("no compose file found")

// Import loads a Compose project with compose-go's loader (interpolation,
// .env, profiles, extends, include, override files) and converts it to a
// berth.yaml. Options that do not Validate are an *OptionError.
func Import(ctx context.Context, opts Options) (*Result, error) {
	if opts.VolumeSize == "" {
		opts.VolumeSize = DefaultVolumeSize
	}
	if opts.Expose == "" {
		opts.Expose = config.ExposeClusterIP
	}
	if opts.LookupTimeout <= 0 {
		opts.LookupTimeout = DefaultLookupTimeout
	}
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	cp, po, err := load(ctx, opts)
	if err != nil {
		return nil, err
	}
	ix := &index{}
	var displays []string
	for i, path := range po.ConfigPaths {
		abs, err := filepath.Abs(path)
		if err != nil {
			return nil, err
		}
		display := path
		if len(opts.Files) == 0 || i >= len(opts.Files) {
			display = displayPath(opts.Dir, abs)
		}
		displays = append(displays, display)
		ix.add(display, abs)
	}
	outDir, err := filepath.Abs(opts.OutputDir)
	if err != nil {
		return nil, err
	}
	c := newConverter(opts, cp, ix, outDir)
	c.lookupImages(ctx)
	p := c.convert()
	if len(p.Services) == 0 {
		return nil, fmt.Errorf("the compose project has no service berth can run: %s", c.reasons())
	}
	data, err := encode(p, c.comments, header(p.Name, displays))
	if err != nil {
		return nil, err
	}
	return &Result{YAML: data, Project: p, Warnings: c.sortedWarnings(displays), ComposeFiles: displays}, nil
}

// load loads the compose project as docker compose would.
func load(ctx context.Context, opts Options) (*types.Project, *cli.ProjectOptions, error) {
	fns := []cli.ProjectOptionsFn{cli.WithEnv(opts.Environ)}
	if len(opts.Files) == 0 {
		fns = append(fns, cli.WithWorkingDirectory(opts.Dir), cli.WithConfigFileEnv, cli.WithDefaultConfigPath)
	}
	fns = append(fns, cli.WithEnvFiles(opts.EnvFiles...), cli.WithDotEnv, cli.WithDefaultProfiles(opts.Profiles...))
	po, err := cli.NewProjectOptions(opts.Files, fns...)
	if err != nil {
		return nil, nil, fmt.Errorf("reading the compose environment: %w", err)
	}
	if len(po.ConfigPaths) == 0 {
		return nil, nil, ErrNoComposeFile
	}
	cp, err := po.LoadProject(ctx)
	if err != nil {
		if errors.Is(err, errdefs.ErrNotFound) && len(opts.Files) == 0 {
			return nil, nil, ErrNoComposeFile
		}
		return nil, nil, fmt.Errorf("loading the compose project: %w", err)
	}
	return cp, po, nil
}

// displayPath names a discovered file relative to dir, as given.
func displayPath(dir, abs string) string {
	base, err := filepath.Abs(dir)
	if err != nil {
		return abs
	}
	rel, err := filepath.Rel(base, abs)
	if err != nil {
		return abs
	}
	return filepath.Join(dir, rel)
}
