package progress

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/fluxcd/cli-utils/pkg/kstatus/status"
	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/berth-dev/berth/internal/build"
	"github.com/berth-dev/berth/internal/kube"
)

// TestEvents writes one event of each kind the printer makes itself and
// compares the lines: the header first (v, time, type), then the payload.
func TestEvents(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	e := NewEvents(&buf, func() time.Time { return t0 })
	ref := kube.Ref{Group: "apps", Version: "v1", Kind: "Deployment", Namespace: "ns", Name: "web"}
	e.Stage("build")
	e.Started("web")
	e.Log("web", "building")
	e.Finished("web", &build.Result{Service: "web", Image: "r/web:t@sha256:ab", Tag: "t", Digest: "sha256:ab", Builder: "berth", Pushed: true}, nil)
	e.Finished("api", nil, errors.New("no Dockerfile"))
	e.Applied(kube.Result{Ref: ref, Action: kube.Created})
	e.Update(web(status.InProgressStatus, 1, "Available: 1/2"))
	e.Done()
	w := e.Writer()
	fmt.Fprint(w, "warning: api has no build\nnote: kept\n\n\x1b[32mdeployed\x1b[0m shop")
	w.Flush()
	want := []string{
		`{"v":1,"time":"2026-01-02T03:04:05Z","type":"stage","name":"build"}`,
		`{"v":1,"time":"2026-01-02T03:04:05Z","type":"build.started","service":"web"}`,
		`{"v":1,"time":"2026-01-02T03:04:05Z","type":"build.log","service":"web","message":"building"}`,
		`{"v":1,"time":"2026-01-02T03:04:05Z","type":"build.finished","service":"web","image":"r/web:t@sha256:ab","tag":"t","digest":"sha256:ab","builder":"berth","upToDate":false,"pushed":true,"layersWritten":0,"layersCached":0}`,
		`{"v":1,"time":"2026-01-02T03:04:05Z","type":"build.finished","service":"api","image":"","tag":"","digest":"","builder":"","upToDate":false,"pushed":false,"layersWritten":0,"layersCached":0,"error":"no Dockerfile"}`,
		`{"v":1,"time":"2026-01-02T03:04:05Z","type":"apply","object":{"group":"apps","version":"v1","kind":"Deployment","namespace":"ns","name":"web"},"result":"created"}`,
		`{"v":1,"time":"2026-01-02T03:04:05Z","type":"workload","object":{"group":"apps","version":"v1","kind":"Deployment","namespace":"ns","name":"web"},"status":"InProgress","ready":1,"desired":2,"message":"Available: 1/2"}`,
		`{"v":1,"time":"2026-01-02T03:04:05Z","type":"warning","message":"api has no build"}`,
		`{"v":1,"time":"2026-01-02T03:04:05Z","type":"note","message":"kept"}`,
		`{"v":1,"time":"2026-01-02T03:04:05Z","type":"log","message":"deployed shop"}`,
	}
	got := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	for _, l := range got {
		var v map[string]any
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Errorf("not JSON: %s: %v", l, err)
		}
	}
}

// TestEventsPush: uploads report the start, each tenth once, and the end.
func TestEventsPush(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	e := NewEvents(&buf, func() time.Time { return t0 })
	for _, done := range []int64{0, 5, 10, 12, 50, 50, 99, 100, 100} {
		e.Push("web", v1.Update{Total: 100, Complete: done})
	}
	e.Push("web", v1.Update{Total: 0})
	var got []int64
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var p struct {
			Type     string
			Complete int64
		}
		if err := json.Unmarshal([]byte(l), &p); err != nil || p.Type != EventPush {
			t.Fatalf("%s: %v", l, err)
		}
		got = append(got, p.Complete)
	}
	if diff := cmp.Diff([]int64{0, 10, 50, 99, 100}, got); diff != "" {
		t.Errorf("pushed bytes reported (-want +got):\n%s", diff)
	}
}
