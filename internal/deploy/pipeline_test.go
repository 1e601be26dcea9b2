package deploy_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/kube"
)

// steps records what the fakes of a pipeline were asked, in order. The
// fakes stand in for the cluster-facing steps (checks, Helm installs,
// rollout), which the sandbox tests of internal/cli exercise for real.
type steps struct {
	mu  sync.Mutex
	log []string
	// images the preflight saw; deadline of its context.
	images   map[string]string
	deadline time.Time
	// chartsDone is when the charts' install returned; opts is what the
	// rollout got.
	chartsDone time.Time
	opts       deploy.Options
}

func (s *steps) add(step string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = append(s.log, step)
}

// fakePreflight records its call and fails with err.
type fakePreflight struct {
	s   *steps
	err error
	// cancel, when set, is called before returning (a SIGINT during the
	// checks).
	cancel context.CancelFunc
}

func (f fakePreflight) Check(ctx context.Context, p *config.Project, ns string, images map[string]string) error {
	f.s.add("preflight " + p.Name + " in " + ns)
	f.s.images = images
	f.s.deadline, _ = ctx.Deadline()
	if f.cancel != nil {
		f.cancel()
	}
	return f.err
}

// fakeCharts records its call, takes a while, and fails with err.
type fakeCharts struct {
	s      *steps
	err    error
	cancel context.CancelFunc
}

func (f fakeCharts) Install(ctx context.Context, charts map[string]*config.Chart, ns string) error {
	for name := range charts {
		f.s.add("chart " + name + " in " + ns)
	}
	time.Sleep(20 * time.Millisecond)
	f.s.chartsDone = time.Now()
	if f.cancel != nil {
		f.cancel()
	}
	return f.err
}

// fakeRollout records the options it got and returns a healthy revision 1.
type fakeRollout struct{ s *steps }

func (f fakeRollout) Deploy(ctx context.Context, o deploy.Options) (*deploy.Outcome, error) {
	f.s.add("rollout")
	f.s.opts = o
	return &deploy.Outcome{Revision: 1, Healthy: true}, nil
}

// stages is a Reporter that keeps the stages it hears.
type stages struct{ names []string }

func (r *stages) Stage(name string)   { r.names = append(r.names, name) }
func (r *stages) Applied(kube.Result) {}

func pipelineProject() *config.Project {
	return &config.Project{Name: "shop", Services: map[string]*config.Service{
		"web": {Build: &config.Build{Context: "."}},
		"db":  {Image: "postgres:16"},
		"api": {Image: "ghcr.io/shop/api:1"},
	}, Charts: map[string]*config.Chart{"cache": {Chart: "oci://registry.example.com/charts/valkey"}}}
}

func pipelineOptions(p *config.Project) deploy.Options {
	return deploy.Options{Project: p, Namespace: "prod", RollOptions: deploy.RollOptions{Timeout: time.Minute},
		Images: map[string]string{"web": "registry.example.com/web:abc", "api": "ghcr.io/shop/api:2"}}
}

// TestPipelineRunsInOrder: the checks see berth.yaml's images with the
// deploy's over them, the charts go next, then the rollout; the reporter
// hears the two stages before the rollout.
func TestPipelineRunsInOrder(t *testing.T) {
	t.Parallel()
	s := &steps{}
	rep := &stages{}
	pl := &deploy.Pipeline{Preflight: fakePreflight{s: s}, Charts: fakeCharts{s: s}, Rollout: fakeRollout{s}, Reporter: rep}
	out, err := pl.Run(t.Context(), pipelineOptions(pipelineProject()))
	if err != nil || out == nil || out.Revision != 1 {
		t.Fatalf("Run = %+v, %v", out, err)
	}
	if diff := cmp.Diff([]string{"preflight shop in prod", "chart cache in prod", "rollout"}, s.log); diff != "" {
		t.Errorf("steps (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"preflight", "charts"}, rep.names); diff != "" {
		t.Errorf("stages (-want +got):\n%s", diff)
	}
	want := map[string]string{"web": "registry.example.com/web:abc", "db": "postgres:16", "api": "ghcr.io/shop/api:2"}
	if diff := cmp.Diff(want, s.images); diff != "" {
		t.Errorf("images checked (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]string{"web": "registry.example.com/web:abc", "api": "ghcr.io/shop/api:2"}, s.opts.Images); diff != "" {
		t.Errorf("the rollout's images changed (-want +got):\n%s", diff)
	}
}

// TestPipelineDeadlines: the checks end at the timeout from the start;
// the charts keep their own time, and the rollout gets the whole timeout
// from when they are done.
func TestPipelineDeadlines(t *testing.T) {
	t.Parallel()
	s := &steps{}
	before := time.Now()
	pl := &deploy.Pipeline{Preflight: fakePreflight{s: s}, Charts: fakeCharts{s: s}, Rollout: fakeRollout{s}}
	if _, err := pl.Run(t.Context(), pipelineOptions(pipelineProject())); err != nil {
		t.Fatal(err)
	}
	if s.deadline.Before(before.Add(time.Minute)) || s.deadline.After(s.chartsDone.Add(time.Minute)) {
		t.Errorf("the checks' deadline %v is not a minute from the start (%v)", s.deadline, before)
	}
	if s.opts.Deadline.Before(s.chartsDone.Add(time.Minute)) {
		t.Errorf("rollout deadline %v is less than a minute after the charts (%v)", s.opts.Deadline, s.chartsDone)
	}

	// Without charts the rollout keeps the deadline the checks had.
	s = &steps{}
	pl = &deploy.Pipeline{Preflight: fakePreflight{s: s}, Rollout: fakeRollout{s}}
	if _, err := pl.Run(t.Context(), pipelineOptions(pipelineProject())); err != nil {
		t.Fatal(err)
	}
	if !s.opts.Deadline.Equal(s.deadline) {
		t.Errorf("rollout deadline %v, want the checks' %v", s.opts.Deadline, s.deadline)
	}
}

// TestPipelineSkips: a nil Preflight, nil Charts and nil Reporter are
// skipped quietly; a dry run and a project without charts install none.
func TestPipelineSkips(t *testing.T) {
	t.Parallel()
	noCharts := pipelineProject()
	noCharts.Charts = nil
	dryRun := pipelineOptions(pipelineProject())
	dryRun.DryRun = kube.DryRunServer
	for _, tc := range []struct {
		name string
		pl   func(*steps) *deploy.Pipeline
		o    deploy.Options
		want []string
	}{
		{"rollout only", func(s *steps) *deploy.Pipeline { return &deploy.Pipeline{Rollout: fakeRollout{s}} }, pipelineOptions(pipelineProject()), []string{"rollout"}},
		{"dry run", func(s *steps) *deploy.Pipeline {
			return &deploy.Pipeline{Preflight: fakePreflight{s: s}, Charts: fakeCharts{s: s}, Rollout: fakeRollout{s}}
		}, dryRun, []string{"preflight shop in prod", "rollout"}},
		{"no charts", func(s *steps) *deploy.Pipeline {
			return &deploy.Pipeline{Charts: fakeCharts{s: s}, Rollout: fakeRollout{s}}
		}, pipelineOptions(noCharts), []string{"rollout"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := &steps{}
			if _, err := tc.pl(s).Run(t.Context(), tc.o); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, s.log); diff != "" {
				t.Errorf("steps (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := (&deploy.Pipeline{}).Run(t.Context(), pipelineOptions(pipelineProject())); err == nil {
		t.Error("a pipeline without a Rollout ran")
	}
}

// TestPipelineFails: an error of the checks or the charts stops the
// deploy there, as it is, with no outcome.
func TestPipelineFails(t *testing.T) {
	t.Parallel()
	refused := errors.New("preflight checks failed; nothing was applied")
	s := &steps{}
	pl := &deploy.Pipeline{Preflight: fakePreflight{s: s, err: refused}, Charts: fakeCharts{s: s}, Rollout: fakeRollout{s}}
	if out, err := pl.Run(t.Context(), pipelineOptions(pipelineProject())); err != refused || out != nil {
		t.Errorf("preflight failed: Run = %+v, %v; want no outcome and %v", out, err, refused)
	}
	if diff := cmp.Diff([]string{"preflight shop in prod"}, s.log); diff != "" {
		t.Errorf("steps (-want +got):\n%s", diff)
	}

	broken := errors.New("chart cache (oci://registry.example.com/charts/valkey): fetching the chart: not found")
	s = &steps{}
	pl = &deploy.Pipeline{Preflight: fakePreflight{s: s}, Charts: fakeCharts{s: s, err: broken}, Rollout: fakeRollout{s}}
	if out, err := pl.Run(t.Context(), pipelineOptions(pipelineProject())); !errors.Is(err, broken) || out != nil {
		t.Errorf("charts failed: Run = %+v, %v; want no outcome and %v", out, err, broken)
	}
	if diff := cmp.Diff([]string{"preflight shop in prod", "chart cache in prod"}, s.log); diff != "" {
		t.Errorf("steps (-want +got):\n%s", diff)
	}
}

// TestPipelineInterrupted: SIGINT (the context cancelled) during the
// checks or the charts is a StoppedError that says what was left and
// how to go on; nothing after it runs.
func TestPipelineInterrupted(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		stage       string
		pl          func(*steps, context.CancelFunc) *deploy.Pipeline
		error, hint string
		steps       []string
	}{
		{
			"preflight",
			func(s *steps, cancel context.CancelFunc) *deploy.Pipeline {
				return &deploy.Pipeline{Preflight: fakePreflight{s: s, err: context.Canceled, cancel: cancel}, Charts: fakeCharts{s: s}, Rollout: fakeRollout{s}}
			},
			"interrupted while checking the cluster (berth preflight): nothing was applied",
			"shop on the cluster is as it was; run the command again",
			[]string{"preflight shop in prod"},
		},
		{
			// A check that cannot reach the cluster is only a warning:
			// the checks pass, but the interrupt still ends the deploy there.
			"preflight passed",
			func(s *steps, cancel context.CancelFunc) *deploy.Pipeline {
				return &deploy.Pipeline{Preflight: fakePreflight{s: s, cancel: cancel}, Charts: fakeCharts{s: s}, Rollout: fakeRollout{s}}
			},
			"interrupted while checking the cluster (berth preflight): nothing was applied",
			"shop on the cluster is as it was; run the command again",
			[]string{"preflight shop in prod"},
		},
		{
			"charts",
			func(s *steps, cancel context.CancelFunc) *deploy.Pipeline {
				return &deploy.Pipeline{Preflight: fakePreflight{s: s}, Charts: fakeCharts{s: s, err: context.Canceled, cancel: cancel}, Rollout: fakeRollout{s}}
			},
			"interrupted while installing the charts: the services were not deployed",
			"a chart may be partly installed or upgraded (helm list -n prod shows them); run the command again",
			[]string{"preflight shop in prod", "chart cache in prod"},
		},
	} {
		t.Run(tc.stage, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			s := &steps{}
			out, err := tc.pl(s, cancel).Run(ctx, pipelineOptions(pipelineProject()))
			var stopped *deploy.StoppedError
			if !errors.As(err, &stopped) || out != nil {
				t.Fatalf("Run = %+v, %v; want a StoppedError", out, err)
			}
			if err.Error() != tc.error || stopped.Hint() != tc.hint || !errors.Is(err, context.Canceled) {
				t.Errorf("error %q, hint %q; want %q, %q (and context.Canceled)", err, stopped.Hint(), tc.error, tc.hint)
			}
			if diff := cmp.Diff(tc.steps, s.log); diff != "" {
				t.Errorf("steps (-want +got):\n%s", diff)
			}
			if strings.Contains(strings.Join(s.log, "\n"), "rollout") {
				t.Error("the rollout began after the interruption")
			}
		})
	}
}
