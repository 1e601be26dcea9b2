package diagnose

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/sync/errgroup"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
)

// Finding is one reason a workload is not healthy.
type Finding struct {
	// Object names what is wrong as kubectl does: deployment/web,
	// pod/web-7d9c5b-abcde, persistentvolumeclaim/minio-storage.
	Object string
	// Reason is short and stable: ImagePullBackOff, CrashLoopBackOff,
	// Unschedulable, PVCPending, ProgressDeadlineExceeded, FailedCreate…
	Reason string
	// Message says what is wrong, with the concrete values: the image, the
	// exit code, the resource no node has enough of, the class name.
	Message string
	// Hint says how to fix it.
	Hint string
	// Terminal is set when waiting longer will not help.
	Terminal bool
	// Logs are the last lines of the failing container's log (of its
	// previous run for a crash), when the cluster could serve them.
	Logs []string
}

// Target names the object to diagnose.
type Target struct {
	// Kind is Deployment, StatefulSet, DaemonSet, Job, Pod,
	// PersistentVolumeClaim or Service; other kinds have no findings.
	Kind      string
	Namespace string
	Name      string
}

// String names the target as kubectl does: deployment/web.
func (t Target) String() string { return strings.ToLower(t.Kind) + "/" + t.Name }

// Terminal reports whether any finding says waiting longer will not help.
func Terminal(findings []Finding) bool {
	for _, f := range findings {
		if f.Terminal {
			return true
		}
	}
	return false
}

// Workload inspects the live state of a workload (its pods, their
// containers and conditions, its own conditions, its claims, the Warning
// events of all of them) and says why it is not healthy. A healthy
// workload, or one of a kind not listed in Target, has no findings. The
// error is for failing to read the workload or its pods (not found,
// forbidden, ctx ended); lookups that only add detail do not fail it.
func Workload(ctx context.Context, client kubernetes.Interface, t Target) ([]Finding, error) {
	d := &diagnosis{
		cs:      client,
		ns:      t.Namespace,
		name:    t.Name,
		related: map[string]types.UID{},
		covered: map[string]bool{},
	}
	var err error
	switch t.Kind {
	case "Deployment":
		err = d.deployment(ctx)
	case "StatefulSet":
		err = d.statefulSet(ctx)
	case "DaemonSet":
		err = d.daemonSet(ctx)
	case "Job":
		err = d.job(ctx)
	case "Pod":
		err = d.pod(ctx)
	case "PersistentVolumeClaim":
		err = d.claim(ctx)
	case "Service":
		err = d.service(ctx)
	default:
		return nil, nil
	}
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		return nil, fmt.Errorf("diagnosing %s: %w", t, err)
	}
	return d.findings, nil
}

// diagnosis is the state of one Workload call.
type diagnosis struct {
	cs      kubernetes.Interface
	ns      string
	name    string // the target's; berth names workloads after services
	barePod bool   // the target is a Pod, not a workload named after a service

	pods   []corev1.Pod                   // the current revision's pods
	claims []corev1.PersistentVolumeClaim // claims those pods use
	// mounted are the claims the pod template mounts by name (not a
	// StatefulSet's claim templates, which its controller creates).
	mounted    []string
	claimsRead bool
	events     []corev1.Event // the namespace's Warning events
	// nodes are the cluster's Nodes (nil when not read or not readable);
	// node is the Node of a pod that cannot pull its image.
	nodes []corev1.Node
	node  *corev1.Node
	// classes are the StorageClasses (valid when classesRead).
	classes     []storagev1.StorageClass
	classesRead bool

	// related are the objects whose events count, by kind/name.
	related map[string]types.UID
	// covered are the events (kind/name + reason) a finding explains.
	covered  map[string]bool
	findings []Finding
	logs     []logRequest
}

func (d *diagnosis) add(f Finding)                       { d.findings = append(d.findings, f) }
func (d *diagnosis) relate(object string, uid types.UID) { d.related[object] = uid }
func (d *diagnosis) cover(object, reason string)         { d.covered[object+"\x00"+reason] = true }

// field names a setting of the service in berth.yaml, for hints.
func (d *diagnosis) field(path string) string {
	if d.barePod {
		return path + " of the service in berth.yaml"
	}
	return fmt.Sprintf("services.%s.%s in berth.yaml", d.name, path)
}

func (d *diagnosis) deployment(ctx context.Context) error {
	dep, err := d.cs.AppsV1().Deployments(d.ns).Get(ctx, d.name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	d.relate("deployment/"+dep.Name, dep.UID)
	sel, err := metav1.LabelSelectorAsSelector(dep.Spec.Selector)
	if err != nil {
		return fmt.Errorf("selector of deployment %s: %w", dep.Name, err)
	}
	var sets []appsv1.ReplicaSet
	d.mounted = podClaims(&dep.Spec.Template.Spec)
	pods, err := d.read(ctx, sel, d.mounted, func(ctx context.Context) error {
		l, err := d.cs.AppsV1().ReplicaSets(d.ns).List(ctx, metav1.ListOptions{LabelSelector: sel.String()})
		if err != nil {
			return fmt.Errorf("listing replica sets: %w", err)
		}
		sets = l.Items
		return nil
	})
	if err != nil {
		return err
	}
	rs := newReplicaSet(dep, sets)
	if rs != nil {
		d.relate("replicaset/"+rs.Name, rs.UID)
		for _, p := range pods {
			if metav1.IsControlledBy(&p, rs) {
				d.pods = append(d.pods, p)
			}
		}
	}
	d.analyse(ctx)
	d.deploymentConditions(dep, rs)
	return d.finish(ctx)
}

// revisionAnnotation is the revision the deployment controller stamps on a
// Deployment and on the ReplicaSet of each of its revisions.
const revisionAnnotation = "deployment.kubernetes.io/revision"

// newReplicaSet is the ReplicaSet of the Deployment's current revision (the
// one whose pods carry the current pod-template-hash), or the newest one
// while the controller has not caught up yet.
func newReplicaSet(dep *appsv1.Deployment, sets []appsv1.ReplicaSet) *appsv1.ReplicaSet {
	want := dep.Annotations[revisionAnnotation]
	var best *appsv1.ReplicaSet
	bestRev := int64(-1)
	for i := range sets {
		rs := &sets[i]
		if !metav1.IsControlledBy(rs, dep) {
			continue
		}
		rev := rs.Annotations[revisionAnnotation]
		if want != "" && rev == want {
			return rs
		}
		var n int64
		if _, err := fmt.Sscan(rev, &n); err == nil && n > bestRev {
			best, bestRev = rs, n
		}
	}
	return best
}

func (d *diagnosis) deploymentConditions(dep *appsv1.Deployment, rs *appsv1.ReplicaSet) {
	object := "deployment/" + dep.Name
	for _, c := range dep.Status.Conditions {
		switch {
		case c.Type == appsv1.DeploymentReplicaFailure && c.Status == corev1.ConditionTrue:
			f := failedCreate(object, c.Message, d.ns)
			d.add(f)
			d.cover(object, f.Reason)
			if rs != nil {
				d.cover("replicaset/"+rs.Name, "FailedCreate")
			}
		case c.Type == appsv1.DeploymentProgressing && c.Reason == "ProgressDeadlineExceeded":
			deadline := int32(600)
			if dep.Spec.ProgressDeadlineSeconds != nil {
				deadline = *dep.Spec.ProgressDeadlineSeconds
			}
			hint := "the findings above say why its pods do not become ready; fix that and deploy again"
			if len(d.findings) == 0 {
				sel := metav1.FormatLabelSelector(dep.Spec.Selector)
				hint = fmt.Sprintf("see why its pods are not ready: kubectl describe pods -n %s -l %s; "+
					"if the app only needs longer to start, raise progressDeadlineSeconds", d.ns, sel)
			}
			d.add(Finding{
				Object:   object,
				Reason:   "ProgressDeadlineExceeded",
				Message:  fmt.Sprintf("The rollout made no progress for %ds (progressDeadlineSeconds): %s", deadline, c.Message),
				Hint:     hint,
				Terminal: true,
			})
			d.cover(object, "ProgressDeadlineExceeded")
		case c.Type == appsv1.DeploymentProgressing && c.Reason == "DeploymentPaused":
			d.add(Finding{
				Object:   object,
				Reason:   "DeploymentPaused",
				Message:  "The Deployment is paused, so its new revision is not rolled out.",
				Hint:     fmt.Sprintf("resume it: kubectl rollout resume deployment/%s -n %s", dep.Name, d.ns),
				Terminal: true,
			})
		}
	}
}

func (d *diagnosis) statefulSet(ctx context.Context) error {
	sts, err := d.cs.AppsV1().StatefulSets(d.ns).Get(ctx, d.name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	d.relate("statefulset/"+sts.Name, sts.UID)
	sel, err := metav1.LabelSelectorAsSelector(sts.Spec.Selector)
	if err != nil {
		return fmt.Errorf("selector of statefulset %s: %w", sts.Name, err)
	}
	d.mounted = podClaims(&sts.Spec.Template.Spec)
	claims := slices.Clone(d.mounted)
	replicas, start := int32(1), int32(0)
	if sts.Spec.Replicas != nil {
		replicas = *sts.Spec.Replicas
	}
	if sts.Spec.Ordinals != nil {
		start = sts.Spec.Ordinals.Start
	}
	for _, t := range sts.Spec.VolumeClaimTemplates {
		for i := start; i < start+replicas; i++ {
			claims = append(claims, fmt.Sprintf("%s-%s-%d", t.Name, sts.Name, i))
		}
	}
	pods, err := d.read(ctx, sel, claims)
	if err != nil {
		return err
	}
	for _, p := range pods {
		rev := sts.Status.UpdateRevision
		if metav1.IsControlledBy(&p, sts) && (rev == "" || p.Labels[appsv1.ControllerRevisionHashLabelKey] == rev) {
			d.pods = append(d.pods, p)
		}
	}
	d.analyse(ctx)
	return d.finish(ctx)
}

func (d *diagnosis) daemonSet(ctx context.Context) error {
	ds, err := d.cs.AppsV1().DaemonSets(d.ns).Get(ctx, d.name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	d.relate("daemonset/"+ds.Name, ds.UID)
	sel, err := metav1.LabelSelectorAsSelector(ds.Spec.Selector)
	if err != nil {
		return fmt.Errorf("selector of daemonset %s: %w", ds.Name, err)
	}
	d.mounted = podClaims(&ds.Spec.Template.Spec)
	pods, err := d.read(ctx, sel, d.mounted)
	if err != nil {
		return err
	}
	for _, p := range pods {
		if metav1.IsControlledBy(&p, ds) {
			d.pods = append(d.pods, p)
		}
	}
	d.analyse(ctx)
	return d.finish(ctx)
}

func (d *diagnosis) job(ctx context.Context) error {
	job, err := d.cs.BatchV1().Jobs(d.ns).Get(ctx, d.name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	object := "job/" + job.Name
	d.relate(object, job.UID)
	sel, err := metav1.LabelSelectorAsSelector(job.Spec.Selector)
	if err != nil {
		return fmt.Errorf("selector of job %s: %w", job.Name, err)
	}
	d.mounted = podClaims(&job.Spec.Template.Spec)
	pods, err := d.read(ctx, sel, d.mounted)
	if err != nil {
		return err
	}
	for _, p := range pods {
		if metav1.IsControlledBy(&p, job) {
			d.pods = append(d.pods, p)
		}
	}
	d.analyse(ctx)
	for _, c := range job.Status.Conditions {
		if c.Type != batchv1.JobFailed || c.Status != corev1.ConditionTrue {
			continue
		}
		d.add(Finding{
			Object:  object,
			Reason:  c.Reason,
			Message: fmt.Sprintf("The Job failed: %s (failed pods: %d).", strings.TrimSuffix(c.Message, "."), job.Status.Failed),
			Hint: fmt.Sprintf("the findings above say why its pods failed; a failed Job does not run again: "+
				"fix it, then delete it (kubectl delete job %s -n %s) and deploy again", job.Name, d.ns),
			Terminal: true,
		})
		d.cover(object, c.Reason)
	}
	return d.finish(ctx)
}

func (d *diagnosis) pod(ctx context.Context) error {
	pod, err := d.cs.CoreV1().Pods(d.ns).Get(ctx, d.name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	d.barePod = true
	d.mounted = podClaims(&pod.Spec)
	err = d.parallel(ctx, d.readEvents(metav1.ListOptions{FieldSelector: "type=Warning"}), d.readClaims(d.mounted))
	if err != nil {
		return err
	}
	d.pods = []corev1.Pod{*pod}
	d.analyse(ctx)
	return d.finish(ctx)
}

// read runs the second round of a workload's requests: its pods, the
// namespace's Warning events, the claims its pods use, and more.
func (d *diagnosis) read(ctx context.Context, sel labels.Selector, claims []string, more ...func(context.Context) error) ([]corev1.Pod, error) {
	var pods []corev1.Pod
	reads := append([]func(context.Context) error{
		func(ctx context.Context) error {
			l, err := d.cs.CoreV1().Pods(d.ns).List(ctx, metav1.ListOptions{LabelSelector: sel.String()})
			if err != nil {
				return fmt.Errorf("listing pods: %w", err)
			}
			pods = l.Items
			return nil
		},
		d.readEvents(metav1.ListOptions{FieldSelector: "type=Warning"}),
		d.readClaims(claims),
	}, more...)
	return pods, d.parallel(ctx, reads...)
}

// readEvents reads events; they only add detail, so an error leaves none.
func (d *diagnosis) readEvents(opts metav1.ListOptions) func(context.Context) error {
	return func(ctx context.Context) error {
		l, err := d.cs.CoreV1().Events(d.ns).List(ctx, opts)
		if err == nil {
			d.events = l.Items
		}
		return nil
	}
}

// readClaims reads the namespace's claims when the pods use any (one LIST
// rather than one GET per claim of each StatefulSet replica). They only
// add detail: an error leaves none.
func (d *diagnosis) readClaims(names []string) func(context.Context) error {
	return func(ctx context.Context) error {
		if len(names) == 0 {
			return nil
		}
		l, err := d.cs.CoreV1().PersistentVolumeClaims(d.ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return nil
		}
		d.claimsRead = true
		want := map[string]bool{}
		for _, n := range names {
			want[n] = true
		}
		for _, c := range l.Items {
			if want[c.Name] {
				d.claims = append(d.claims, c)
			}
		}
		return nil
	}
}

// parallel runs reads at once and returns the first error.
func (d *diagnosis) parallel(ctx context.Context, reads ...func(context.Context) error) error {
	g, gctx := errgroup.WithContext(ctx)
	for _, r := range reads {
		g.Go(func() error { return r(gctx) })
	}
	return g.Wait()
}

// podClaims are the claims a pod spec mounts.
func podClaims(spec *corev1.PodSpec) []string {
	var out []string
	for _, v := range spec.Volumes {
		if v.PersistentVolumeClaim != nil {
			out = append(out, v.PersistentVolumeClaim.ClaimName)
		}
	}
	return out
}

// analyse turns the pods and claims into findings: the third round reads
// what those findings need (Nodes, StorageClasses), then the pods' and
// the claims' findings are added.
func (d *diagnosis) analyse(ctx context.Context) {
	sortPods(d.pods)
	for _, p := range d.pods {
		d.relate("pod/"+p.Name, p.UID)
	}
	for _, c := range d.claims {
		d.relate("persistentvolumeclaim/"+c.Name, c.UID)
	}
	var reads []func(context.Context) error
	if firstPod(d.pods, placementFailed) != nil {
		reads = append(reads, func(ctx context.Context) error {
			if l, err := d.cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{}); err == nil {
				d.nodes = l.Items
			}
			return nil
		})
	} else if pod := firstPod(d.pods, pullFailing); pod != nil {
		reads = append(reads, func(ctx context.Context) error {
			if n, err := d.cs.CoreV1().Nodes().Get(ctx, pod.Spec.NodeName, metav1.GetOptions{}); err == nil {
				d.node = n
			}
			return nil
		})
	}
	for _, c := range d.claims {
		if c.Status.Phase == corev1.ClaimPending {
			reads = append(reads, d.readClasses)
			break
		}
	}
	_ = d.parallel(ctx, reads...) // reads that add detail never fail

	claimFindings := d.claimFindings()
	d.podFindings(len(claimFindings) > 0)
	for _, f := range claimFindings {
		d.add(f)
	}
}

func (d *diagnosis) readClasses(ctx context.Context) error {
	if l, err := d.cs.StorageV1().StorageClasses().List(ctx, metav1.ListOptions{}); err == nil {
		d.classes, d.classesRead = l.Items, true
	}
	return nil
}

// finish adds the events no finding explains and fills in the logs.
func (d *diagnosis) finish(ctx context.Context) error {
	d.eventFindings()
	d.fetchLogs(ctx)
	return ctx.Err()
}
