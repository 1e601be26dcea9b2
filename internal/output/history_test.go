package output_test

import (
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/kube"
	"github.com/berth-dev/berth/internal/output"
	"github.com/berth-dev/berth/internal/release"
	"github.com/berth-dev/berth/internal/rollout"
)

// at is a time on 2026-11-23 in local time, as berth history shows it.
func at(hour, min, sec int) time.Time { return time.Date(2026, 11, 23, hour, min, sec, 0, time.Local) }

func TestHistoryTable(t *testing.T) {
	t.Parallel()
	entries := []rollout.Entry{
		{Revision: 1, Updated: at(9, 0, 0), Status: "superseded", Cause: "deploy v1", Description: "first revision",
			Images: map[string]string{"web": "registry.example/web:v1", "api": "registry.example/api@sha256:" + strings.Repeat("ab", 32)}},
		{Revision: 2, Updated: at(10, 4, 5), Status: rollout.StatusRolledBack,
			Cause:       "a cause that goes on\nover several lines   and is longer than sixty runes, the table's width",
			Description: "web: image v1 → v2; api: 2 → 3 replicas; a description longer than seventy runes is cut",
			Images:      map[string]string{"web": "registry.example/web:v2"}},
		{Revision: 3, Status: "failed"},
	}
	var b strings.Builder
	if err := output.HistoryTable(&b, entries, at(10, 7, 5)); err != nil {
		t.Fatal(err)
	}
	golden(t, "history-table", b.String())
}

func TestRevision(t *testing.T) {
	t.Parallel()
	full := &rollout.Detail{
		Entry: rollout.Entry{Revision: 3, Updated: at(10, 4, 5), Status: "deployed", Cause: "fix the login page (1a2b3c4)",
			Description: "web: image v1 → v2", User: "ana", BerthVersion: "v0.9.0", Commit: "1a2b3c4d5e6f",
			Scaled: map[string]release.Scale{"web": {Replicas: 5, Config: 2}},
			Images: map[string]string{"web": "registry.example/web:v2", "api": "registry.example/api:v1"}},
		Values:  map[string]any{"services": map[string]any{"web": map[string]any{"replicas": 2}}, "secrets": map[string]any{"db": map[string]any{"data": map[string]any{"password": rollout.Redacted}}}},
		Against: 2,
		Diff:    []kube.Diff{{Unified: "--- revision-2/deployment.apps/web\n+++ revision-3/deployment.apps/web\n@@ -1 +1 @@\n-image: v1\n+image: v2\n"}},
	}
	for _, tc := range []struct {
		name string
		d    *rollout.Detail
	}{
		{"revision-full", full},
		{"revision-no-changes", &rollout.Detail{Entry: rollout.Entry{Revision: 2, Status: "superseded", Cause: "c", Description: "d", User: "ana"}, Values: map[string]any{}, Against: 1}},
		{"revision-no-diff", &rollout.Detail{Entry: rollout.Entry{Revision: 1, Updated: at(9, 0, 0), Status: "superseded", Images: map[string]string{"web": "nginx"}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var b strings.Builder
			if err := output.Revision(&b, "shop", "shop-prod", tc.d, at(10, 7, 5)); err != nil {
				t.Fatal(err)
			}
			golden(t, tc.name, b.String())
		})
	}
}
