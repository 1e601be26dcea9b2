package diagnose

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// CrashLoopRestarts is how many restarts make a crash loop terminal. A
// container that exits while a database deployed alongside still starts
// usually heals after a restart or two; one that crashed this often will
// not start by waiting.
const CrashLoopRestarts = 3

// issue is one problem of one pod, before pods with the same problem are
// merged into one finding.
type issue struct {
	Finding
	// key makes two pods' issues the same: the container and the reason.
	key string
	// covers are the reasons of the pod's events this issue explains.
	covers []string
	// logs, when set, are read into the finding.
	logs *logRequest
	// claimsOnly marks a pod unschedulable only because its claims are
	// not bound yet: the claims' findings say why.
	claimsOnly bool
}

// podFindings adds one finding per problem, merging pods with the same one.
func (d *diagnosis) podFindings(claimsExplained bool) {
	type group struct {
		issue
		pods []string
	}
	var groups []*group
	byKey := map[string]*group{}
	for i := range d.pods {
		pod := &d.pods[i]
		for _, is := range d.podIssues(pod) {
			object := "pod/" + pod.Name
			if is.claimsOnly && claimsExplained {
				d.cover(object, "FailedScheduling")
				continue
			}
			for _, r := range is.covers {
				d.cover(object, r)
			}
			if g := byKey[is.key]; g != nil {
				g.pods = append(g.pods, pod.Name)
				g.Terminal = g.Terminal || is.Terminal
				continue
			}
			is.Object = object
			g := &group{issue: is, pods: []string{pod.Name}}
			byKey[is.key] = g
			groups = append(groups, g)
		}
	}
	for _, g := range groups {
		f := g.Finding
		if n := len(g.pods) - 1; n == 1 {
			f.Message += " Same for pod " + g.pods[1] + "."
		} else if n > 1 {
			f.Message += fmt.Sprintf(" Same for %d more pods.", n)
		}
		d.add(f)
		if g.logs != nil {
			r := *g.logs
			r.finding = len(d.findings) - 1
			d.logs = append(d.logs, r)
		}
	}
}

// podIssues are the problems of one pod, most telling first.
func (d *diagnosis) podIssues(pod *corev1.Pod) []issue {
	if pod.DeletionTimestamp != nil {
		return nil // on its way out
	}
	if pod.Status.Phase == corev1.PodFailed && pod.Status.Reason == "Evicted" {
		return []issue{{
			Finding: Finding{
				Reason:  "Evicted",
				Message: fmt.Sprintf("The pod was evicted from node %s: %s", pod.Spec.NodeName, pod.Status.Message),
				Hint: "the node ran short of memory or disk; set requests close to what the app really uses " +
					"(" + d.field("resources") + ") so the scheduler places it where it fits",
			},
			key: "Evicted",
		}}
	}
	if c := podCondition(pod, corev1.PodScheduled); c != nil && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable {
		return []issue{d.unschedulable(pod, c.Message)}
	}
	var out []issue
	for _, st := range pod.Status.InitContainerStatuses {
		if is := d.containerIssue(pod, st, true); is != nil {
			out = append(out, *is)
		}
	}
	for _, st := range pod.Status.ContainerStatuses {
		if is := d.containerIssue(pod, st, false); is != nil {
			out = append(out, *is)
		}
	}
	return out
}

// containerIssue reads one container's status.
func (d *diagnosis) containerIssue(pod *corev1.Pod, st corev1.ContainerStatus, init bool) *issue {
	c := container(pod, st.Name, init)
	if c == nil {
		return nil
	}
	label := "Container " + st.Name
	if init {
		label = "Init container " + st.Name
	}
	last := st.LastTerminationState.Terminated
	switch {
	case st.State.Waiting != nil:
		switch w := st.State.Waiting; w.Reason {
		case "ImagePullBackOff", "ErrImagePull", "ErrImageNeverPull", "InvalidImageName", "RegistryUnavailable":
			return d.pullIssue(pod, c, st, label)
		case "CrashLoopBackOff":
			return d.crashIssue(pod, c, st, label)
		case "CreateContainerConfigError":
			return d.configIssue(c, label, w.Message)
		case "CreateContainerError", "RunContainerError", "StartError", "ContainerCannotRun":
			return &issue{
				Finding: Finding{
					Reason:  w.Reason,
					Message: fmt.Sprintf("%s cannot start: %s", label, w.Message),
					Hint:    "check the command, args, mounts and securityContext of the service in berth.yaml against the image",
				},
				key:    st.Name + "/" + w.Reason,
				covers: []string{"Failed"},
			}
		}
	case st.State.Running != nil && last != nil && last.Reason == "OOMKilled":
		return d.oomIssue(pod, c, st, label, false)
	case st.State.Terminated != nil && st.State.Terminated.ExitCode != 0:
		return d.exitIssue(pod, c, st, label)
	case st.State.Running != nil && !st.Ready && !init && crashedBefore(pod, st):
		// Restarted after a crash and not ready yet: a real kubelet shows a
		// crash-looping container so for a moment after each restart.
		return d.crashIssue(pod, c, st, label)
	case st.State.Running != nil && !st.Ready && !init:
		return d.readinessIssue(pod, c, st, label)
	}
	return nil
}

// exitIssue reads a container that exited with an error. A real kubelet
// shows a crash-looping container so for a moment after each exit, before
// it waits in CrashLoopBackOff: once it was restarted, that is the crash
// loop. Its readiness probe failing meanwhile and the kubelet's back-off
// follow from the exit and are not repeated.
func (d *diagnosis) exitIssue(pod *corev1.Pod, c *corev1.Container, st corev1.ContainerStatus, label string) *issue {
	t := st.State.Terminated
	restarts := pod.Spec.RestartPolicy != corev1.RestartPolicyNever && st.RestartCount > 0
	reason := t.Reason
	if reason == "" {
		reason = "Error"
	}
	switch {
	case reason == "OOMKilled":
		return d.oomIssue(pod, c, st, label, restarts)
	case restarts:
		return d.crashIssue(pod, c, st, label)
	}
	return &issue{
		Finding: Finding{
			Reason:  reason,
			Message: fmt.Sprintf("%s exited with code %d%s.", label, t.ExitCode, signal(t.ExitCode)) + detail(t.Message),
			Hint:    exitHint(t.ExitCode, d.ns, pod.Name, st.Name, false),
		},
		key:    st.Name + "/" + reason,
		covers: []string{"BackOff", "Unhealthy"},
		logs:   &logRequest{pod: pod.Name, container: st.Name},
	}
}

// crashedBefore reports a container restarted after its last run exited
// with an error.
func crashedBefore(pod *corev1.Pod, st corev1.ContainerStatus) bool {
	last := st.LastTerminationState.Terminated
	return pod.Spec.RestartPolicy != corev1.RestartPolicyNever && st.RestartCount > 0 && last != nil && last.ExitCode != 0
}

// crashIssue reads a crash loop: the container waits in CrashLoopBackOff
// (its last run in LastTerminationState), or has just exited again (in
// State; see exitIssue).
func (d *diagnosis) crashIssue(pod *corev1.Pod, c *corev1.Container, st corev1.ContainerStatus, label string) *issue {
	t, previous := st.LastTerminationState.Terminated, true
	if st.State.Terminated != nil {
		t, previous = st.State.Terminated, false
	}
	if t != nil && t.Reason == "OOMKilled" {
		return d.oomIssue(pod, c, st, label, true)
	}
	is := &issue{
		Finding: Finding{Reason: "CrashLoopBackOff", Terminal: st.RestartCount >= CrashLoopRestarts},
		key:     st.Name + "/CrashLoopBackOff",
		// A crashing container's readiness probe fails too.
		covers: []string{"BackOff", "Unhealthy"},
		logs:   &logRequest{pod: pod.Name, container: st.Name, previous: previous},
	}
	code := int32(-1)
	if t != nil {
		code = t.ExitCode
		is.Message = fmt.Sprintf("%s keeps crashing: it exited with code %d%s and was restarted %s.",
			label, code, signal(code), times(st.RestartCount)) + detail(t.Message)
	} else {
		is.Message = fmt.Sprintf("%s keeps crashing: it was restarted %s.", label, times(st.RestartCount))
	}
	is.Hint = exitHint(code, d.ns, pod.Name, st.Name, previous)
	if ev := d.newestEvent("pod/"+pod.Name, "Unhealthy", st.Name, "Liveness probe failed"); ev != nil {
		is.Message += " The kubelet restarts it because its liveness probe fails: " +
			strings.TrimSuffix(strings.TrimPrefix(ev.Message, "Liveness probe failed: "), ".") + "."
		is.Hint = fmt.Sprintf("the app does not answer its liveness probe (%s) in time: fix the app or the probe (%s); "+
			"a slow start needs a startup probe, not a longer liveness delay", probeString(c.LivenessProbe), d.field("probes.liveness"))
		is.covers = append(is.covers, "Killing")
	}
	return is
}

func (d *diagnosis) oomIssue(pod *corev1.Pod, c *corev1.Container, st corev1.ContainerStatus, label string, looping bool) *issue {
	limit, hasLimit := c.Resources.Limits[corev1.ResourceMemory]
	var msg, hint string
	if hasLimit {
		msg = fmt.Sprintf("%s was killed for using more memory than its limit of %s (OOMKilled, exit code 137)", label, limit.String())
		hint = fmt.Sprintf("raise the memory limit (%s) above what the app needs at its peak, or make it use less "+
			"(for the JVM or Node.js, cap the heap below the limit)", d.field("resources.limits.memory"))
	} else {
		msg = fmt.Sprintf("%s was killed because its node ran out of memory (OOMKilled, exit code 137; it has no memory limit)", label)
		hint = fmt.Sprintf("set memory requests and limits (%s) so the pod is placed on a node with room for it", d.field("resources"))
	}
	msg += fmt.Sprintf("; restarted %s.", times(st.RestartCount))
	is := &issue{
		Finding: Finding{Reason: "OOMKilled", Message: msg, Hint: hint},
		key:     st.Name + "/OOMKilled",
		// A killed container's readiness probe fails too.
		covers: []string{"BackOff", "Unhealthy"},
		// The run that was killed: the previous one unless the container
		// is still terminated (a Job's).
		logs: &logRequest{pod: pod.Name, container: st.Name, previous: st.State.Terminated == nil},
	}
	is.Terminal = looping && st.RestartCount >= CrashLoopRestarts
	return is
}

func (d *diagnosis) readinessIssue(pod *corev1.Pod, c *corev1.Container, st corev1.ContainerStatus, label string) *issue {
	ev := d.newestEvent("pod/"+pod.Name, "Unhealthy", st.Name, "Readiness probe failed")
	if ev == nil || c.ReadinessProbe == nil {
		return nil // not ready without a failed probe: still starting
	}
	probe := c.ReadinessProbe
	msg := fmt.Sprintf("%s runs but is not ready: its readiness probe (%s) failed%s: %s.", label,
		probeString(probe), countString(eventCount(ev)), strings.TrimSuffix(strings.TrimPrefix(ev.Message, "Readiness probe failed: "), "."))
	return &issue{
		Finding: Finding{Reason: "ReadinessProbeFailing", Message: msg, Hint: d.probeHint(probe)},
		key:     st.Name + "/ReadinessProbeFailing",
		covers:  []string{"Unhealthy"},
		logs:    &logRequest{pod: pod.Name, container: st.Name},
	}
}

func (d *diagnosis) probeHint(p *corev1.Probe) string {
	fix := fmt.Sprintf("or fix the probe (%s); if the app needs longer to start, add a startup probe", d.field("probes.readiness"))
	switch {
	case p.HTTPGet != nil:
		return fmt.Sprintf("make the app listen on 0.0.0.0 (not 127.0.0.1) port %s and answer GET %s with 2xx or 3xx within %ds, %s",
			p.HTTPGet.Port.String(), pathOrRoot(p.HTTPGet.Path), timeoutSeconds(p), fix)
	case p.TCPSocket != nil:
		return fmt.Sprintf("make the app accept connections on 0.0.0.0 (not 127.0.0.1) port %s, %s", p.TCPSocket.Port.String(), fix)
	case p.GRPC != nil:
		return fmt.Sprintf("make the app serve the gRPC health service on port %d, %s", p.GRPC.Port, fix)
	case p.Exec != nil:
		return fmt.Sprintf("the command `%s` must exit 0 in the container, %s", strings.Join(p.Exec.Command, " "), fix)
	}
	return fix
}

// probeString describes a probe: GET :8080/healthz, TCP :5432, exec pg_isready.
func probeString(p *corev1.Probe) string {
	switch {
	case p == nil:
		return "none"
	case p.HTTPGet != nil:
		scheme := ""
		if p.HTTPGet.Scheme == corev1.URISchemeHTTPS {
			scheme = "HTTPS "
		}
		return fmt.Sprintf("%sGET :%s%s", scheme, p.HTTPGet.Port.String(), pathOrRoot(p.HTTPGet.Path))
	case p.TCPSocket != nil:
		return "TCP :" + p.TCPSocket.Port.String()
	case p.GRPC != nil:
		return fmt.Sprintf("gRPC :%d", p.GRPC.Port)
	case p.Exec != nil:
		return "exec " + strings.Join(p.Exec.Command, " ")
	}
	return "probe"
}

func pathOrRoot(p string) string {
	if p == "" {
		return "/"
	}
	return p
}

func timeoutSeconds(p *corev1.Probe) int32 {
	if p.TimeoutSeconds > 0 {
		return p.TimeoutSeconds
	}
	return 1
}

func (d *diagnosis) configIssue(c *corev1.Container, label, msg string) *issue {
	is := &issue{
		Finding: Finding{Reason: "CreateContainerConfigError", Terminal: true},
		key:     c.Name + "/CreateContainerConfigError",
		covers:  []string{"Failed"},
	}
	var kind, name, key string
	switch {
	case scan(msg, `secret "%s not found`, &name):
		kind = "Secret"
	case scan(msg, `configmap "%s not found`, &name):
		kind = "ConfigMap"
	case scan(msg, "couldn't find key %s in Secret %s", &key, &name):
		kind = "Secret"
	case scan(msg, "couldn't find key %s in ConfigMap %s", &key, &name):
		kind = "ConfigMap"
	}
	name = strings.TrimSuffix(name, `"`)
	if _, n, ok := strings.Cut(name, "/"); ok {
		name = n // the kubelet says namespace/name
	}
	ref := "env secretRef or envFrom"
	if kind == "ConfigMap" {
		ref = "env configMapRef or envFrom"
	}
	switch {
	case kind != "" && key == "":
		is.Message = fmt.Sprintf("%s cannot start: it refers to %s %s, which does not exist in namespace %s.", label, kind, name, d.ns)
		is.Hint = fmt.Sprintf("create it (kubectl create %s %s -n %s --from-literal=KEY=VALUE) or fix the name (%s of the service in berth.yaml)",
			strings.ToLower(kind)+genericSuffix(kind), name, d.ns, ref)
	case kind != "":
		is.Message = fmt.Sprintf("%s cannot start: %s %s has no key %s.", label, kind, name, key)
		is.Hint = fmt.Sprintf("add the key to %s %s (kubectl edit %s %s -n %s), fix the key name (%s of the service in berth.yaml), "+
			"or mark the reference optional", kind, name, strings.ToLower(kind), name, d.ns, ref)
	case strings.Contains(msg, "runAsNonRoot"):
		is.Message = fmt.Sprintf("%s cannot start: %s", label, msg)
		is.Hint = fmt.Sprintf("the image runs as root but the pod must not: set a non-zero runAsUser (%s) or add a USER to the Dockerfile",
			d.field("securityContext"))
	default:
		is.Message = fmt.Sprintf("%s cannot start: %s", label, msg)
		is.Hint = "check the environment variables, Secrets and ConfigMaps the service refers to in berth.yaml"
	}
	return is
}

func genericSuffix(kind string) string {
	if kind == "Secret" {
		return " generic"
	}
	return ""
}

// scan is fmt.Sscanf for messages: %s matches up to the next space.
func scan(msg, format string, args ...*string) bool {
	ptrs := make([]any, len(args))
	for i, a := range args {
		ptrs[i] = a
	}
	n, _ := fmt.Sscanf(msg, format, ptrs...)
	return n == len(args)
}

// exitHint says what an exit code usually means.
func exitHint(code int32, ns, pod, c string, previous bool) string {
	logs := fmt.Sprintf("kubectl logs -n %s %s -c %s", ns, pod, c)
	if previous {
		logs = fmt.Sprintf("kubectl logs --previous -n %s %s -c %s", ns, pod, c)
	}
	switch code {
	case 0:
		return "it exits with success, but a service's container must keep running: start the server in the foreground " +
			"(not as a daemon); run one-off work as a Job"
	case 126:
		return "its command is not executable: check command and args in berth.yaml and the file's mode in the image"
	case 127:
		return "its command was not found in the image: check command and args in berth.yaml and the image's entrypoint"
	case 137:
		return "exit code 137 is SIGKILL: usually the memory limit or a failing liveness probe; the logs tell which (" + logs + ")"
	case 139:
		return "exit code 139 is a segmentation fault: a native library or a binary built for another platform; see " + logs
	case 143:
		return "exit code 143 is SIGTERM: something stopped it, often a failing liveness probe; see " + logs
	}
	return "the app stops with an error: its log says why (" + logs + "); check its configuration and that what it connects to is reachable"
}

// signal names the signal of an exit code above 128.
func signal(code int32) string {
	switch code {
	case 134:
		return " (SIGABRT)"
	case 137:
		return " (SIGKILL)"
	case 139:
		return " (SIGSEGV)"
	case 143:
		return " (SIGTERM)"
	}
	return ""
}

func detail(msg string) string {
	msg = strings.TrimSpace(msg)
	if msg == "" {
		return ""
	}
	return " " + strings.TrimSuffix(shorten(msg, 200), ".") + "."
}

func times(n int32) string {
	if n == 1 {
		return "once"
	}
	return fmt.Sprintf("%d times", n)
}

func countString(n int32) string {
	if n <= 1 {
		return ""
	}
	return fmt.Sprintf(" %d times", n)
}

// shorten keeps the end of s, where errors say what went wrong.
func shorten(s string, max int) string {
	if len(s) <= max {
		return s
	}
	return "…" + s[len(s)-max:]
}

func container(pod *corev1.Pod, name string, init bool) *corev1.Container {
	list := pod.Spec.Containers
	if init {
		list = pod.Spec.InitContainers
	}
	for i := range list {
		if list[i].Name == name {
			return &list[i]
		}
	}
	return nil
}

func podCondition(pod *corev1.Pod, t corev1.PodConditionType) *corev1.PodCondition {
	for i := range pod.Status.Conditions {
		if pod.Status.Conditions[i].Type == t {
			return &pod.Status.Conditions[i]
		}
	}
	return nil
}

func unschedulable(pod *corev1.Pod) bool {
	c := podCondition(pod, corev1.PodScheduled)
	return c != nil && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable
}

// placementFailed reports a pod the scheduler could not place for a reason
// of the Nodes (not only because its claims are unbound).
func placementFailed(pod *corev1.Pod) bool {
	if !unschedulable(pod) {
		return false
	}
	for _, r := range parseSchedMessage(podCondition(pod, corev1.PodScheduled).Message).reasons {
		if !isClaimReason(r.text) {
			return true
		}
	}
	return false
}

func pullFailing(pod *corev1.Pod) bool {
	if pod.Spec.NodeName == "" {
		return false
	}
	for _, st := range slices.Concat(pod.Status.InitContainerStatuses, pod.Status.ContainerStatuses) {
		if w := st.State.Waiting; w != nil && (w.Reason == "ImagePullBackOff" || w.Reason == "ErrImagePull" || w.Reason == "ErrImageNeverPull") {
			return true
		}
	}
	return false
}

func firstPod(pods []corev1.Pod, match func(*corev1.Pod) bool) *corev1.Pod {
	for i := range pods {
		if match(&pods[i]) {
			return &pods[i]
		}
	}
	return nil
}

// sortPods orders pods newest first, then by name, so the pod a finding
// names is the one most likely to show the current problem.
func sortPods(pods []corev1.Pod) {
	slices.SortStableFunc(pods, func(a, b corev1.Pod) int {
		if c := b.CreationTimestamp.Compare(a.CreationTimestamp.Time); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
}
