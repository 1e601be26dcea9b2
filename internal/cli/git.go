package cli

import (
	"context"

	"github.com/berth-dev/berth/internal/gitinfo"
)

// gitCommit is gitinfo.Commit for callers that have no context at hand yet.
// New code calls gitinfo.Commit(ctx, dir) directly.
func gitCommit(dir string) string {
	return gitinfo.Commit(context.TODO(), dir)
}

// gitSubject is gitinfo.Subject for callers that have no context at hand
// yet. New code calls gitinfo.Subject(ctx, dir) directly.
func gitSubject(dir string) string {
	return gitinfo.Subject(context.TODO(), dir)
}
