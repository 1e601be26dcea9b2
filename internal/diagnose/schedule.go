package diagnose

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/labels"
)

// schedMessage is the scheduler's verdict on a pod, as in its PodScheduled
// condition: "0/3 nodes are available: 1 node(s) had untolerated
// taint(s), 2 Insufficient cpu. preemption: …".
type schedMessage struct {
	summary string // without the preemption part
	total   int    // nodes considered; -1 when the message does not say
	reasons []schedReason
}

// schedReason is one reason and how many nodes it excluded (0 when the
// reason is about the pod, such as unbound claims).
type schedReason struct {
	nodes int
	text  string
}

func parseSchedMessage(msg string) schedMessage {
	summary, _, _ := strings.Cut(msg, " preemption:")
	summary = strings.TrimSuffix(strings.TrimSpace(summary), ".")
	m := schedMessage{summary: summary, total: -1}
	rest := summary
	var avail, total int
	if n, _ := fmt.Sscanf(summary, "%d/%d nodes are available:", &avail, &total); n == 2 {
		m.total = total
		_, rest, _ = strings.Cut(summary, "available:")
	}
	for part := range strings.SplitSeq(rest, ", ") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		r := schedReason{text: part}
		if num, text, ok := strings.Cut(part, " "); ok {
			if n, err := strconv.Atoi(num); err == nil {
				r = schedReason{nodes: n, text: text}
			}
		}
		m.reasons = append(m.reasons, r)
	}
	return m
}

// placementOnly reports whether only labels and taints exclude the pod.
func placementOnly(m schedMessage) bool {
	for _, r := range m.reasons {
		if !isAffinityReason(r.text) && !isTaintReason(r.text) {
			return false
		}
	}
	return true
}

func isClaimReason(t string) bool {
	return strings.Contains(t, "PersistentVolumeClaim") || strings.Contains(t, "persistentvolumeclaim")
}
func isAffinityReason(t string) bool { return strings.Contains(t, "node affinity/selector") }
func isTaintReason(t string) bool    { return strings.Contains(t, "untolerated taint") }

// unschedulable explains the scheduler's verdict with the pod's requests,
// node selector and tolerations and, when readable, the Nodes.
func (d *diagnosis) unschedulable(pod *corev1.Pod, msg string) issue {
	m := parseSchedMessage(msg)
	requests := podRequests(&pod.Spec)
	var explain, hints []string
	claimsOnly := len(m.reasons) > 0
	seen := map[string]bool{}
	for _, r := range m.reasons {
		if isClaimReason(r.text) {
			continue
		}
		claimsOnly = false
		var e, h string
		switch {
		case strings.HasPrefix(r.text, "Insufficient "):
			res := corev1.ResourceName(strings.TrimPrefix(r.text, "Insufficient "))
			e, h = d.insufficient(res, requests[res])
		case isAffinityReason(r.text):
			e, h = d.selectorMismatch(pod)
		case isTaintReason(r.text) && (d.nodes != nil || placementOnly(m)):
			// Without the Nodes, taints (of control-plane Nodes, say) are
			// worth a word only when nothing else excludes the pod.
			e, h = d.untolerated(pod, requests)
		}
		if e != "" && !seen[e] {
			seen[e] = true
			explain = append(explain, e)
			hints = append(hints, h)
		}
	}
	message := "The pod cannot be scheduled: " + m.summary + "."
	if len(explain) > 0 {
		message += " It " + strings.Join(explain, "; it ") + "."
	}
	if claimsOnly {
		hints = append(hints, "its claims are not bound: see the claims' findings")
	}
	if len(hints) == 0 {
		hints = append(hints, fmt.Sprintf("see the scheduler's reasons: kubectl describe pod %s -n %s", pod.Name, d.ns))
	}
	return issue{
		Finding: Finding{
			Reason:   "Unschedulable",
			Message:  message,
			Hint:     strings.Join(hints, "; "),
			Terminal: !claimsOnly && d.neverSchedulable(pod, m, requests),
		},
		key:        "Unschedulable",
		covers:     []string{"FailedScheduling"},
		claimsOnly: claimsOnly,
	}
}

func (d *diagnosis) insufficient(res corev1.ResourceName, req resource.Quantity) (explain, hint string) {
	field := d.field("resources.requests")
	explain = fmt.Sprintf("requests %s %s", res, quantity(res, req))
	if len(d.nodes) == 0 {
		return explain, fmt.Sprintf("lower the %s request (%s) or add capacity to the cluster", res, field)
	}
	var largest resource.Quantity
	for _, n := range d.nodes {
		if a := n.Status.Allocatable[res]; a.Cmp(largest) > 0 {
			largest = a
		}
	}
	if req.Cmp(largest) > 0 {
		return explain + fmt.Sprintf(", more than any node has (the largest has %s allocatable)", quantity(res, largest)),
			fmt.Sprintf("lower the %s request to at most %s (%s), or add a larger node", res, quantity(res, largest), field)
	}
	return explain + fmt.Sprintf(", and the nodes that could hold it are full (the largest has %s allocatable)", quantity(res, largest)),
		fmt.Sprintf("free %s on the nodes (scale down other workloads), add nodes, or lower the request (%s)", res, field)
}

func (d *diagnosis) selectorMismatch(pod *corev1.Pod) (explain, hint string) {
	sel := pod.Spec.NodeSelector
	if len(sel) == 0 {
		return "has node affinity rules that no node matches", "check the pod's node affinity against the nodes' labels (kubectl get nodes --show-labels)"
	}
	pairs := make([]string, 0, len(sel))
	for _, k := range slices.Sorted(maps.Keys(sel)) {
		pairs = append(pairs, k+"="+sel[k])
	}
	s := strings.Join(pairs, ",")
	hint = fmt.Sprintf("fix the nodeSelector (%s) or label a node: kubectl label node NODE %s", d.field("nodeSelector"), strings.Join(pairs, " "))
	if d.nodes == nil {
		return fmt.Sprintf("has nodeSelector %s", s), hint
	}
	matching := 0
	for _, n := range d.nodes {
		if labels.SelectorFromSet(sel).Matches(labels.Set(n.Labels)) {
			matching++
		}
	}
	switch {
	case matching == 0:
		return fmt.Sprintf("has nodeSelector %s, and no node has these labels", s), hint
	case requiredAffinity(pod):
		return fmt.Sprintf("has nodeSelector %s, which %d of %d nodes match, and node affinity rules", s, matching, len(d.nodes)),
			"check the pod's node affinity against the nodes' labels (kubectl get nodes --show-labels)"
	}
	return fmt.Sprintf("has nodeSelector %s, which only %d of %d nodes match", s, matching, len(d.nodes)), hint
}

func requiredAffinity(pod *corev1.Pod) bool {
	a := pod.Spec.Affinity
	return a != nil && a.NodeAffinity != nil && a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution != nil
}

func (d *diagnosis) untolerated(pod *corev1.Pod, requests corev1.ResourceList) (explain, hint string) {
	field := d.field("tolerations")
	if d.nodes == nil {
		return "does not tolerate the taints of some nodes",
			fmt.Sprintf("see the taints (kubectl describe nodes | grep Taints); add a toleration (%s) if it may run there", field)
	}
	// Only the taints of nodes the pod could otherwise go to matter (a
	// tainted control-plane node too small for it is no reason to add a
	// toleration), and not the passing ones of nodes not ready or cordoned.
	set := map[string]bool{}
	sel := labels.SelectorFromSet(pod.Spec.NodeSelector)
	for _, n := range d.nodes {
		if !sel.Matches(labels.Set(n.Labels)) || tooSmall(&n, requests) {
			continue
		}
		for _, t := range n.Spec.Taints {
			if schedulingTaint(t) && !conditionTaint(t) && !tolerated(pod.Spec.Tolerations, t) {
				set[taintString(t)] = true
			}
		}
	}
	taints := slices.Sorted(maps.Keys(set))
	if len(taints) == 0 {
		return "", ""
	}
	key, _, _ := strings.Cut(taints[0], "=")
	key, _, _ = strings.Cut(key, ":")
	return fmt.Sprintf("does not tolerate the taint(s) %s", strings.Join(taints, ", ")),
		fmt.Sprintf("add a toleration (%s) if it may run there, or remove the taint: kubectl taint node NODE %s-", field, key)
}

// neverSchedulable reports whether no Node can ever take the pod: each is
// excluded by its labels, its taints or a request larger than the Node.
// Nodes that are merely full may free up (a rolling update frees them).
func (d *diagnosis) neverSchedulable(pod *corev1.Pod, m schedMessage, requests corev1.ResourceList) bool {
	if pod.Status.NominatedNodeName != "" {
		return false // preemption makes room
	}
	affinity, taints := 0, 0
	for _, r := range m.reasons {
		switch {
		case isAffinityReason(r.text):
			affinity += r.nodes
		case isTaintReason(r.text):
			taints += r.nodes
		}
	}
	if m.total > 0 && affinity >= m.total {
		return true // covers node affinity, which neverFits does not evaluate
	}
	if len(d.nodes) > 0 {
		for i := range d.nodes {
			if !neverFits(pod, &d.nodes[i], requests) {
				return false
			}
		}
		return true
	}
	return m.total > 0 && affinity+taints >= m.total
}

// neverFits reports whether a Node excludes the pod for a reason that does
// not change by waiting.
func neverFits(pod *corev1.Pod, n *corev1.Node, requests corev1.ResourceList) bool {
	if sel := pod.Spec.NodeSelector; len(sel) > 0 && !labels.SelectorFromSet(sel).Matches(labels.Set(n.Labels)) {
		return true
	}
	for _, t := range n.Spec.Taints {
		if schedulingTaint(t) && !conditionTaint(t) && !tolerated(pod.Spec.Tolerations, t) {
			return true
		}
	}
	return tooSmall(n, requests)
}

// tooSmall reports whether a request is larger than what the Node has.
func tooSmall(n *corev1.Node, requests corev1.ResourceList) bool {
	for res, req := range requests {
		if alloc := n.Status.Allocatable[res]; req.Sign() > 0 && req.Cmp(alloc) > 0 {
			return true
		}
	}
	return false
}

func schedulingTaint(t corev1.Taint) bool {
	return t.Effect == corev1.TaintEffectNoSchedule || t.Effect == corev1.TaintEffectNoExecute
}

// conditionTaint is a taint Kubernetes puts on a Node for a passing state
// (not ready yet, cordoned, uninitialised by the cloud provider).
func conditionTaint(t corev1.Taint) bool {
	return strings.HasPrefix(t.Key, "node.kubernetes.io/") || strings.HasPrefix(t.Key, "node.cloudprovider.kubernetes.io/")
}

// tolerated mirrors corev1.Toleration.ToleratesTaint (which needs a klog
// logger this package has no use for) for the Equal and Exists operators.
func tolerated(tols []corev1.Toleration, t corev1.Taint) bool {
	for _, tol := range tols {
		if tol.Effect != "" && tol.Effect != t.Effect {
			continue
		}
		if tol.Key != "" && tol.Key != t.Key {
			continue
		}
		switch tol.Operator {
		case corev1.TolerationOpExists:
			return true
		case "", corev1.TolerationOpEqual:
			if tol.Key == t.Key && tol.Value == t.Value {
				return true
			}
		}
	}
	return false
}

func taintString(t corev1.Taint) string {
	if t.Value == "" {
		return fmt.Sprintf("%s:%s", t.Key, t.Effect)
	}
	return fmt.Sprintf("%s=%s:%s", t.Key, t.Value, t.Effect)
}

// podRequests is what the scheduler reserves for a pod: its containers
// and sidecars, at least each init container, plus the pod overhead.
func podRequests(spec *corev1.PodSpec) corev1.ResourceList {
	sum := corev1.ResourceList{}
	add := func(l corev1.ResourceList) {
		for k, v := range l {
			q := sum[k]
			q.Add(v)
			sum[k] = q
		}
	}
	for _, c := range spec.Containers {
		add(c.Resources.Requests)
	}
	for _, c := range spec.InitContainers {
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			add(c.Resources.Requests)
		}
	}
	for _, c := range spec.InitContainers {
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			continue
		}
		for k, v := range c.Resources.Requests {
			if v.Cmp(sum[k]) > 0 {
				sum[k] = v.DeepCopy()
			}
		}
	}
	add(spec.Overhead)
	return sum
}

// quantity prints CPU in cores or millicores (1000, not 1k) and other
// resources as Kubernetes does (256Gi).
func quantity(res corev1.ResourceName, q resource.Quantity) string {
	if res == corev1.ResourceCPU {
		if m := q.MilliValue(); m%1000 != 0 {
			return fmt.Sprintf("%dm", m)
		}
		return strconv.FormatInt(q.MilliValue()/1000, 10)
	}
	return q.String()
}
