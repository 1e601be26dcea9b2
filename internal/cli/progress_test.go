package cli

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/output"
)

// event is a --progress=json event, with the fields the tests look at.
type event struct {
	V        int    `json:"v"`
	Time     string `json:"time"`
	Type     string `json:"type"`
	Name     string `json:"name"`
	Result   string `json:"result"`
	Command  string `json:"command"`
	Revision int    `json:"revision"`
	Status   string `json:"status"`
	// RolledBack is set on finished events after --atomic.
	RolledBack int `json:"rolledBack"`
	ExitCode   int `json:"exitCode"`
	Findings   []struct {
		Reason string `json:"reason"`
	} `json:"findings"`
}

// events parses stderr of --progress=json: every line must be a v1 event.
func events(t *testing.T, stderr string) []event {
	t.Helper()
	var out []event
	for _, line := range strings.Split(strings.TrimSuffix(stderr, "\n"), "\n") {
		var ev event
		if err := json.Unmarshal([]byte(line), &ev); err != nil || ev.V != 1 || ev.Time == "" || ev.Type == "" {
			t.Fatalf("stderr line is not a v1 event: %q (%v)\n%s", line, err, stderr)
		}
		out = append(out, ev)
	}
	return out
}

func ofType(evs []event, typ string) []event {
	var out []event
	for _, e := range evs {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

// TestDeployProgressJSON deploys, fails a deploy with --atomic, scales and
// undoes with --progress=json on the sandbox: stderr is nothing but
// events, with the stages, applied objects, workload progress, the
// diagnosis, how each command finished (with its revision) and the final
// error; -o json prints the versioned result on stdout.
func TestDeployProgressJSON(t *testing.T) {
	t.Parallel()
	_, _, flags := onCluster(t)
	good := writeConfig(t, lifecycle("one", false))
	stdout, stderr, code := run(t, nil, append([]string{"deploy", "-f", good, "--progress=json", "-o", "json", "--timeout", "1m"}, flags...)...)
	if code != 0 {
		t.Fatalf("deploy: exit %d\n%s", code, stderr)
	}
	var res output.DeployResult
	if err := json.Unmarshal([]byte(stdout), &res); err != nil || res.APIVersion != "berth/v1" || res.Kind != "DeployResult" || res.Revision != 1 || res.Status != "healthy" || len(res.Objects) == 0 {
		t.Fatalf("deploy -o json: %v\n%s", err, stdout)
	}
	evs := events(t, stderr)
	var stages []string
	for _, e := range ofType(evs, "stage") {
		stages = append(stages, e.Name)
	}
	if !slices.Equal(stages, []string{"preflight", "apply", "wait"}) {
		t.Errorf("stages %v, want preflight, apply, wait", stages)
	}
	applied := ofType(evs, "apply")
	if len(applied) != len(res.Objects) || applied[0].Result != "created" {
		t.Errorf("apply events %+v for %d objects", applied, len(res.Objects))
	}
	if ws := ofType(evs, "workload"); len(ws) == 0 || ws[len(ws)-1].Status != "Current" {
		t.Errorf("workload events %+v", ws)
	}
	if fin := ofType(evs, "finished"); len(fin) != 1 || fin[0].Command != "deploy" || fin[0].Revision != 1 || fin[0].Status != "healthy" {
		t.Errorf("finished events %+v", fin)
	}
	if errs := ofType(evs, "error"); len(errs) != 0 {
		t.Errorf("error events after a good deploy: %+v", errs)
	}

	// Pods that fit on no node: diagnosed, rolled back, exit 3.
	bad := writeConfig(t, strings.Replace(lifecycle("two", false), "    env: {MODE: two}\n", "    env: {MODE: two}\n    resources: {requests: {cpu: \"1000\"}}\n", 1))
	_, stderr, code = run(t, nil, append([]string{"deploy", "-f", bad, "--atomic", "--timeout", "1m", "--progress=json"}, flags...)...)
	if code != ExitUnhealthy {
		t.Fatalf("bad deploy: exit %d, want %d\n%s", code, ExitUnhealthy, stderr)
	}
	evs = events(t, stderr)
	diag := ofType(evs, "diagnosis")
	if len(diag) == 0 || len(diag[0].Findings) == 0 || diag[0].Findings[0].Reason != "Unschedulable" {
		t.Errorf("diagnosis events %+v\n%s", diag, stderr)
	}
	if !slices.ContainsFunc(ofType(evs, "stage"), func(e event) bool { return e.Name == "rollback" }) {
		t.Errorf("no rollback stage:\n%s", stderr)
	}
	if fin := ofType(evs, "finished"); len(fin) != 1 || fin[0].Revision != 2 || fin[0].Status != "failed" || fin[0].RolledBack != 1 {
		t.Errorf("finished events %+v\n%s", fin, stderr)
	}
	if errs := ofType(evs, "error"); len(errs) != 1 || errs[0].ExitCode != ExitUnhealthy || evs[len(evs)-1].Type != "error" {
		t.Errorf("want one error event last, with exit code 3:\n%s", stderr)
	}

	stdout, stderr, code = run(t, nil, append([]string{"scale", "web=3", "-f", good, "--progress=json", "--timeout", "1m", "-o", "yaml"}, flags...)...)
	if !strings.Contains(stdout, "apiVersion: berth/v1\n") || !strings.Contains(stdout, "kind: ScaleResult\n") || !strings.Contains(stdout, "revision: 4\n") {
		t.Errorf("scale -o yaml:\n%s", stdout)
	}
	evs = events(t, stderr)
	if fin := ofType(evs, "finished"); code != 0 || len(fin) != 1 || fin[0].Command != "scale" || fin[0].Revision != 4 || fin[0].Status != "healthy" {
		t.Errorf("scale: exit %d, finished %+v\n%s", code, fin, stderr)
	}
	if a := ofType(evs, "apply"); len(a) != 1 || a[0].Result != "scaled" {
		t.Errorf("scale apply events %+v", a)
	}

	_, stderr, code = run(t, nil, append([]string{"undo", "-f", good, "--progress=json", "--timeout", "1m"}, flags...)...)
	if fin := ofType(events(t, stderr), "finished"); code != 0 || len(fin) != 1 || fin[0].Command != "undo" || fin[0].Revision != 5 {
		t.Errorf("undo: exit %d, finished %+v\n%s", code, fin, stderr)
	}
}

// TestDeployGitHubGroups: in GitHub Actions each stage of a deploy is a
// log group, and the error is outside every group, annotated.
func TestDeployGitHubGroups(t *testing.T) {
	t.Parallel()
	_, _, flags := onCluster(t)
	gh := map[string]string{"GITHUB_ACTIONS": "true", "CI": "true"}
	_, stderr, code := run(t, gh, append([]string{"deploy", "-f", writeConfig(t, lifecycle("one", false)), "--timeout", "1m"}, flags...)...)
	if code != 0 {
		t.Fatalf("deploy: exit %d\n%s", code, stderr)
	}
	var groups []string
	depth := 0
	for _, l := range strings.Split(stderr, "\n") {
		switch {
		case strings.HasPrefix(l, "::group::"):
			groups = append(groups, strings.TrimPrefix(l, "::group::"))
			depth++
		case l == "::endgroup::":
			depth--
		}
		if depth < 0 || depth > 1 {
			t.Fatalf("groups nest or end twice:\n%s", stderr)
		}
	}
	if !slices.Equal(groups, []string{"preflight", "apply", "wait"}) || depth != 0 {
		t.Errorf("groups %v (open at the end: %d):\n%s", groups, depth, stderr)
	}
	bad := writeConfig(t, "apiVersion: berth/v1\nname: shop\nservices:\n  big:\n    image: nginx:1.27\n    resources: {requests: {cpu: \"1000\"}}\n")
	_, stderr, code = run(t, gh, append([]string{"deploy", "-f", bad, "--timeout", "1m"}, flags...)...)
	if code != ExitUnhealthy || !strings.Contains(stderr, "::endgroup::\nerror: revision") || !strings.Contains(stderr, "\n::error::revision ") {
		t.Errorf("failed deploy: exit %d\n%s", code, stderr)
	}
}
