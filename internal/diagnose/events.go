package diagnose

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// maxEventFindings bounds the findings made of events alone.
const maxEventFindings = 5

func eventObject(ev *corev1.Event) string {
	return strings.ToLower(ev.InvolvedObject.Kind) + "/" + ev.InvolvedObject.Name
}

// relevant reports whether an event is about one of the diagnosed objects
// (and not about an earlier object of the same name).
func (d *diagnosis) relevant(ev *corev1.Event) bool {
	uid, ok := d.related[eventObject(ev)]
	return ok && (ev.InvolvedObject.UID == "" || uid == "" || ev.InvolvedObject.UID == uid)
}

// eventTime is when an event was last seen, whichever API wrote it.
func eventTime(ev *corev1.Event) time.Time {
	t := ev.CreationTimestamp.Time
	for _, c := range []time.Time{ev.FirstTimestamp.Time, ev.EventTime.Time, ev.LastTimestamp.Time} {
		if c.After(t) {
			t = c
		}
	}
	if ev.Series != nil && ev.Series.LastObservedTime.After(t) {
		t = ev.Series.LastObservedTime.Time
	}
	return t
}

func eventCount(ev *corev1.Event) int32 {
	switch {
	case ev.Series != nil && ev.Series.Count > 0:
		return ev.Series.Count
	case ev.Count > 0:
		return ev.Count
	}
	return 1
}

// containerOf reads the container of an event's fieldPath:
// spec.containers{web} → web.
func containerOf(fieldPath string) string {
	_, rest, ok := strings.Cut(fieldPath, "{")
	if !ok {
		return ""
	}
	return strings.TrimSuffix(rest, "}")
}

// newestEvent is the newest relevant event of object with reason (any when
// ""), about container (any when ""), whose message starts with prefix.
func (d *diagnosis) newestEvent(object, reason, container, prefix string) *corev1.Event {
	var best *corev1.Event
	for i := range d.events {
		ev := &d.events[i]
		if eventObject(ev) != object || !d.relevant(ev) ||
			reason != "" && ev.Reason != reason ||
			container != "" && containerOf(ev.InvolvedObject.FieldPath) != container ||
			!strings.HasPrefix(ev.Message, prefix) {
			continue
		}
		if best == nil || eventTime(ev).After(eventTime(best)) {
			best = ev
		}
	}
	return best
}

// generatedName matches quoted names with a generated suffix, which make
// the same event of several pods look different.
var generatedName = regexp.MustCompile(`"[a-z0-9]([-a-z0-9.]*[a-z0-9])?-[a-z0-9]{5}"`)

func eventMessage(ev *corev1.Event) string {
	return strings.TrimPrefix(ev.Message, "(combined from similar events): ")
}

// eventFindings adds the relevant Warning events no finding explains,
// newest first; the same reason and message on several pods (or several
// generated pod names in a controller's events) is one finding.
func (d *diagnosis) eventFindings() {
	var evs []*corev1.Event
	for i := range d.events {
		ev := &d.events[i]
		if ev.Type == corev1.EventTypeWarning && d.relevant(ev) && !d.covered[eventObject(ev)+"\x00"+ev.Reason] {
			evs = append(evs, ev)
		}
	}
	slices.SortStableFunc(evs, func(a, b *corev1.Event) int { return eventTime(b).Compare(eventTime(a)) })
	type group struct {
		ev      *corev1.Event
		count   int32
		objects map[string]bool
	}
	var groups []*group
	byKey := map[string]*group{}
	for _, ev := range evs {
		object := eventObject(ev)
		key := object
		if ev.InvolvedObject.Kind == "Pod" {
			key = "pod" // the same event of several pods is one finding
		}
		key += "\x00" + ev.Reason + "\x00" + generatedName.ReplaceAllString(eventMessage(ev), `"…"`)
		g := byKey[key]
		if g == nil {
			g = &group{ev: ev, objects: map[string]bool{}}
			byKey[key] = g
			groups = append(groups, g)
		}
		g.count += eventCount(ev)
		g.objects[object] = true
	}
	for i, g := range groups {
		if i == maxEventFindings {
			break
		}
		object := eventObject(g.ev)
		if g.ev.Reason == "FailedCreate" {
			d.add(failedCreate(object, eventMessage(g.ev), d.ns))
			continue
		}
		msg := strings.TrimSuffix(eventMessage(g.ev), ".") + "."
		if g.count > 1 {
			msg += fmt.Sprintf(" Seen %d times", g.count)
			if n := len(g.objects); n > 1 {
				msg += fmt.Sprintf(" on %d pods", n)
			}
			msg += "."
		}
		d.add(Finding{Object: object, Reason: g.ev.Reason, Message: msg, Hint: eventHint(g.ev.Reason)})
	}
}

// eventHint says what to do about events berth knows.
func eventHint(reason string) string {
	switch reason {
	case "FailedMount":
		return "a volume cannot be mounted: check that the Secret, ConfigMap or claim it names exists"
	case "FailedAttachVolume":
		return "the volume is still attached to another node (ReadWriteOnce): use strategy Recreate, or wait for the old pod to stop"
	case "FailedCreatePodSandBox":
		return "the node could not set up the pod's network or runtime: a cluster problem, see the node's kubelet and CNI logs"
	case "Evicted":
		return "the node ran short of memory or disk; set requests close to what the app really uses"
	}
	return ""
}

// failedCreate explains a controller's failure to create pods, from the
// Deployment's ReplicaFailure condition or a FailedCreate event.
func failedCreate(object, msg, ns string) Finding {
	msg = strings.TrimPrefix(msg, "Error creating: ")
	f := Finding{Object: object, Reason: "FailedCreate"}
	if _, rest, ok := strings.Cut(msg, "exceeded quota: "); ok {
		// NAME, requested: R, used: U, limited: L
		name, rest, _ := strings.Cut(rest, ", requested: ")
		req, rest, _ := strings.Cut(rest, ", used: ")
		used, limited, _ := strings.Cut(rest, ", limited: ")
		f.Message = fmt.Sprintf("Pods cannot be created: ResourceQuota %s of namespace %s is used up (a pod needs %s; used %s of %s).",
			name, ns, req, used, limited)
		f.Hint = fmt.Sprintf("lower the replicas or the requests, remove what else runs in %s, or ask for a larger quota "+
			"(kubectl describe resourcequota %s -n %s)", ns, name, ns)
		f.Terminal = true
		return f
	}
	f.Message = "Pods cannot be created: " + strings.TrimSuffix(msg, ".") + "."
	switch {
	case strings.Contains(msg, "error looking up service account"):
		// A new namespace gets its default ServiceAccount a moment after
		// it is created: not terminal.
		f.Hint = "the pod's ServiceAccount does not exist (yet): a new namespace gets its default one within seconds; create one the pod names"
	case strings.Contains(msg, "failed quota: "):
		f.Hint = "the namespace's ResourceQuota requires every container to set these requests and limits: set them (resources in berth.yaml)"
		f.Terminal = true
	case strings.Contains(msg, "is forbidden"):
		f.Hint = "an admission rule of the namespace (PodSecurity, LimitRange, a policy webhook) refuses the pod: change the pod to satisfy it"
		f.Terminal = true
	}
	return f
}
