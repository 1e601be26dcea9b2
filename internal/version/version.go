// Package version holds berth's build information, stamped at link time:
//
//	go build -ldflags "-X github.com/berth-dev/berth/internal/version.Version=v1.2.3 \
//	  -X github.com/berth-dev/berth/internal/version.Commit=abc1234 \
//	  -X github.com/berth-dev/berth/internal/version.Date=2026-01-02T03:04:05Z"
//
// The variables are written only by the linker.
package version

import (
	"runtime"
	"runtime/debug"
)

// Stamped by -ldflags -X; see the package comment.
var (
	Version = "dev"
	Commit  = ""
	Date    = ""
)

// Info is berth's build information.
type Info struct {
	Version   string `json:"version"`
	Commit    string `json:"commit,omitempty"`
	Date      string `json:"date,omitempty"`
	GoVersion string `json:"goVersion"`
	Platform  string `json:"platform"`
}

// Get returns the build information, falling back to the module's VCS
// stamp for `go install` builds that carry no ldflags.
func Get() Info {
	info := Info{Version: Version, Commit: Commit, Date: Date, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if info.Version == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			info.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch {
			case s.Key == "vcs.revision" && info.Commit == "":
				info.Commit = s.Value
			case s.Key == "vcs.time" && info.Date == "":
				info.Date = s.Value
			}
		}
	}
	return info
}
