package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/output"
)

func TestAnnotations(t *testing.T) {
	t.Parallel()
	env := map[string]string{"GITHUB_WORKSPACE": "/home/runner/work/app"}
	f := &Factory{LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }}
	cerrs := config.Errors{
		{File: "/home/runner/work/app/deploy/berth.yaml", Pos: config.Pos{Line: 6, Col: 5}, Path: "services.web.replica", Msg: `unknown field "replica"`, Hint: `did you mean "replicas"?`},
		{File: "/elsewhere/a,b.yaml", Msg: "100% wrong"},
	}
	got := f.progressOut().Annotations(fmt.Errorf("loading: %w", cerrs))
	want := []string{
		`::error file=deploy/berth.yaml,line=6,col=5::services.web.replica: unknown field "replica"%0Ahint: did you mean "replicas"?`,
		`::error file=/elsewhere/a%2Cb.yaml::100%25 wrong`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("annotations (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"::error::deploy failed%0Asee above"}, f.progressOut().Annotations(errors.New("deploy failed\nsee above"))); diff != "" {
		t.Errorf("plain error (-want +got):\n%s", diff)
	}
}

// TestVersioned: -o json results start with apiVersion and kind.
func TestVersioned(t *testing.T) {
	t.Parallel()
	data, err := json.Marshal(output.Versioned("ScaleResult", struct {
		Revision int `json:"revision"`
	}{3}))
	if err != nil || string(data) != `{"apiVersion":"berth/v1","kind":"ScaleResult","revision":3}` {
		t.Errorf("got %s, %v", data, err)
	}
	if _, err := json.Marshal(output.Versioned("X", []int{1})); err == nil {
		t.Error("a list marshalled as a versioned object")
	}
}

// TestProgressMode: auto is tty on a terminal without CI or --no-color,
// plain otherwise; an explicit mode wins; GitHub workflow commands are off
// with json.
func TestProgressMode(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		flag     string
		tty      bool
		noColor  bool
		env      map[string]string
		want     string
		github   bool
		wantLive bool
	}{
		{"terminal", ProgressAuto, true, false, nil, ProgressTTY, false, true},
		{"pipe", ProgressAuto, false, false, nil, ProgressPlain, false, false},
		{"CI", ProgressAuto, true, false, map[string]string{"CI": "true"}, ProgressPlain, false, false},
		{"CI=false", ProgressAuto, true, false, map[string]string{"CI": "false"}, ProgressTTY, false, true},
		{"no-color", ProgressAuto, true, true, nil, ProgressPlain, false, false},
		{"tty on a pipe", ProgressTTY, false, false, nil, ProgressTTY, false, true},
		{"plain on a terminal", ProgressPlain, true, false, nil, ProgressPlain, false, false},
		{"GitHub", ProgressAuto, false, false, map[string]string{"GITHUB_ACTIONS": "true", "CI": "true"}, ProgressPlain, true, false},
		{"GitHub json", ProgressJSON, false, false, map[string]string{"GITHUB_ACTIONS": "true"}, ProgressJSON, false, false},
	} {
		f := &Factory{Progress: tc.flag, stderrTTY: tc.tty, NoColor: tc.noColor, LookupEnv: func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok }}
		if got := f.progressOut().Mode(); got != tc.want || f.progressOut().GitHubActions() != tc.github || f.progressOut().Live() != tc.wantLive {
			t.Errorf("%s: mode %s github %v live %v, want %s %v %v", tc.name, got, f.progressOut().GitHubActions(), f.progressOut().Live(), tc.want, tc.github, tc.wantLive)
		}
	}
}
