package progress

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Annotation is a GitHub Actions workflow command that marks a problem
// (::error or ::warning), at a position in a file when it has one.
type Annotation struct {
	// Level is error or warning.
	Level string
	// File is relative to the workspace (see WorkspacePath); Line and Col
	// count from 1, 0 meaning none.
	File      string
	Line, Col int
	Message   string
}

// String is the workflow command: ::error file=F,line=L,col=C::message.
func (a Annotation) String() string {
	var props []string
	if a.File != "" {
		props = append(props, "file="+EscapeProperty(a.File))
	}
	if a.Line > 0 {
		props = append(props, fmt.Sprintf("line=%d", a.Line))
		if a.Col > 0 {
			props = append(props, fmt.Sprintf("col=%d", a.Col))
		}
	}
	cmd := "::" + a.Level
	if len(props) > 0 {
		cmd += " " + strings.Join(props, ",")
	}
	return cmd + "::" + EscapeData(a.Message)
}

// WorkspacePath makes an absolute path under the workspace
// (GITHUB_WORKSPACE) relative to it, as GitHub wants the file of an
// annotation; other paths stay as they are.
func WorkspacePath(workspace, file string) string {
	if workspace == "" || !filepath.IsAbs(file) {
		return file
	}
	if rel, err := filepath.Rel(workspace, file); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.ToSlash(rel)
	}
	return file
}

// EscapeData escapes the message of a workflow command as GitHub's
// toolkit does: %, CR and LF.
func EscapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// EscapeProperty escapes a property value of a workflow command: as
// EscapeData, and : and , too.
func EscapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
