package diagnose

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestFailedCreate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, msg string
		want      Finding
	}{
		{
			name: "quota of several resources",
			msg:  `Error creating: pods "web-7d9c5b8f4-abcde" is forbidden: exceeded quota: compute, requested: limits.cpu=2,limits.memory=1Gi, used: limits.cpu=3,limits.memory=2Gi, limited: limits.cpu=4,limits.memory=2Gi`,
			want: Finding{
				Object:   "replicaset/web-7d9c5b8f4",
				Reason:   "FailedCreate",
				Message:  "Pods cannot be created: ResourceQuota compute of namespace shop is used up (a pod needs limits.cpu=2,limits.memory=1Gi; used limits.cpu=3,limits.memory=2Gi of limits.cpu=4,limits.memory=2Gi).",
				Hint:     "lower the replicas or the requests, remove what else runs in shop, or ask for a larger quota (kubectl describe resourcequota compute -n shop)",
				Terminal: true,
			},
		},
		{
			name: "quota needs limits",
			msg:  `pods "web-7d9c5b8f4-abcde" is forbidden: failed quota: compute: must specify limits.cpu for: web; limits.memory for: web`,
			want: Finding{
				Object:   "replicaset/web-7d9c5b8f4",
				Reason:   "FailedCreate",
				Message:  `Pods cannot be created: pods "web-7d9c5b8f4-abcde" is forbidden: failed quota: compute: must specify limits.cpu for: web; limits.memory for: web.`,
				Hint:     "the namespace's ResourceQuota requires every container to set these requests and limits: set them (resources in berth.yaml)",
				Terminal: true,
			},
		},
		{
			name: "pod security",
			msg:  `pods "web-7d9c5b8f4-abcde" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "web" must set securityContext.allowPrivilegeEscalation=false)`,
			want: Finding{
				Object:   "replicaset/web-7d9c5b8f4",
				Reason:   "FailedCreate",
				Message:  `Pods cannot be created: pods "web-7d9c5b8f4-abcde" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "web" must set securityContext.allowPrivilegeEscalation=false).`,
				Hint:     "an admission rule of the namespace (PodSecurity, LimitRange, a policy webhook) refuses the pod: change the pod to satisfy it",
				Terminal: true,
			},
		},
		{
			name: "service account not yet there",
			msg:  `pods "web-7d9c5b8f4-" is forbidden: error looking up service account shop/web: serviceaccount "web" not found`,
			want: Finding{
				Object:  "replicaset/web-7d9c5b8f4",
				Reason:  "FailedCreate",
				Message: `Pods cannot be created: pods "web-7d9c5b8f4-" is forbidden: error looking up service account shop/web: serviceaccount "web" not found.`,
				Hint:    "the pod's ServiceAccount does not exist (yet): a new namespace gets its default one within seconds; create one the pod names",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := failedCreate("replicaset/web-7d9c5b8f4", tt.msg, "shop")
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestLastLines(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 400)
	got := lastLines("one\r\ntwo\n\nthree\n"+long+"\n", 3)
	want := []string{"two", "three", strings.Repeat("x", logLineWidth) + "…"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestFormat(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	Format(&b, []Finding{
		{Object: "pod/web-1", Reason: "CrashLoopBackOff", Message: "Container web keeps crashing.", Hint: "read the logs", Logs: []string{"panic: boom", "exit"}},
		{Object: "deployment/web", Reason: "ProgressDeadlineExceeded", Message: "No progress."},
	})
	want := `pod/web-1: CrashLoopBackOff: Container web keeps crashing.
  hint: read the logs
  last log lines:
    panic: boom
    exit
deployment/web: ProgressDeadlineExceeded: No progress.
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if !Terminal([]Finding{{}, {Terminal: true}}) || Terminal([]Finding{{}}) {
		t.Error("Terminal is not whether any finding is terminal")
	}
}
