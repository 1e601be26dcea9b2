package compose

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/berth-dev/berth/internal/config"
)

// Files of the project that a service bind-mounts reach the cluster only
// as configFiles (read-only copies in a ConfigMap); anything else a bind
// mount held is not there, and a probe must not need it.

// bindMount is a bind mount of a service as written in compose.
type bindMount struct {
	source, target string // as in messages: source relative to berth.yaml
	// inImage: the service's Dockerfile copies the same files to target.
	inImage bool
}

func (b bindMount) String() string { return b.source + ":" + b.target }

// maxDirFiles is how many files of a bind-mounted directory berth
// carries as configFiles; maxDirDepth how deep it looks.
const (
	maxDirFiles = 32
	maxDirDepth = 4
)

// credentialFile matches file names that hold credentials: berth does
// not copy a directory of them into a ConfigMap, which anyone who may
// read ConfigMaps can read.
var credentialFile = regexp.MustCompile(`(?i)(passw|secret|token|credential|private|id_rsa|id_ed25519|\.pem$|\.key$|\.p12$|\.pfx$|\.env$)`)

// inProject reports a path inside the compose project's directory.
func (c *converter) inProject(p string) bool {
	rel, err := filepath.Rel(c.cp.WorkingDir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// within reports whether p is dir or inside it.
func within(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// bindDir carries the files of a small directory of the project as
// configFiles at the same paths under target, or reports why not.
func (c *converter) bindDir(name string, v types.ServiceVolumeConfig, target string, at pos, out *config.Service) {
	sp := "services." + name + ".volumes"
	src := c.rel(v.Source)
	why, files, hidden := c.dirFiles(v.Source, out)
	if why != "" {
		c.warn(at, sp, "bind mount of directory %s at %s is not translated (%s): bake it into the image (COPY in the Dockerfile), mount its files with configFiles: {%s/FILE: %s/FILE}, or keep the data in a named volume", src, target, why, target, src)
		return
	}
	if out.ConfigFiles == nil {
		out.ConfigFiles = map[string]string{}
	}
	exec := false
	for _, f := range files {
		out.ConfigFiles[path.Join(target, f.rel)] = path.Join(src, f.rel)
		exec = exec || f.mode&0o111 != 0
	}
	note := ""
	if exec {
		note += "; files are not executable there (a probe that runs one runs it with its #! interpreter)"
	}
	if hidden {
		note += "; hidden files are left out"
	}
	count := "1 file"
	if len(files) > 1 {
		count = fmt.Sprintf("%d files", len(files))
	}
	c.warn(at, sp, "bind mount of directory %s at %s became configFiles (%s): read-only copies in a ConfigMap, mounted one by one over the image's directory, not a live mount; changes roll the pods on the next deploy%s", src, target, count, note)
}

type dirFile struct {
	rel  string // slash-separated, relative to the directory
	mode fs.FileMode
}

// dirFiles lists the files of a directory berth can carry, or says why
// it cannot: source code of a build context (the image has it), the
// project itself, too many or too large files, anything but regular
// files, file names that clash or look like credentials.
func (c *converter) dirFiles(dir string, out *config.Service) (why string, files []dirFile, hidden bool) {
	for _, s := range c.cp.Services {
		if b := s.Build; b != nil && !isRemote(b.Context) && (within(dir, b.Context) || within(b.Context, dir)) {
			return "it is source code in a build context, mounted for editing it live", nil, false
		}
	}
	for _, f := range c.ix.files {
		if within(f.abs, dir) {
			return "it holds the compose file", nil, false
		}
	}
	size := int64(0)
	names := map[string]string{}
	for mp, src := range out.ConfigFiles {
		names[path.Base(mp)] = mp
		if fi, err := os.Stat(filepath.Join(c.outDir, filepath.FromSlash(src))); err == nil {
			size += fi.Size()
		}
	}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if rel == "." {
			return nil
		}
		if strings.HasPrefix(d.Name(), ".") {
			hidden = true
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if strings.Count(rel, "/") >= maxDirDepth-1 {
				return fmt.Errorf("it is more than %d directories deep", maxDirDepth)
			}
			return nil
		}
		fi, err := d.Info()
		switch {
		case err != nil:
			return err
		case !fi.Mode().IsRegular():
			return fmt.Errorf("%s is not a regular file", rel)
		case credentialFile.MatchString(d.Name()):
			return fmt.Errorf("%s looks like a credential, and a ConfigMap is readable by whoever may read ConfigMaps", rel)
		case names[d.Name()] != "":
			return fmt.Errorf("%s has the same file name as %s, and a ConfigMap holds each name once", rel, names[d.Name()])
		}
		names[d.Name()] = rel
		size += fi.Size()
		files = append(files, dirFile{rel: rel, mode: fi.Mode()})
		switch {
		case len(files) > maxDirFiles:
			return fmt.Errorf("more than %d files", maxDirFiles)
		case size > maxConfigFile:
			return fmt.Errorf("more than 1 MiB with the service's other configFiles, which one ConfigMap holds")
		}
		return nil
	})
	switch {
	case err != nil:
		return err.Error(), nil, false
	case len(files) == 0:
		return "it is empty", nil, false
	}
	return "", files, hidden
}

// absPath finds absolute paths in a command line: after its start, a
// space, a quote, = or a shell separator (not after a colon: URLs).
var absPath = regexp.MustCompile(`(?:^|[\s='"(;&|])(/[^\s'"();&|<>` + "`" + `$]+)`)

// shells are programs that run a command line given with -c.
var shells = []string{"sh", "bash", "ash", "dash", "zsh", "/bin/sh", "/bin/bash", "/bin/ash", "/bin/dash", "/usr/bin/bash", "/usr/bin/env sh"}

// shellOps are the words after which a shell expects a command.
var shellOps = []string{";", "&&", "||", "|", "!", "then", "do", "else", "exec", "time"}

// probeFiles checks a probe's command against the files the import
// carried: it returns "" and the command to write, or why the probe
// cannot run. A file under a bind mount must be one of configFiles;
// one that is executed (a ConfigMap's files are not executable) is
// run with its #! interpreter, and note says so.
func (c *converter) probeFiles(name string, cmd []string, out *config.Service) (fixed []string, note, why string) {
	shell := len(cmd) == 3 && slices.Contains(shells, cmd[0]) && cmd[1] == "-c"
	var paths []string
	for _, arg := range cmd {
		for _, m := range absPath.FindAllStringSubmatch(arg, -1) {
			paths = append(paths, path.Clean(m[1]))
		}
	}
	fixed = slices.Clone(cmd)
	for _, p := range slices.Compact(paths) {
		var covering *bindMount
		for _, b := range c.binds[name] {
			if p == b.target || strings.HasPrefix(p, strings.TrimSuffix(b.target, "/")+"/") {
				covering = &b
			}
		}
		if covering == nil || covering.inImage {
			continue // a file of the image
		}
		src, carried := out.ConfigFiles[p]
		if !carried {
			return nil, "", fmt.Sprintf("it needs %s from the bind mount %s, which berth does not carry (see services.%s.volumes)", p, covering, name)
		}
		interp := strings.Join(interpreter(filepath.Join(c.outDir, filepath.FromSlash(src))), " ")
		switch {
		case !shell && fixed[0] == p:
			fixed = append(strings.Fields(interp), fixed...)
		case shell:
			words := strings.Fields(fixed[2])
			for i, w := range words {
				if w == p && (i == 0 || slices.Contains(shellOps, words[i-1]) || strings.HasSuffix(words[i-1], ";")) {
					words[i] = interp + " " + p
					fixed[2] = strings.Join(words, " ")
					break
				}
			}
		}
		if strings.Join(fixed, " ") != strings.Join(cmd, " ") && note == "" {
			note = fmt.Sprintf("the test runs %s, which berth carries in a ConfigMap, where files are not executable: the probe runs it with %s", p, interp)
		}
	}
	return fixed, note, ""
}

// interpreter is the #! line of a script as a command, sh without one
// (as a shell runs a script without it).
func interpreter(file string) []string {
	f, err := os.Open(file)
	if err != nil {
		return []string{"sh"}
	}
	defer f.Close()
	buf := make([]byte, 256)
	n, _ := f.Read(buf)
	line, _, _ := strings.Cut(string(buf[:n]), "\n")
	if rest, ok := strings.CutPrefix(line, "#!"); ok {
		if words := strings.Fields(rest); len(words) > 0 {
			return words
		}
	}
	return []string{"sh"}
}

// copied is a source of a COPY or ADD from the build context: where the
// context's src (slash-separated, clean) goes in the image.
type copied struct {
	src, dest string
}

// contextCopies lists the COPY and ADD sources of the build context,
// with their destinations made absolute by WORKDIR. Sources and
// destinations with variables or wildcards are left out: the image
// may have them, but berth cannot tell.
func contextCopies(commands []instructions.Command) []copied {
	var out []copied
	workdir := "/"
	for _, cmd := range commands {
		var sd instructions.SourcesAndDest
		switch cmd := cmd.(type) {
		case *instructions.WorkdirCommand:
			if strings.Contains(cmd.Path, "$") {
				workdir = ""
			} else if workdir != "" {
				workdir = path.Join(workdir, cmd.Path)
			}
			continue
		case *instructions.CopyCommand:
			if cmd.From != "" || cmd.Parents {
				continue
			}
			sd = cmd.SourcesAndDest
		case *instructions.AddCommand:
			sd = cmd.SourcesAndDest
		default:
			continue
		}
		dest := sd.DestPath
		if strings.ContainsAny(dest, "$") || !path.IsAbs(dest) && workdir == "" {
			continue
		}
		if !path.IsAbs(dest) {
			dest = path.Join(workdir, dest)
		}
		for _, src := range sd.SourcePaths {
			if strings.ContainsAny(src, "$*?[") || strings.Contains(src, "://") {
				continue
			}
			out = append(out, copied{src: path.Clean("/" + src)[1:], dest: path.Clean(dest)})
		}
	}
	return out
}

// imageHas reports whether the service's image, built from its
// Dockerfile, holds the bind mount's source directory at target: the
// usual mount of source code over the place the Dockerfile copies it to,
// for editing it live.
func (c *converter) imageHas(name, source, target string) (string, bool) {
	s := c.cp.Services[name]
	if s.Build == nil {
		return "", false
	}
	d := c.dockerfileOf(name, s)
	if d == nil || !within(source, s.Build.Context) {
		return "", false
	}
	rel, err := filepath.Rel(s.Build.Context, source)
	if err != nil {
		return "", false
	}
	rel = filepath.ToSlash(rel)
	for _, cp := range d.copies {
		if cp.src != "" && cp.src != rel && !strings.HasPrefix(rel, cp.src+"/") {
			continue
		}
		under := strings.TrimPrefix(strings.TrimPrefix(rel, cp.src), "/")
		if cp.src == "" {
			under = rel
		}
		if path.Join(cp.dest, under) == target {
			return d.display, true
		}
	}
	return "", false
}
