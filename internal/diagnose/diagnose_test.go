package diagnose_test

import (
	"bytes"
	"context"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"

	"github.com/berth-dev/berth/internal/diagnose"
	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/internal/testutil"
)

const (
	image = "registry.example.com/shop/web:1.4.2"
	// kwokLog is the one line kwok serves as every container's log.
	kwokLog = "Hello from the berth sandbox: kwok fakes this container, nothing runs."
)

// TestWorkload builds each failure on the sandbox's API server and checks
// the findings (their object, reason and terminality; their words in
// testdata/NAME.golden, rewritten with -update). Each case says what is
// real (the API server, the controllers, the scheduler) and what the test
// plays (a kubelet's status updates and events, which no kubelet makes
// here).
func TestWorkload(t *testing.T) {
	t.Parallel()
	c := testcluster.Require(t, cluster)
	tests := []struct {
		name  string
		setup func(t *testing.T, e *env) diagnose.Target
		want  []summary
		// logs is a line the findings' logs hold; "" when the cluster
		// cannot serve any (pods on a Node no kubelet serves: the finding
		// comes without logs and without an error).
		logs string
		// requests are the API requests of one diagnosis, sorted (they run
		// in parallel); not checked when nil.
		requests []string
	}{
		{
			// Real: Deployment, ReplicaSet, pods. Played: the kubelet's
			// ImagePullBackOff status with containerd's not-found error and
			// its Failed events, which the finding explains (not repeated).
			name: "image-not-found",
			setup: func(t *testing.T, e *env) diagnose.Target {
				target := e.createDeployment(t, deployment("web", 2, image, pinned(noKubelet)))
				cause := `rpc error: code = NotFound desc = failed to pull and unpack image "` + image + `": failed to resolve reference "` + image + `": ` + image + `: not found`
				pods := e.playKubelet(t, "app=web", 2, nil, waiting("web", image, "ImagePullBackOff", `Back-off pulling image "`+image+`": ErrImagePull: `+cause))
				for i := range pods {
					e.kubeletEvent(t, &pods[i], "web", "Failed", `Failed to pull image "`+image+`": `+cause, 3)
					e.kubeletEvent(t, &pods[i], "web", "Failed", "Error: ImagePullBackOff", 5)
				}
				return target
			},
			want: []summary{{"pod/web-HASH-RANDOM", "ImagePullBackOff", true}},
			requests: []string{
				"GET /api/v1/namespaces/NS/events?fieldSelector=type%3DWarning",
				"GET /api/v1/namespaces/NS/pods?labelSelector=app%3Dweb",
				"GET /api/v1/nodes/no-kubelet",
				"GET /apis/apps/v1/namespaces/NS/deployments/web",
				"GET /apis/apps/v1/namespaces/NS/replicasets?labelSelector=app%3Dweb",
			},
		},
		{
			// Played: an older kubelet whose waiting message has no cause;
			// the cause is in its Failed event.
			name: "image-not-found-cause-in-event",
			setup: func(t *testing.T, e *env) diagnose.Target {
				target := e.createDeployment(t, deployment("web", 1, image, pinned(noKubelet)))
				pods := e.playKubelet(t, "app=web", 1, nil, waiting("web", image, "ImagePullBackOff", `Back-off pulling image "`+image+`"`))
				e.kubeletEvent(t, &pods[0], "web", "Failed", `Failed to pull image "`+image+`": rpc error: code = NotFound desc = failed to pull and unpack image "`+image+`": failed to resolve reference "`+image+`": `+image+`: not found`, 2)
				return target
			},
			want: []summary{{"pod/web-HASH-RANDOM", "ImagePullBackOff", true}},
		},
		{
			// Played: a minikube node (its Node carries minikube's label)
			// whose Docker runtime cannot pull a locally built image.
			name: "local-image-on-minikube",
			setup: func(t *testing.T, e *env) diagnose.Target {
				target := e.createDeployment(t, deployment("web", 1, "web:dev", pinned(noKubeletMinikube)))
				e.playKubelet(t, "app=web", 1, nil, waiting("web", "web:dev", "ErrImagePull",
					"Error response from daemon: pull access denied for web, repository does not exist or may require 'docker login': denied: requested access to the resource is denied"))
				return target
			},
			want: []summary{{"pod/web-HASH-RANDOM", "ErrImagePull", true}},
		},
		{
			// Played: a private registry answering 401 to an anonymous pull.
			name: "image-unauthorized",
			setup: func(t *testing.T, e *env) diagnose.Target {
				img := "ghcr.io/acme/api:2.0"
				target := e.createDeployment(t, deployment("api", 1, img, pinned(noKubelet)))
				e.playKubelet(t, "app=api", 1, nil, waiting("api", img, "ImagePullBackOff",
					`Back-off pulling image "`+img+`": ErrImagePull: rpc error: code = Unknown desc = failed to pull and unpack image "`+img+`": failed to resolve reference "`+img+`": failed to authorize: failed to fetch anonymous token: unexpected status from GET request to https://ghcr.io/token?scope=repository%3Aacme%2Fapi%3Apull&service=ghcr.io: 401 Unauthorized`))
				return target
			},
			want: []summary{{"pod/api-HASH-RANDOM", "ImagePullBackOff", true}},
		},
		{
			// Played: a registry on the developer's localhost, which the
			// node cannot reach (not terminal: networks recover).
			name: "image-registry-unreachable",
			setup: func(t *testing.T, e *env) diagnose.Target {
				img := "localhost:5000/web:dev"
				target := e.createDeployment(t, deployment("web", 1, img, pinned(noKubelet)))
				e.playKubelet(t, "app=web", 1, nil, waiting("web", img, "ErrImagePull",
					`rpc error: code = Unknown desc = failed to pull and unpack image "`+img+`": failed to resolve reference "`+img+`": failed to do request: Head "https://localhost:5000/v2/web/manifests/dev": dial tcp [::1]:5000: connect: connection refused`))
				return target
			},
			want: []summary{{"pod/web-HASH-RANDOM", "ErrImagePull", false}},
		},
		{
			// Played: a container that exited with code 1 five times. Its
			// logs cannot be read (no kubelet serves the Node): the finding
			// comes without them.
			name: "crash-loop",
			setup: func(t *testing.T, e *env) diagnose.Target {
				target := e.createDeployment(t, deployment("web", 1, image, pinned(noKubelet)))
				e.playKubelet(t, "app=web", 1, nil, crashing("web", image, 5, 1, "Error"))
				return target
			},
			want: []summary{{"pod/web-HASH-RANDOM", "CrashLoopBackOff", true}},
			requests: []string{
				"GET /api/v1/namespaces/NS/events?fieldSelector=type%3DWarning",
				"GET /api/v1/namespaces/NS/pods/web-HASH-RANDOM/log?container=web&limitBytes=65536&previous=true&tailLines=10",
				"GET /api/v1/namespaces/NS/pods?labelSelector=app%3Dweb",
				"GET /apis/apps/v1/namespaces/NS/deployments/web",
				"GET /apis/apps/v1/namespaces/NS/replicasets?labelSelector=app%3Dweb",
			},
		},
		{
			// Played: the first restart, which a dependency still starting
			// explains often enough: not terminal yet.
			name: "crash-loop-first-restart",
			setup: func(t *testing.T, e *env) diagnose.Target {
				target := e.createDeployment(t, deployment("web", 1, image, pinned(noKubelet)))
				e.playKubelet(t, "app=web", 1, nil, crashing("web", image, 1, 1, "Error"))
				return target
			},
			want: []summary{{"pod/web-HASH-RANDOM", "CrashLoopBackOff", false}},
		},
		{
			// Played: what a real kubelet shows for a moment after each
			// exit of a crash-looping container (measured on the sandbox's
			// real node, test/e2e): the exit in State, before the
			// CrashLoopBackOff wait, with the back-off and the failed
			// readiness probes as events. It is the crash loop (terminal
			// after three restarts), and the events are not repeated.
			name: "crash-loop-between-restarts",
			setup: func(t *testing.T, e *env) diagnose.Target {
				target := e.createDeployment(t, deployment("web", 1, image, pinned(noKubelet), func(d *appsv1.Deployment) {
					d.Spec.Template.Spec.Containers[0].ReadinessProbe = &corev1.Probe{
						ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/readyz", Port: intstr.FromInt32(8080)}},
					}
				}))
				pods := e.playKubelet(t, "app=web", 1, nil, func(p *corev1.Pod) {
					crashing("web", image, 3, 1, "Error")(p)
					st := &p.Status.ContainerStatuses[0]
					st.State = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
						ExitCode: 1, Reason: "Error", ContainerID: "containerd://fedcba9876543210",
						StartedAt: metav1.Now(), FinishedAt: metav1.Now(),
					}}
				})
				e.kubeletEvent(t, &pods[0], "web", "BackOff", "Back-off restarting failed container web in pod "+pods[0].Name, 3)
				e.kubeletEvent(t, &pods[0], "web", "Unhealthy", `Readiness probe failed: Get "http://10.244.50.3:8080/readyz": dial tcp 10.244.50.3:8080: connect: connection refused`, 7)
				return target
			},
			want: []summary{{"pod/web-HASH-RANDOM", "CrashLoopBackOff", true}},
		},
		{
			// Played: the other moment of a real kubelet's crash loop (seen
			// on the real node): just restarted, running, not ready, its
			// readiness probe refused. The crash is the cause.
			name: "crash-loop-running-again",
			setup: func(t *testing.T, e *env) diagnose.Target {
				target := e.createDeployment(t, deployment("web", 1, image, pinned(noKubelet), func(d *appsv1.Deployment) {
					d.Spec.Template.Spec.Containers[0].ReadinessProbe = &corev1.Probe{
						ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/readyz", Port: intstr.FromInt32(8080)}},
					}
				}))
				pods := e.playKubelet(t, "app=web", 1, nil, func(p *corev1.Pod) {
					crashing("web", image, 2, 1, "Error")(p)
					p.Status.ContainerStatuses[0].State = corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.Now()}}
				})
				e.kubeletEvent(t, &pods[0], "web", "Unhealthy", `Readiness probe failed: Get "http://10.244.50.12:8080/readyz": dial tcp 10.244.50.12:8080: connect: connection refused`, 4)
				return target
			},
			want: []summary{{"pod/web-HASH-RANDOM", "CrashLoopBackOff", false}},
		},
		{
			// Played: a kubelet that kills the container (exit 137) because
			// its liveness probe times out, and its Unhealthy events.
			name: "liveness-probe-failing",
			setup: func(t *testing.T, e *env) diagnose.Target {
				target := e.createDeployment(t, deployment("web", 1, image, pinned(noKubelet), func(d *appsv1.Deployment) {
					d.Spec.Template.Spec.Containers[0].LivenessProbe = &corev1.Probe{
						ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromInt32(8080)}},
					}
				}))
				pods := e.playKubelet(t, "app=web", 1, nil, crashing("web", image, 4, 137, "Error"))
				e.kubeletEvent(t, &pods[0], "web", "Unhealthy", `Liveness probe failed: Get "http://10.244.0.9:8080/healthz": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`, 12)
				return target
			},
			want: []summary{{"pod/web-HASH-RANDOM", "CrashLoopBackOff", true}},
		},
		{
			// Played: the kernel's OOM killer, four times, under a 256Mi
			// limit, and the readiness probe failing while the container
			// is dead (as on the real node), which the finding explains.
			name: "oom-killed",
			setup: func(t *testing.T, e *env) diagnose.Target {
				target := e.createDeployment(t, deployment("web", 1, image, pinned(noKubelet), func(d *appsv1.Deployment) {
					d.Spec.Template.Spec.Containers[0].Resources.Limits = corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("256Mi")}
					d.Spec.Template.Spec.Containers[0].ReadinessProbe = &corev1.Probe{
						ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/readyz", Port: intstr.FromInt32(8080)}},
					}
				}))
				pods := e.playKubelet(t, "app=web", 1, nil, crashing("web", image, 4, 137, "OOMKilled"))
				e.kubeletEvent(t, &pods[0], "web", "Unhealthy", `Readiness probe failed: Get "http://10.244.50.13:8080/readyz": dial tcp 10.244.50.13:8080: connect: connection refused`, 8)
				return target
			},
			want: []summary{{"pod/web-HASH-RANDOM", "OOMKilled", true}},
		},
		{
			// Played: the kubelet's CreateContainerConfigError for a Secret
			// that does not exist.
			name: "missing-secret",
			setup: func(t *testing.T, e *env) diagnose.Target {
				target := e.createDeployment(t, deployment("web", 1, image, pinned(noKubelet)))
				e.playKubelet(t, "app=web", 1, nil, waiting("web", image, "CreateContainerConfigError", `secret "db-credentials" not found`))
				return target
			},
			want: []summary{{"pod/web-HASH-RANDOM", "CreateContainerConfigError", true}},
		},
		{
			// Played: the same for a key missing in an existing Secret.
			name: "missing-secret-key",
			setup: func(t *testing.T, e *env) diagnose.Target {
				target := e.createDeployment(t, deployment("web", 1, image, pinned(noKubelet)))
				e.playKubelet(t, "app=web", 1, nil, waiting("web", image, "CreateContainerConfigError", "couldn't find key password in Secret "+e.ns+"/db-credentials"))
				return target
			},
			want: []summary{{"pod/web-HASH-RANDOM", "CreateContainerConfigError", true}},
		},
		{
			// Real: the pod runs on a kwok Node, which serves its log for
			// real (kwok's one line). Played: the kubelet's failing
			// readiness probe (Ready=False and its Unhealthy events), written
			// once kwok has made the pod Running, after which kwok leaves
			// the pod's status alone.
			name: "readiness-probe-failing",
			setup: func(t *testing.T, e *env) diagnose.Target {
				target := e.createDeployment(t, deployment("web", 1, image, func(d *appsv1.Deployment) {
					d.Spec.Template.Spec.Containers[0].ReadinessProbe = &corev1.Probe{
						ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromInt32(8080)}},
					}
				}))
				pods := e.playKubelet(t, "app=web", 1, ready, func(p *corev1.Pod) {
					p.Status.ContainerStatuses[0].Ready = false
				})
				e.kubeletEvent(t, &pods[0], "web", "Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 503", 7)
				return target
			},
			want: []summary{{"pod/web-HASH-RANDOM", "ReadinessProbeFailing", false}},
			logs: kwokLog,
			requests: []string{
				"GET /api/v1/namespaces/NS/events?fieldSelector=type%3DWarning",
				"GET /api/v1/namespaces/NS/pods/web-HASH-RANDOM/log?container=web&limitBytes=65536&tailLines=10",
				"GET /api/v1/namespaces/NS/pods?labelSelector=app%3Dweb",
				"GET /apis/apps/v1/namespaces/NS/deployments/web",
				"GET /apis/apps/v1/namespaces/NS/replicasets?labelSelector=app%3Dweb",
			},
		},
		{
			// Real: the scheduler finds no Node with 1000 CPUs.
			name: "unschedulable-cpu",
			setup: func(t *testing.T, e *env) diagnose.Target {
				return e.createDeployment(t, deployment("web", 1, image, requests("1000", "")))
			},
			want: []summary{{"pod/web-HASH-RANDOM", "Unschedulable", true}},
			requests: []string{
				"GET /api/v1/namespaces/NS/events?fieldSelector=type%3DWarning",
				"GET /api/v1/namespaces/NS/pods?labelSelector=app%3Dweb",
				"GET /api/v1/nodes",
				"GET /apis/apps/v1/namespaces/NS/deployments/web",
				"GET /apis/apps/v1/namespaces/NS/replicasets?labelSelector=app%3Dweb",
			},
		},
		{
			// Real: the scheduler's verdict and the deployment controller's
			// ProgressDeadlineExceeded after one second.
			name: "progress-deadline",
			setup: func(t *testing.T, e *env) diagnose.Target {
				return e.createDeployment(t, deployment("web", 1, image, requests("1000", ""), func(d *appsv1.Deployment) {
					d.Spec.ProgressDeadlineSeconds = ptr.To[int32](1)
				}))
			},
			want: []summary{
				{"pod/web-HASH-RANDOM", "Unschedulable", true},
				{"deployment/web", "ProgressDeadlineExceeded", true},
			},
		},
		{
			// Real: a second pod of 20 CPUs does not fit next to the first
			// on the only Node large enough; the Node could take it once
			// the first is gone, so this is not terminal.
			name: "unschedulable-nodes-full",
			setup: func(t *testing.T, e *env) diagnose.Target {
				return e.createDeployment(t, deployment("web", 2, image, requests("20", "")))
			},
			want: []summary{{"pod/web-HASH-RANDOM", "Unschedulable", false}},
		},
		{
			// Real: a nodeSelector no Node matches.
			name: "unschedulable-node-selector",
			setup: func(t *testing.T, e *env) diagnose.Target {
				return e.createDeployment(t, deployment("web", 1, image, func(d *appsv1.Deployment) {
					d.Spec.Template.Spec.NodeSelector = map[string]string{"disktype": "ssd"}
				}))
			},
			want: []summary{{"pod/web-HASH-RANDOM", "Unschedulable", true}},
		},
		{
			// Real: the only Node with the selected label has a taint the
			// pod does not tolerate.
			name: "unschedulable-taint",
			setup: func(t *testing.T, e *env) diagnose.Target {
				return e.createDeployment(t, deployment("web", 1, image, func(d *appsv1.Deployment) {
					d.Spec.Template.Spec.NodeSelector = map[string]string{"berth.dev/pool": noKubelet}
				}))
			},
			want: []summary{{"pod/web-HASH-RANDOM", "Unschedulable", true}},
		},
		{
			// Real: a claim of a StorageClass that does not exist stays
			// Pending (persistent-volume controller), so the scheduler
			// keeps the pod; the pod's finding is the claim's.
			name: "claim-unknown-class",
			setup: func(t *testing.T, e *env) diagnose.Target {
				e.createClaim(t, "data", ptr.To("nope"))
				return e.createDeployment(t, deployment("web", 1, image, mounts("data")))
			},
			want: []summary{{"persistentvolumeclaim/data", "PVCPending", true}},
			requests: []string{
				"GET /api/v1/namespaces/NS/events?fieldSelector=type%3DWarning",
				"GET /api/v1/namespaces/NS/persistentvolumeclaims",
				"GET /api/v1/namespaces/NS/pods?labelSelector=app%3Dweb",
				"GET /apis/apps/v1/namespaces/NS/deployments/web",
				"GET /apis/apps/v1/namespaces/NS/replicasets?labelSelector=app%3Dweb",
				"GET /apis/storage.k8s.io/v1/storageclasses",
			},
		},
		{
			// Real: the same claim diagnosed on its own.
			name: "claim-unknown-class-alone",
			setup: func(t *testing.T, e *env) diagnose.Target {
				e.createClaim(t, "data", ptr.To("nope"))
				return diagnose.Target{Kind: "PersistentVolumeClaim", Namespace: e.ns, Name: "data"}
			},
			want: []summary{{"persistentvolumeclaim/data", "PVCPending", true}},
			requests: []string{
				"GET /api/v1/namespaces/NS/events?fieldSelector=involvedObject.kind%3DPersistentVolumeClaim%2CinvolvedObject.name%3Ddata%2Ctype%3DWarning",
				"GET /api/v1/namespaces/NS/persistentvolumeclaims/data",
				"GET /apis/storage.k8s.io/v1/storageclasses",
			},
		},
		{
			// Real: a WaitForFirstConsumer claim waits for its pod, which
			// cannot be scheduled: only the pod is a problem.
			name: "claim-waits-for-consumer",
			setup: func(t *testing.T, e *env) diagnose.Target {
				e.createClaim(t, "data", ptr.To(waitForConsumer))
				return e.createDeployment(t, deployment("web", 1, image, mounts("data"), requests("1000", "")))
			},
			want: []summary{{"pod/web-HASH-RANDOM", "Unschedulable", true}},
		},
		{
			// Real: a StatefulSet's claim template of an unknown class; the
			// StatefulSet controller creates the claim, which stays Pending.
			name: "statefulset-claim-unknown-class",
			setup: func(t *testing.T, e *env) diagnose.Target {
				return e.createStatefulSet(t, "db", func(s *appsv1.StatefulSet) {
					s.Spec.VolumeClaimTemplates = []corev1.PersistentVolumeClaim{claim("data", ptr.To("nope"))}
					s.Spec.Template.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "data", MountPath: "/data"}}
				})
			},
			want: []summary{{"persistentvolumeclaim/data-db-0", "PVCPending", true}},
		},
		{
			// Real: a ResourceQuota of one pod; the ReplicaSet controller
			// fails to create the second (FailedCreate), the Deployment
			// says so in its ReplicaFailure condition.
			name: "quota-deployment",
			setup: func(t *testing.T, e *env) diagnose.Target {
				e.createQuota(t, 1)
				return e.createDeployment(t, deployment("web", 2, image))
			},
			want: []summary{{"deployment/web", "FailedCreate", true}},
		},
		{
			// Real: a StatefulSet has no such condition; its controller's
			// FailedCreate event says it.
			name: "quota-statefulset",
			setup: func(t *testing.T, e *env) diagnose.Target {
				e.createQuota(t, 0)
				return e.createStatefulSet(t, "db")
			},
			want: []summary{{"statefulset/db", "FailedCreate", true}},
		},
		{
			// Real: the Job controller fails the Job (backoffLimit 0) when
			// its pod fails. Played: the kubelet's Failed status, exit 2.
			name: "job-failed",
			setup: func(t *testing.T, e *env) diagnose.Target {
				job := &batchv1.Job{
					ObjectMeta: metav1.ObjectMeta{Name: "migrate"},
					Spec: batchv1.JobSpec{
						BackoffLimit: ptr.To[int32](0),
						Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
							RestartPolicy: corev1.RestartPolicyNever,
							NodeName:      noKubelet,
							Containers:    []corev1.Container{{Name: "migrate", Image: image}},
						}},
					},
				}
				if _, err := e.cs.BatchV1().Jobs(e.ns).Create(t.Context(), job, metav1.CreateOptions{}); err != nil {
					t.Fatal(err)
				}
				e.playKubelet(t, "job-name=migrate", 1, nil, func(p *corev1.Pod) {
					p.Status.Phase = corev1.PodFailed
					p.Status.ContainerStatuses = []corev1.ContainerStatus{{
						Name: "migrate", Image: image,
						State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
							ExitCode: 2, Reason: "Error", StartedAt: metav1.Now(), FinishedAt: metav1.Now(),
						}},
					}}
				})
				return diagnose.Target{Kind: "Job", Namespace: e.ns, Name: "migrate"}
			},
			want: []summary{
				{"pod/migrate-RANDOM", "Error", false},
				{"job/migrate", "BackoffLimitExceeded", true},
			},
		},
		{
			// Real: the sandbox has no load-balancer controller.
			name: "load-balancer-pending",
			setup: func(t *testing.T, e *env) diagnose.Target {
				e.createService(t, "web")
				return diagnose.Target{Kind: "Service", Namespace: e.ns, Name: "web"}
			},
			want: []summary{{"service/web", "LoadBalancerPending", false}},
			requests: []string{
				"GET /api/v1/namespaces/NS/events?fieldSelector=involvedObject.kind%3DService%2CinvolvedObject.name%3Dweb%2Ctype%3DWarning",
				"GET /api/v1/namespaces/NS/services/web",
			},
		},
		{
			// Played: a cloud controller gives the Service its address.
			name: "load-balancer-ready",
			setup: func(t *testing.T, e *env) diagnose.Target {
				svc := e.createService(t, "web")
				svc.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: "203.0.113.10"}}
				if _, err := e.cs.CoreV1().Services(e.ns).UpdateStatus(t.Context(), svc, metav1.UpdateOptions{}); err != nil {
					t.Fatal(err)
				}
				return diagnose.Target{Kind: "Service", Namespace: e.ns, Name: "web"}
			},
		},
		{
			// Real: kwok makes the pods Ready, the Deployment Available.
			name: "healthy",
			setup: func(t *testing.T, e *env) diagnose.Target {
				target := e.createDeployment(t, deployment("web", 2, image))
				e.waitPods(t, "app=web", 2, ready)
				return target
			},
		},
		{
			// Played: a kubelet that cannot mount a volume of two pods,
			// which stay ContainerCreating: one finding from the events of
			// both pods.
			name: "events-of-two-pods",
			setup: func(t *testing.T, e *env) diagnose.Target {
				target := e.createDeployment(t, deployment("web", 2, image, pinned(noKubelet)))
				pods := e.playKubelet(t, "app=web", 2, nil, waiting("web", image, "ContainerCreating", ""))
				for i := range pods {
					e.kubeletEvent(t, &pods[i], "", "FailedMount", `MountVolume.SetUp failed for volume "config" : configmap "app-settings" not found`, 4)
				}
				return target
			},
			want: []summary{{"pod/web-HASH-RANDOM", "FailedMount", false}},
		},
		{
			// Real: a DaemonSet's pods on the three kwok Nodes. Played: once
			// kwok made them Running, a kubelet's CrashLoopBackOff (kwok
			// leaves a Running pod's status alone). kwok serves current
			// logs but not --previous ones (it answers 400): the finding
			// comes without logs and without an error.
			name: "daemonset-crash-loop",
			setup: func(t *testing.T, e *env) diagnose.Target {
				labels := map[string]string{"app": "agent"}
				ds := &appsv1.DaemonSet{
					ObjectMeta: metav1.ObjectMeta{Name: "agent"},
					Spec: appsv1.DaemonSetSpec{
						Selector: &metav1.LabelSelector{MatchLabels: labels},
						Template: corev1.PodTemplateSpec{
							ObjectMeta: metav1.ObjectMeta{Labels: labels},
							Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "agent", Image: image}}},
						},
					},
				}
				if _, err := e.cs.AppsV1().DaemonSets(e.ns).Create(t.Context(), ds, metav1.CreateOptions{}); err != nil {
					t.Fatal(err)
				}
				e.playKubelet(t, "app=agent", 3, ready, crashing("agent", image, 3, 139, "Error"))
				return diagnose.Target{Kind: "DaemonSet", Namespace: e.ns, Name: "agent"}
			},
			want: []summary{{"pod/agent-RANDOM", "CrashLoopBackOff", true}},
		},
		{
			// Real: a bare Pod. Played: the kubelet's
			// CreateContainerConfigError for a ConfigMap key.
			name: "pod-missing-configmap-key",
			setup: func(t *testing.T, e *env) diagnose.Target {
				pod := &corev1.Pod{
					ObjectMeta: metav1.ObjectMeta{Name: "worker", Labels: map[string]string{"app": "worker"}},
					Spec: corev1.PodSpec{
						NodeName:   noKubelet,
						Containers: []corev1.Container{{Name: "worker", Image: image}},
					},
				}
				if _, err := e.cs.CoreV1().Pods(e.ns).Create(t.Context(), pod, metav1.CreateOptions{}); err != nil {
					t.Fatal(err)
				}
				e.playKubelet(t, "app=worker", 1, nil, waiting("worker", image, "CreateContainerConfigError", "couldn't find key LOG_LEVEL in ConfigMap "+e.ns+"/settings"))
				return diagnose.Target{Kind: "Pod", Namespace: e.ns, Name: "worker"}
			},
			want: []summary{{"pod/worker", "CreateContainerConfigError", true}},
		},
		{
			// Real: a rollout from revision 1 to 2 (maxUnavailable 0 keeps
			// the old pod). Played: revision 1's pod cannot pull, revision
			// 2's crashes; only revision 2 counts.
			name: "newest-replicaset-only",
			setup: func(t *testing.T, e *env) diagnose.Target {
				d := deployment("web", 1, "registry.example.com/shop/web:1", pinned(noKubelet), func(d *appsv1.Deployment) {
					d.Spec.Strategy.RollingUpdate = &appsv1.RollingUpdateDeployment{MaxUnavailable: ptr.To(intstr.FromInt32(0))}
				})
				target := e.createDeployment(t, d)
				e.playKubelet(t, "app=web", 1, nil, waiting("web", d.Spec.Template.Spec.Containers[0].Image, "ImagePullBackOff", "Back-off pulling image"))
				v2 := "registry.example.com/shop/web:2"
				e.setImage(t, "web", v2)
				e.playKubelet(t, "app=web", 1, withImage(v2), crashing("web", v2, 6, 1, "Error"))
				e.waitPods(t, "app=web", 2, nil)
				return target
			},
			want: []summary{{"pod/web-HASH-RANDOM", "CrashLoopBackOff", true}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, c)
			target := tt.setup(t, e)
			got := e.eventually(t, target, tt.want)
			checkLogs(t, got, tt.logs)
			if tt.requests != nil {
				if diff := cmp.Diff(tt.requests, diagnosisRequests(t, c, target)); diff != "" {
					t.Errorf("requests of one diagnosis (-want +got):\n%s", diff)
				}
			}
			var out bytes.Buffer
			diagnose.Format(&out, got)
			testutil.Golden(t, filepath.Join("testdata", tt.name+".golden"), []byte(normalize(out.String(), e.ns, target.Name)), *update)
		})
	}
}

// TestNoDefaultStorageClass takes the default mark off the sandbox's
// StorageClass for a moment. It does not call t.Parallel, so it runs
// before the parallel tests resume and none of them sees the change.
func TestNoDefaultStorageClass(t *testing.T) {
	c := testcluster.Require(t, cluster)
	e := newEnv(t, c)
	const mark = "storageclass.kubernetes.io/is-default-class"
	setDefault := func(ctx context.Context, v string) {
		patch := []byte(`{"metadata":{"annotations":{"` + mark + `":"` + v + `"}}}`)
		if _, err := e.cs.StorageV1().StorageClasses().Patch(ctx, testcluster.DefaultStorageClass, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
			t.Fatalf("mark %s default=%s: %v", testcluster.DefaultStorageClass, v, err)
		}
	}
	setDefault(t.Context(), "false")
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(t.Context()), 30*time.Second)
		defer cancel()
		setDefault(ctx, "true")
		e.waitAdmittedClass(ctx, t, true)
	})
	// The DefaultStorageClass admission plugin reads StorageClasses from
	// an informer: right after the patch it may still give a new claim the
	// old default (the claim then binds and there is nothing to
	// diagnose). Wait until it has seen the change, both ways.
	e.waitAdmittedClass(t.Context(), t, false)
	e.createClaim(t, "data", nil)
	target := diagnose.Target{Kind: "PersistentVolumeClaim", Namespace: e.ns, Name: "data"}
	got := e.eventually(t, target, []summary{{"persistentvolumeclaim/data", "PVCPending", true}})
	var out bytes.Buffer
	diagnose.Format(&out, got)
	testutil.Golden(t, filepath.Join("testdata", "claim-no-default-class.golden"), []byte(normalize(out.String(), e.ns, target.Name)), *update)
}

// TestNamespaceRights diagnoses as a developer who may edit the namespace
// (the built-in edit ClusterRole, bound in it) but not read Nodes or
// StorageClasses, which are cluster-scoped. Real: RBAC refuses those
// lookups (the test impersonates the developer). The findings lose that
// detail, not the diagnosis: without the Nodes a pod that asks for 1000
// CPUs is not known to fit nowhere, so it is not terminal; without the
// StorageClasses the persistent-volume controller's event still says the
// class does not exist.
func TestNamespaceRights(t *testing.T) {
	t.Parallel()
	c := testcluster.Require(t, cluster)
	tests := []struct {
		name  string
		setup func(t *testing.T, e *env) diagnose.Target
		want  []summary
	}{
		{
			name: "unschedulable-cpu",
			setup: func(t *testing.T, e *env) diagnose.Target {
				return e.createDeployment(t, deployment("web", 1, image, requests("1000", "")))
			},
			want: []summary{{"pod/web-HASH-RANDOM", "Unschedulable", false}},
		},
		{
			name: "claim-unknown-class",
			setup: func(t *testing.T, e *env) diagnose.Target {
				e.createClaim(t, "data", ptr.To("nope"))
				return e.createDeployment(t, deployment("web", 1, image, mounts("data")))
			},
			want: []summary{{"persistentvolumeclaim/data", "PVCPending", true}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, c)
			target := tt.setup(t, e)
			binding := &rbacv1.RoleBinding{
				ObjectMeta: metav1.ObjectMeta{Name: "developer"},
				RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "edit"},
				Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: "developer"}},
			}
			if _, err := e.cs.RbacV1().RoleBindings(e.ns).Create(t.Context(), binding, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
			cfg, err := c.RESTConfig()
			if err != nil {
				t.Fatal(err)
			}
			cfg.Impersonate = rest.ImpersonationConfig{UserName: "developer"}
			dev := &env{cs: kubernetes.NewForConfigOrDie(cfg), ns: e.ns}
			if _, err := dev.cs.CoreV1().Nodes().List(t.Context(), metav1.ListOptions{}); !apierrors.IsForbidden(err) {
				t.Fatalf("listing nodes as the developer: %v, want forbidden", err)
			}
			got := dev.eventually(t, target, tt.want)
			var out bytes.Buffer
			diagnose.Format(&out, got)
			testutil.Golden(t, filepath.Join("testdata", "namespace-rights-"+tt.name+".golden"), []byte(normalize(out.String(), e.ns, target.Name)), *update)
		})
	}
}

// TestWorkloadNotFound: a workload that is not there is an error.
func TestWorkloadNotFound(t *testing.T) {
	t.Parallel()
	c := testcluster.Require(t, cluster)
	e := newEnv(t, c)
	_, err := diagnose.Workload(t.Context(), e.cs, diagnose.Target{Kind: "Deployment", Namespace: e.ns, Name: "nope"})
	if !apierrors.IsNotFound(err) {
		t.Fatalf("got %v, want a not-found error", err)
	}
	if want := "diagnosing deployment/nope: "; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %q does not start with %q", err, want)
	}
}

// diagnosisRequests diagnoses target once more and returns the requests it made,
// sorted, with the namespace and generated names normalized.
func diagnosisRequests(t *testing.T, c *testcluster.Cluster, target diagnose.Target) []string {
	t.Helper()
	cfg, err := c.RESTConfig()
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got []string
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		return roundTripper(func(r *http.Request) (*http.Response, error) {
			mu.Lock()
			got = append(got, r.Method+" "+normalize(r.URL.RequestURI(), target.Namespace, target.Name))
			mu.Unlock()
			return rt.RoundTrip(r)
		})
	})
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := diagnose.Workload(t.Context(), cs, target); err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	return got
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func checkLogs(t *testing.T, findings []diagnose.Finding, want string) {
	t.Helper()
	var all []string
	for _, f := range findings {
		all = append(all, f.Logs...)
	}
	switch {
	case want == "" && len(all) > 0:
		t.Errorf("logs %q, want none", all)
	case want != "" && !strings.Contains(strings.Join(all, "\n"), want):
		t.Errorf("logs %q, want a line %q", all, want)
	}
}

func ready(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func withImage(img string) func(*corev1.Pod) bool {
	return func(p *corev1.Pod) bool { return p.Spec.Containers[0].Image == img }
}

func requests(cpu, memory string) func(*appsv1.Deployment) {
	return func(d *appsv1.Deployment) {
		l := corev1.ResourceList{}
		if cpu != "" {
			l[corev1.ResourceCPU] = resource.MustParse(cpu)
		}
		if memory != "" {
			l[corev1.ResourceMemory] = resource.MustParse(memory)
		}
		d.Spec.Template.Spec.Containers[0].Resources.Requests = l
	}
}

func mounts(claim string) func(*appsv1.Deployment) {
	return func(d *appsv1.Deployment) {
		s := &d.Spec.Template.Spec
		s.Volumes = append(s.Volumes, corev1.Volume{Name: claim, VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: claim},
		}})
		s.Containers[0].VolumeMounts = append(s.Containers[0].VolumeMounts, corev1.VolumeMount{Name: claim, MountPath: "/" + claim})
	}
}

func claim(name string, class *string) corev1.PersistentVolumeClaim {
	return corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.PersistentVolumeClaimSpec{
			StorageClassName: class,
			AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
		},
	}
}

func (e *env) createClaim(t *testing.T, name string, class *string) {
	t.Helper()
	c := claim(name, class)
	if _, err := e.cs.CoreV1().PersistentVolumeClaims(e.ns).Create(t.Context(), &c, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// waitAdmittedClass waits until the API server's admission gives a claim
// without storageClassName the default class (want) or none (!want),
// asking with server-side dry-run creates, which run admission and store
// nothing.
func (e *env) waitAdmittedClass(ctx context.Context, t *testing.T, want bool) {
	t.Helper()
	probe := claim("admission-probe", nil)
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 20*time.Second, true, func(ctx context.Context) (bool, error) {
		got, err := e.cs.CoreV1().PersistentVolumeClaims(e.ns).Create(ctx, &probe, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		if err != nil {
			return false, err
		}
		return (got.Spec.StorageClassName != nil) == want, nil
	})
	if err != nil {
		t.Errorf("admission still gives claims default class=%v: %v", !want, err)
	}
}

func (e *env) createStatefulSet(t *testing.T, name string, mutate ...func(*appsv1.StatefulSet)) diagnose.Target {
	t.Helper()
	labels := map[string]string{"app": name}
	s := &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.StatefulSetSpec{
			Replicas:    ptr.To[int32](1),
			ServiceName: name,
			Selector:    &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: name, Image: image}}},
			},
		},
	}
	for _, m := range mutate {
		m(s)
	}
	if _, err := e.cs.AppsV1().StatefulSets(e.ns).Create(t.Context(), s, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	return diagnose.Target{Kind: "StatefulSet", Namespace: e.ns, Name: name}
}

func (e *env) createQuota(t *testing.T, pods int64) {
	t.Helper()
	q := &corev1.ResourceQuota{
		ObjectMeta: metav1.ObjectMeta{Name: "pods"},
		Spec:       corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{corev1.ResourcePods: *resource.NewQuantity(pods, resource.DecimalSI)}},
	}
	if _, err := e.cs.CoreV1().ResourceQuotas(e.ns).Create(t.Context(), q, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// The quota admits pods only once the quota controller has counted
	// the namespace's usage.
	err := wait.PollUntilContextTimeout(t.Context(), 50*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		q, err := e.cs.CoreV1().ResourceQuotas(e.ns).Get(ctx, "pods", metav1.GetOptions{})
		return err == nil && q.Status.Used != nil, err
	})
	if err != nil {
		t.Fatalf("quota status: %v", err)
	}
}

func (e *env) createService(t *testing.T, name string) *corev1.Service {
	t.Helper()
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.ServiceSpec{
			Type:     corev1.ServiceTypeLoadBalancer,
			Selector: map[string]string{"app": name},
			Ports:    []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromInt32(8080)}},
		},
	}
	svc, err := e.cs.CoreV1().Services(e.ns).Create(t.Context(), svc, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

func (e *env) setImage(t *testing.T, name, img string) {
	t.Helper()
	patch := []byte(`{"spec":{"template":{"spec":{"containers":[{"name":"` + name + `","image":"` + img + `"}]}}}}`)
	if _, err := e.cs.AppsV1().Deployments(e.ns).Patch(t.Context(), name, types.StrategicMergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
}
