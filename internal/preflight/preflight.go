// Package preflight checks, before anything is applied, that a cluster can
// take an application: reachable and of a supported version, berth allowed
// to do its work in the namespace, storage, ingress and load balancers
// available where berth.yaml needs them, and images that fit the nodes.
package preflight

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	authv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/kube"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// Levels of a check's result.
const (
	OK      = "ok"
	Warning = "warning"
	Error   = "error"
)

// Result is one check.
type Result struct {
	Check   string `json:"check"`
	Level   string `json:"level"`
	Message string `json:"message"`
	// Fix says what to do when Level is not ok.
	Fix string `json:"fix,omitempty"`
}

// Supported Kubernetes minor versions (the client is 1.37; the API server
// may be up to three minors older, as kubectl's skew policy allows one
// either way and berth only uses stable APIs).
const (
	MinMinor = 29
	MaxMinor = 38
)

// Options tune Run.
type Options struct {
	// Target is the environment's target kind (kube, minikube, digitalocean).
	Target string
	// Platforms returns the platforms (os/arch) of an image, nil when it
	// cannot tell; used to compare images with the nodes.
	Platforms func(ctx context.Context, image string) ([]string, error)
	// Images are the images to deploy, by service.
	Images map[string]string
	// Private reports whether the registry refuses an image to anonymous
	// pulls (the nodes then need credentials); an error when it cannot
	// tell. Nil skips the check.
	Private func(ctx context.Context, image string) (bool, error)
	// Registry is berth.yaml's registry (where built images go), and Ping
	// asks it for /v2/ from here; both empty skip the check.
	Registry string
	Ping     func(ctx context.Context, registry string) error
	// Integrated reports images the nodes can pull without a Secret
	// (a DigitalOcean registry integrated with the cluster).
	Integrated func(image string) bool
}

// Run runs every check for project p in namespace ns.
func Run(ctx context.Context, c *kube.Client, p *config.Project, ns string, o Options) []Result {
	var out []Result
	add := func(r Result) { out = append(out, r) }
	v, err := c.Clientset.Discovery().ServerVersion()
	if err != nil {
		add(Result{Check: "cluster", Level: Error, Message: "the API server does not answer: " + err.Error(),
			Fix: "check KUBECONFIG, --kubeconfig and --context (kubectl cluster-info)"})
		return out
	}
	minor, _ := strconv.Atoi(strings.TrimSuffix(v.Minor, "+"))
	switch {
	case v.Major != "1" || minor < MinMinor:
		add(Result{Check: "cluster", Level: Error, Message: fmt.Sprintf("Kubernetes %s.%s is older than berth supports (1.%d or newer)", v.Major, v.Minor, MinMinor), Fix: "upgrade the cluster"})
	case minor > MaxMinor:
		add(Result{Check: "cluster", Level: Warning, Message: fmt.Sprintf("Kubernetes %s is newer than berth was tested with (up to 1.%d)", v.GitVersion, MaxMinor), Fix: "upgrade berth"})
	default:
		add(Result{Check: "cluster", Level: OK, Message: "reachable, Kubernetes " + v.GitVersion})
	}
	add(namespace(ctx, c, ns))
	out = append(out, permissions(ctx, c, p, ns)...)
	if r, ok := storage(ctx, c, p); ok {
		add(r)
	}
	if r, ok := ingress(ctx, c, p, o.Target); ok {
		add(r)
	}
	if r, ok := loadBalancers(p, o.Target); ok {
		add(r)
	}
	out = append(out, platforms(ctx, c, o)...)
	out = append(out, pullAccess(ctx, p, o)...)
	if o.Registry != "" && o.Ping != nil {
		host, _, _ := strings.Cut(o.Registry, "/")
		if err := o.Ping(ctx, host); err != nil {
			add(Result{Check: "registry", Level: Warning, Message: "registry " + host + " does not answer from here: " + err.Error(),
				Fix: "check registry: in berth.yaml and the network; berth build and push need it"})
		} else {
			add(Result{Check: "registry", Level: OK, Message: host + " answers"})
		}
	}
	return out
}

// pullAccess warns about private images of services that give the nodes
// no credentials (imagePullSecrets): their pods would stop at
// ImagePullBackOff.
func pullAccess(ctx context.Context, p *config.Project, o Options) []Result {
	if o.Private == nil {
		return nil
	}
	services := slices.Sorted(maps.Keys(o.Images))
	private := make([]bool, len(services))
	var wg sync.WaitGroup
	for i, svc := range services {
		s := p.Services[svc]
		if s == nil || len(s.ImagePullSecrets) > 0 || (o.Integrated != nil && o.Integrated(o.Images[svc])) {
			continue
		}
		wg.Go(func() { private[i], _ = o.Private(ctx, o.Images[svc]) })
	}
	wg.Wait()
	var out []Result
	for i, svc := range services {
		if private[i] {
			out = append(out, Result{Check: "pull " + svc, Level: Warning,
				Message: fmt.Sprintf("%s is private (its registry refuses anonymous pulls) and %s has no imagePullSecrets: the nodes may not pull it", o.Images[svc], svc),
				Fix:     "kubectl create secret docker-registry NAME --docker-server=... and add imagePullSecrets: [NAME] to the service (unless the nodes have credentials of their own)"})
		}
	}
	return out
}

// Failed reports whether any result is an error.
func Failed(rs []Result) bool {
	return slices.ContainsFunc(rs, func(r Result) bool { return r.Level == Error })
}

func namespace(ctx context.Context, c *kube.Client, ns string) Result {
	_, err := c.Clientset.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
	switch {
	case err == nil:
		return Result{Check: "namespace", Level: OK, Message: ns + " exists"}
	case apierrors.IsNotFound(err):
		return Result{Check: "namespace", Level: OK, Message: ns + " will be created"}
	case apierrors.IsForbidden(err):
		return Result{Check: "namespace", Level: OK, Message: ns + " (cannot read namespaces; berth creates it if missing and allowed)"}
	}
	return Result{Check: "namespace", Level: Warning, Message: "reading namespace " + ns + ": " + err.Error()}
}

// need is one permission berth uses.
type need struct {
	group, resource, verb string
}

// needs are the permissions of a deploy: apply, prune and read the kinds
// the app renders, keep the release records (Secrets), and watch pods.
func needs(p *config.Project) []need {
	kinds := []struct{ group, resource string }{
		{"apps", "deployments"}, {"", "services"}, {"", "secrets"}, {"", "configmaps"}, {"", "pods"},
	}
	for _, s := range p.Services {
		if s.Stateful {
			kinds = append(kinds, struct{ group, resource string }{"apps", "statefulsets"})
		}
		if len(s.Volumes) > 0 {
			kinds = append(kinds, struct{ group, resource string }{"", "persistentvolumeclaims"})
		}
		if s.Ingress != nil {
			kinds = append(kinds, struct{ group, resource string }{"networking.k8s.io", "ingresses"})
		}
		if s.Autoscale != nil {
			kinds = append(kinds, struct{ group, resource string }{"autoscaling", "horizontalpodautoscalers"})
		}
	}
	var out []need
	seen := map[string]bool{}
	for _, k := range kinds {
		verbs := []string{"get", "list", "create", "patch", "delete"}
		if k.resource == "pods" {
			verbs = []string{"get", "list", "watch"}
		}
		for _, v := range verbs {
			key := k.group + "/" + k.resource + "/" + v
			if !seen[key] {
				seen[key] = true
				out = append(out, need{k.group, k.resource, v})
			}
		}
	}
	return out
}

// permissions asks the API server (SelfSubjectAccessReview) whether the
// current user may do what a deploy does in ns.
func permissions(ctx context.Context, c *kube.Client, p *config.Project, ns string) []Result {
	list := needs(p)
	allowed := make([]bool, len(list))
	errs := make([]error, len(list))
	var wg sync.WaitGroup
	for i, n := range list {
		wg.Go(func() {
			review := &authv1.SelfSubjectAccessReview{Spec: authv1.SelfSubjectAccessReviewSpec{
				ResourceAttributes: &authv1.ResourceAttributes{Namespace: ns, Verb: n.verb, Group: n.group, Resource: n.resource},
			}}
			res, err := c.Clientset.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, review, metav1.CreateOptions{})
			if err != nil {
				errs[i] = err
				return
			}
			allowed[i] = res.Status.Allowed
		})
	}
	wg.Wait()
	var denied []string
	for i, n := range list {
		if errs[i] != nil {
			return []Result{{Check: "permissions", Level: Warning, Message: "cannot ask the API server what berth may do: " + errs[i].Error()}}
		}
		if !allowed[i] {
			r := n.resource
			if n.group != "" {
				r += "." + n.group
			}
			denied = append(denied, n.verb+" "+r)
		}
	}
	if len(denied) == 0 {
		return []Result{{Check: "permissions", Level: OK, Message: "allowed to apply, prune and watch in " + ns}}
	}
	return []Result{{Check: "permissions", Level: Error,
		Message: fmt.Sprintf("not allowed in namespace %s: %s", ns, strings.Join(denied, ", ")),
		Fix:     "ask a cluster admin for a Role with these verbs in the namespace (kubectl auth can-i --list -n " + ns + " shows yours)"}}
}

// storage: claims without a storageClass need a default StorageClass.
func storage(ctx context.Context, c *kube.Client, p *config.Project) (Result, bool) {
	var unnamed []string
	for _, name := range slices.Sorted(maps.Keys(p.Services)) {
		for _, v := range p.Services[name].Volumes {
			if v.StorageClass == "" && v.Size != "" {
				unnamed = append(unnamed, name+"/"+v.Name)
			}
		}
	}
	if len(unnamed) == 0 {
		return Result{}, false
	}
	list, err := c.Clientset.StorageV1().StorageClasses().List(ctx, metav1.ListOptions{})
	if err != nil {
		return Result{Check: "storage", Level: Warning, Message: "cannot list StorageClasses: " + err.Error()}, true
	}
	for _, sc := range list.Items {
		if sc.Annotations["storageclass.kubernetes.io/is-default-class"] == "true" {
			return Result{Check: "storage", Level: OK, Message: "default StorageClass " + sc.Name + " serves " + strings.Join(unnamed, ", ")}, true
		}
	}
	return Result{Check: "storage", Level: Error,
		Message: "volumes " + strings.Join(unnamed, ", ") + " name no storageClass and the cluster has no default StorageClass: their claims would stay Pending",
		Fix:     "set storageClass: on the volumes, or mark a StorageClass as default (kubectl patch storageclass NAME -p '{\"metadata\":{\"annotations\":{\"storageclass.kubernetes.io/is-default-class\":\"true\"}}}')"}, true
}

// ingress: an Ingress needs a controller, seen as an IngressClass.
func ingress(ctx context.Context, c *kube.Client, p *config.Project, target string) (Result, bool) {
	want := map[string]bool{}
	any := false
	for _, s := range p.Services {
		if s.Ingress != nil {
			any = true
			if s.Ingress.ClassName != "" {
				want[s.Ingress.ClassName] = true
			}
		}
	}
	if !any {
		return Result{}, false
	}
	list, err := c.Clientset.NetworkingV1().IngressClasses().List(ctx, metav1.ListOptions{})
	if err != nil {
		return Result{Check: "ingress", Level: Warning, Message: "cannot list IngressClasses: " + err.Error()}, true
	}
	fix := "install an ingress controller (for example ingress-nginx) or drop ingress:"
	if target == config.TargetMinikube {
		fix = "berth up enables minikube's ingress addon (minikube addons enable ingress)"
	}
	have := map[string]bool{}
	def := ""
	for _, ic := range list.Items {
		have[ic.Name] = true
		if ic.Annotations["ingressclass.kubernetes.io/is-default-class"] == "true" {
			def = ic.Name
		}
	}
	for _, class := range slices.Sorted(maps.Keys(want)) {
		if !have[class] {
			// A warning: the Ingress is valid and the controller may come
			// later (or from berth.yaml's charts).
			return Result{Check: "ingress", Level: Warning, Message: "no IngressClass " + class + " (the cluster has: " + orNone(slices.Sorted(maps.Keys(have))) + "): the Ingress gets no address until a controller serves it", Fix: fix}, true
		}
	}
	switch {
	case len(list.Items) == 0:
		level := Warning
		if target == config.TargetMinikube {
			level = OK
		}
		return Result{Check: "ingress", Level: level, Message: "no ingress controller (IngressClass) in the cluster: Ingresses get no address", Fix: fix}, true
	case len(want) == 0 && def == "" && len(list.Items) > 1:
		return Result{Check: "ingress", Level: Warning, Message: "several IngressClasses and none is the default: " + strings.Join(slices.Sorted(maps.Keys(have)), ", "), Fix: "set ingress.className"}, true
	}
	return Result{Check: "ingress", Level: OK, Message: "IngressClass " + orNone(slices.Sorted(maps.Keys(have)))}, true
}

// loadBalancers: minikube gives LoadBalancer Services an IP only under
// minikube tunnel.
func loadBalancers(p *config.Project, target string) (Result, bool) {
	var lbs []string
	for _, name := range slices.Sorted(maps.Keys(p.Services)) {
		if p.Services[name].Expose == config.ExposeLoadBalancer {
			lbs = append(lbs, name)
		}
	}
	if len(lbs) == 0 || target != config.TargetMinikube {
		return Result{}, false
	}
	return Result{Check: "load balancers", Level: Warning, Message: strings.Join(lbs, ", ") + " are LoadBalancer Services; minikube has no load balancer",
		Fix: "run minikube tunnel in another terminal for their external IPs, or use expose: NodePort"}, true
}

// platforms compares each image's platforms with the nodes'
// architectures; an image its registry says it does not have is an error
// (the nodes could not pull it either).
func platforms(ctx context.Context, c *kube.Client, o Options) []Result {
	if o.Platforms == nil || len(o.Images) == 0 {
		return nil
	}
	services := slices.Sorted(maps.Keys(o.Images))
	found := make([][]string, len(services))
	errs := make([]error, len(services))
	var wg sync.WaitGroup
	for i, svc := range services {
		wg.Go(func() { found[i], errs[i] = o.Platforms(ctx, o.Images[svc]) })
	}
	wg.Wait()
	var missing []Result
	for i, svc := range services {
		if notFound(errs[i]) {
			missing = append(missing, Result{Check: "image " + svc, Level: Error,
				Message: fmt.Sprintf("%s is not in its registry (%s)", o.Images[svc], registryAnswer(errs[i])),
				Fix:     "push it (berth build), or correct the tag (--set-image, image: in berth.yaml)"})
		}
	}
	nodes, err := c.Clientset.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil || len(nodes.Items) == 0 {
		return missing
	}
	arch := map[string]bool{}
	for _, n := range nodes.Items {
		if n.Spec.Unschedulable || !nodeReady(n) {
			continue
		}
		info := n.Status.NodeInfo
		if info.OperatingSystem == "" || info.Architecture == "" {
			return missing // a node that does not say: nothing to compare with
		}
		arch[info.OperatingSystem+"/"+info.Architecture] = true
	}
	if len(arch) == 0 {
		return missing
	}
	out := missing
	for i, svc := range services {
		img, plats := o.Images[svc], found[i]
		if len(plats) == 0 {
			continue
		}
		var runs, cannot []string
		for _, node := range slices.Sorted(maps.Keys(arch)) {
			if slices.ContainsFunc(plats, func(p string) bool { return osArch(p) == node }) {
				runs = append(runs, node)
			} else {
				cannot = append(cannot, node)
			}
		}
		switch {
		case len(runs) == 0:
			out = append(out, Result{Check: "image " + svc, Level: Error,
				Message: fmt.Sprintf("%s is built for %s; the nodes run %s", img, strings.Join(plats, ", "), strings.Join(cannot, ", ")),
				Fix:     "build for the nodes' platform: build.platforms: [" + strings.Join(cannot, ", ") + "]"})
		case len(cannot) > 0:
			out = append(out, Result{Check: "image " + svc, Level: Warning,
				Message: fmt.Sprintf("%s is built for %s; its pods fail on the %s nodes", img, strings.Join(plats, ", "), strings.Join(cannot, ", ")),
				Fix:     "add the platforms to build.platforms, or pin the service to nodes with a nodeSelector on kubernetes.io/arch"})
		}
	}
	if len(out) == 0 {
		return []Result{{Check: "images", Level: OK, Message: "every image fits the nodes (" + strings.Join(slices.Sorted(maps.Keys(arch)), ", ") + ")"}}
	}
	return out
}

// notFound reports a registry's answer that it has no such image (HTTP
// 404: MANIFEST_UNKNOWN, NAME_UNKNOWN), not a registry berth cannot reach
// or may not read, which the nodes may still pull from.
func notFound(err error) bool {
	var te *transport.Error
	return errors.As(err, &te) && te.StatusCode == http.StatusNotFound
}

// registryAnswer is a registry error's first diagnostic ("MANIFEST_UNKNOWN:
// manifest unknown"), without the request it answered.
func registryAnswer(err error) string {
	var te *transport.Error
	if errors.As(err, &te) && len(te.Errors) > 0 {
		return string(te.Errors[0].Code) + ": " + te.Errors[0].Message
	}
	return err.Error()
}

// osArch is os/arch of a platform string (variant dropped).
func osArch(p string) string {
	parts := strings.SplitN(p, "/", 3)
	if len(parts) < 2 {
		return p
	}
	return parts[0] + "/" + parts[1]
}

func nodeReady(n corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}
