package gitinfo

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
)

func TestWorkTree(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	ctx := t.Context()
	dir := t.TempDir()
	if got := Commit(ctx, dir) + Subject(ctx, dir) + Tag(ctx, dir); got != "" {
		t.Fatalf("outside git: %q, want \"\"", got)
	}
	gitIn := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	write := func(name, text string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	gitIn("init", "-q")
	write("a.txt", "one")
	gitIn("add", "a.txt")
	gitIn("commit", "-q", "-m", "first commit")

	sha := Commit(ctx, dir)
	if !regexp.MustCompile(`^[0-9a-f]{40}$`).MatchString(sha) {
		t.Errorf("Commit = %q, want a full sha", sha)
	}
	if got, want := Subject(ctx, dir), "first commit ("+sha[:7]+")"; got != want {
		t.Errorf("Subject = %q, want %q", got, want)
	}
	if got, want := Tag(ctx, dir), "git-"+sha[:7]; got != want {
		t.Errorf("Tag = %q, want %q", got, want)
	}

	// An untracked file leaves the commit clean but not the tag.
	write("b.txt", "new")
	if got := Commit(ctx, dir); got != sha {
		t.Errorf("Commit with an untracked file = %q, want %q", got, sha)
	}
	if got := Tag(ctx, dir); got != "" {
		t.Errorf("Tag with an untracked file = %q, want \"\"", got)
	}
	// A changed tracked file makes both dirty.
	write("a.txt", "two")
	if got := Commit(ctx, dir); got != sha+"-dirty" {
		t.Errorf("Commit with a change = %q, want %q", got, sha+"-dirty")
	}
}
