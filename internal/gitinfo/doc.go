// Package gitinfo reads what berth records about a project's git work tree:
// the commit a release was deployed from, its subject line, and the
// "git-SHA" tag a clean tree's images get. Outside git, or when git is not
// installed, every answer is "".
package gitinfo
