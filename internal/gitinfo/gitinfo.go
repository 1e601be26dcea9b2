package gitinfo

import (
	"context"
	"os/exec"
	"strings"
)

// Commit is the commit of dir's work tree, with "-dirty" when tracked files
// have uncommitted changes; "" outside git.
func Commit(ctx context.Context, dir string) string {
	sha := git(ctx, dir, "rev-parse", "HEAD")
	if sha == "" {
		return ""
	}
	if git(ctx, dir, "status", "--porcelain", "--untracked-files=no") != "" {
		sha += "-dirty"
	}
	return sha
}

// Subject is "subject (short sha)" of dir's HEAD commit; "" outside git.
func Subject(ctx context.Context, dir string) string {
	return git(ctx, dir, "log", "-1", "--format=%s (%h)")
}

// Tag is "git-SHORTSHA" when dir is in a git work tree and nothing under
// dir has changed since that commit (untracked files count), else "".
func Tag(ctx context.Context, dir string) string {
	out, err := exec.CommandContext(ctx, "git", "-C", dir, "status", "--porcelain", "--untracked-files=normal", ".").Output()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		return ""
	}
	sha := git(ctx, dir, "rev-parse", "--short=7", "HEAD")
	if sha == "" {
		return ""
	}
	return "git-" + sha
}

// git runs git in dir and returns its trimmed output; "" when it fails.
func git(ctx context.Context, dir string, args ...string) string {
	out, err := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...).Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}
