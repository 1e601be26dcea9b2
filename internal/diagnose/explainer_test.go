package diagnose_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"k8s.io/utils/ptr"

	"github.com/berth-dev/berth/internal/diagnose"
	"github.com/berth-dev/berth/internal/kube"
	"github.com/berth-dev/berth/internal/testcluster"
)

// TestExplainer: the deploy package's Diagnoser reports the findings as
// Format writes them, terminal when one is, and hands them to OnFindings;
// an object it cannot read is an error and no findings.
func TestExplainer(t *testing.T) {
	t.Parallel()
	c := testcluster.Require(t, cluster)
	e := newEnv(t, c)
	e.createClaim(t, "data", ptr.To("nope"))
	ref := kube.Ref{Version: "v1", Kind: "PersistentVolumeClaim", Namespace: e.ns, Name: "data"}
	var calls int
	var gotRef kube.Ref
	var got []diagnose.Finding
	x := diagnose.Explainer{Client: e.cs, OnFindings: func(r kube.Ref, fs []diagnose.Finding) { calls, gotRef, got = calls+1, r, fs }}

	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	var report string
	var terminal bool
	for report == "" {
		var err error
		if report, terminal, err = x.Diagnose(ctx, kube.Progress{Ref: ref}); err != nil {
			t.Fatalf("Diagnose: %v", err)
		}
		if report == "" && calls > 0 {
			t.Fatalf("OnFindings called %d times without findings", calls)
		}
		select {
		case <-ctx.Done():
			t.Fatal("no findings in 60 s")
		case <-time.After(200 * time.Millisecond):
		}
	}
	var want strings.Builder
	diagnose.Format(&want, got)
	if diff := cmp.Diff(want.String(), report); diff != "" {
		t.Errorf("report is not Format of the findings OnFindings got (-want +got):\n%s", diff)
	}
	if terminal != diagnose.Terminal(got) || !terminal {
		t.Errorf("terminal = %v, want true for a claim of a class that does not exist:\n%s", terminal, report)
	}
	if gotRef != ref || calls != 1 {
		t.Errorf("OnFindings got %v (%d calls), want %v once", gotRef, calls, ref)
	}

	calls = 0
	report, terminal, err := x.Diagnose(t.Context(), kube.Progress{Ref: kube.Ref{Group: "apps", Version: "v1", Kind: "Deployment", Namespace: e.ns, Name: "nope"}})
	if err == nil || report != "" || terminal || calls != 0 {
		t.Errorf("Diagnose of a missing Deployment = %q, %v, %v with %d OnFindings calls; want an error and nothing else", report, terminal, err, calls)
	}
}
