package cli

import (
	"os/exec"
	"strings"
)

// gitCommit is the commit of dir's work tree, with "-dirty" when it has
// uncommitted changes; "" outside git.
func gitCommit(dir string) string {
	sha := git(dir, "rev-parse", "HEAD")
	if sha == "" {
		return ""
	}
	if git(dir, "status", "--porcelain", "--untracked-files=no") != "" {
		sha += "-dirty"
	}
	return sha
}

// gitSubject is "subject (short sha)" of dir's HEAD commit; "" outside git.
func gitSubject(dir string) string {
	return git(dir, "log", "-1", "--format=%s (%h)")
}

func git(dir string, args ...string) string {
	out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}
