package progress

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-dev/berth/internal/kube"
)

// TestReporterGroups: stages open GitHub log groups, each ending the
// last (they do not nest), and End closes the open one once.
func TestReporterGroups(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	r := NewReporter(nil, &b)
	r.Stage("build")
	r.Stage("apply 100%")
	r.End()
	r.End()
	want := "::group::build\n::endgroup::\n::group::apply 100%25\n::endgroup::\n"
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("groups (-want +got):\n%s", diff)
	}
}

// TestReporterSilent: a nil Reporter and one with neither events nor
// groups say nothing and do not panic.
func TestReporterSilent(t *testing.T) {
	t.Parallel()
	for _, r := range []*Reporter{nil, NewReporter(nil, nil)} {
		r.Stage("wait")
		r.Applied(kube.Result{})
		r.Finish(Finished{Command: "deploy"})
		r.Diagnose(kube.Ref{Kind: "Deployment", Name: "web"}, []Finding{{Reason: "CrashLoopBackOff"}})
		r.End()
	}
}

var eventTime = regexp.MustCompile(`"time":"[^"]+"`)

// TestReporterEvents: stages, results, the end and diagnoses are events;
// a diagnosis is reported again only when its findings change.
func TestReporterEvents(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	r := NewReporter(NewEvents(&b, nil), nil)
	web := kube.Ref{Group: "apps", Version: "v1", Kind: "Deployment", Namespace: "ns", Name: "web"}
	crash := []Finding{{Object: "pod/web-1", Reason: "CrashLoopBackOff", Message: "back-off", Terminal: true}}
	r.Stage("wait")
	r.Diagnose(web, crash)
	r.Diagnose(web, crash)
	r.Diagnose(web, []Finding{{Object: "pod/web-1", Reason: "ImagePullBackOff", Message: "no image"}})
	r.Finish(Finished{Command: "deploy", App: "shop", Namespace: "ns", Revision: 2, Status: "failed", Duration: "1s"})
	got := strings.Split(strings.TrimSpace(eventTime.ReplaceAllString(b.String(), `"time":"T"`)), "\n")
	want := []string{
		`{"v":1,"time":"T","type":"stage","name":"wait"}`,
		`{"v":1,"time":"T","type":"diagnosis","object":{"group":"apps","version":"v1","kind":"Deployment","namespace":"ns","name":"web"},"findings":[{"object":"pod/web-1","reason":"CrashLoopBackOff","message":"back-off","terminal":true}]}`,
		`{"v":1,"time":"T","type":"diagnosis","object":{"group":"apps","version":"v1","kind":"Deployment","namespace":"ns","name":"web"},"findings":[{"object":"pod/web-1","reason":"ImagePullBackOff","message":"no image","terminal":false}]}`,
		`{"v":1,"time":"T","type":"finished","command":"deploy","app":"shop","namespace":"ns","revision":2,"status":"failed","duration":"1s"}`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

// TestStderrJSON: after JSON, lines written to stderr are log events on
// the raw stream; before it they pass through.
func TestStderrJSON(t *testing.T) {
	t.Parallel()
	var raw bytes.Buffer
	s := NewStderr(&raw)
	s.Write([]byte("plain\n"))
	_, lines := s.JSON(nil)
	s.Write([]byte("warning: careful\nhalf"))
	lines.Flush()
	got := eventTime.ReplaceAllString(raw.String(), `"time":"T"`)
	want := "plain\n" +
		`{"v":1,"time":"T","type":"warning","message":"careful"}` + "\n" +
		`{"v":1,"time":"T","type":"log","message":"half"}` + "\n"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stderr (-want +got):\n%s", diff)
	}
	if s.Raw() != &raw {
		t.Error("Raw is not the process's stream")
	}
}

func TestResolveMode(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		flag             string
		tty, noColor, ci bool
		want             string
	}{
		{"auto", true, false, false, ModeTTY},
		{"", true, false, false, ModeTTY},
		{"auto", false, false, false, ModePlain},
		{"auto", true, true, false, ModePlain},
		{"auto", true, false, true, ModePlain},
		{"tty", false, true, true, ModeTTY},
		{"plain", true, false, false, ModePlain},
		{"json", true, false, false, ModeJSON},
	} {
		if got := ResolveMode(tc.flag, tc.tty, tc.noColor, tc.ci); got != tc.want {
			t.Errorf("ResolveMode(%q, tty %v, no-color %v, ci %v) = %s, want %s", tc.flag, tc.tty, tc.noColor, tc.ci, got, tc.want)
		}
	}
	for _, v := range []string{"fancy", "JSON", "auto "} {
		if ValidMode(v) {
			t.Errorf("ValidMode(%q)", v)
		}
	}
}

func TestAnnotation(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		a    Annotation
		want string
	}{
		{Annotation{Level: "error", Message: "a\nb"}, "::error::a%0Ab"},
		{Annotation{Level: "warning", File: "x,y.yaml", Line: 3, Message: "m"}, "::warning file=x%2Cy.yaml,line=3::m"},
		{Annotation{Level: "error", File: "b.yaml", Line: 3, Col: 7, Message: "m"}, "::error file=b.yaml,line=3,col=7::m"},
		{Annotation{Level: "error", Col: 7, Message: "no line, no col"}, "::error::no line, no col"},
	} {
		if got := tc.a.String(); got != tc.want {
			t.Errorf("%+v = %q, want %q", tc.a, got, tc.want)
		}
	}
	for _, tc := range []struct{ ws, file, want string }{
		{"/w", "/w/app/berth.yaml", "app/berth.yaml"},
		{"/w", "/elsewhere/berth.yaml", "/elsewhere/berth.yaml"},
		{"", "/w/berth.yaml", "/w/berth.yaml"},
		{"/w", "berth.yaml", "berth.yaml"},
	} {
		if got := WorkspacePath(tc.ws, tc.file); got != tc.want {
			t.Errorf("WorkspacePath(%q, %q) = %q, want %q", tc.ws, tc.file, got, tc.want)
		}
	}
}
