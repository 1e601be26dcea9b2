package diagnose

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// pullFailure is why a node cannot pull an image.
type pullFailure int

const (
	pullUnknown pullFailure = iota
	pullNotFound
	pullDenied
	pullNotFoundOrDenied // Docker Hub says the same for both
	pullPlatform
	pullNeverPull
	pullInvalidName
	pullTLS
	pullUnreachable
	pullRateLimited
)

// classifyPull reads the kubelet's waiting reason and the container
// runtime's error text.
func classifyPull(reason, msg string) pullFailure {
	m := strings.ToLower(msg)
	has := func(subs ...string) bool {
		for _, s := range subs {
			if strings.Contains(m, s) {
				return true
			}
		}
		return false
	}
	switch {
	case reason == "ErrImageNeverPull":
		return pullNeverPull
	case reason == "InvalidImageName":
		return pullInvalidName
	case has("no match for platform"):
		return pullPlatform
	case has("pull access denied", "repository does not exist or may require authorization"):
		return pullNotFoundOrDenied
	case has("toomanyrequests", "429 too many requests", "rate limit"):
		return pullRateLimited
	case has("401", "403 forbidden", "unauthorized", "authorization failed", "authentication required", "access denied", "denied:"):
		return pullDenied
	case has("not found", "manifest unknown", "name unknown", "notfound"):
		return pullNotFound
	case has("x509", "certificate", "http response to https client", "tls:"):
		return pullTLS
	case has("no such host", "i/o timeout", "connection refused", "network is unreachable", "dial tcp", "context deadline exceeded"):
		return pullUnreachable
	}
	return pullUnknown
}

func (p pullFailure) says() string {
	switch p {
	case pullNotFound:
		return "the image or its tag does not exist"
	case pullDenied:
		return "the registry refused access (the image is private, or the credentials are wrong)"
	case pullNotFoundOrDenied:
		return "the image does not exist, or it is private and the node has no credentials for it"
	case pullPlatform:
		return "the image has no variant for the node's platform"
	case pullNeverPull:
		return "imagePullPolicy is Never and the node does not have the image"
	case pullInvalidName:
		return "the reference is not a valid image name"
	case pullTLS:
		return "the node does not trust the registry's TLS certificate, or the registry speaks plain HTTP"
	case pullUnreachable:
		return "the node cannot reach the registry"
	case pullRateLimited:
		return "the registry limits the rate of pulls"
	}
	return "the pull failed"
}

// terminal: waiting does not make an image appear, credentials valid or a
// certificate trusted; networks and rate limits recover.
func (p pullFailure) terminal() bool {
	switch p {
	case pullUnknown, pullUnreachable, pullRateLimited:
		return false
	}
	return true
}

func (d *diagnosis) pullIssue(pod *corev1.Pod, c *corev1.Container, st corev1.ContainerStatus, label string) *issue {
	w := st.State.Waiting
	image := c.Image
	cause := pullCause(w.Message)
	if cause == "" {
		// Older kubelets say only "Back-off pulling image"; the error is
		// in the kubelet's Failed event.
		if ev := d.newestEvent("pod/"+pod.Name, "Failed", st.Name, "Failed to pull image"); ev != nil {
			cause = pullCause(ev.Message)
		}
	}
	text := cause
	if text == "" {
		text = w.Message
	}
	p := classifyPull(w.Reason, text)
	registry := registryOf(image)
	msg := fmt.Sprintf("%s cannot pull image %s from %s: %s", label, image, registry, p.says())
	if p == pullPlatform && d.node != nil {
		msg += fmt.Sprintf(" (%s/%s)", d.node.Status.NodeInfo.OperatingSystem, d.node.Status.NodeInfo.Architecture)
	}
	msg += "."
	if cause != "" {
		msg += " The node said: " + strings.TrimSuffix(shorten(cause, 200), ".") + "."
	}
	return &issue{
		Finding: Finding{
			Reason:   w.Reason,
			Message:  msg,
			Hint:     d.pullHint(p, pod, c, registry),
			Terminal: p.terminal(),
		},
		key:    st.Name + "/pull",
		covers: []string{"Failed", "BackOff", "ErrImageNeverPull", "InspectFailed"},
	}
}

// pullCause is the container runtime's error in a kubelet message, without
// the kubelet's and gRPC's wrapping.
func pullCause(msg string) string {
	for _, prefix := range []string{"Back-off pulling image ", "Failed to pull image "} {
		if rest, ok := strings.CutPrefix(msg, prefix); ok {
			// "IMAGE": CAUSE
			if i := strings.Index(rest, `": `); i >= 0 {
				msg = rest[i+3:]
			} else {
				return ""
			}
		}
	}
	msg = strings.TrimPrefix(msg, "ErrImagePull: ")
	if _, desc, ok := strings.Cut(msg, "desc = "); ok {
		msg = desc
	}
	// containerd nests "failed to X "REF": failed to Y "REF": CAUSE".
	if i := strings.LastIndex(msg, `": `); i >= 0 {
		msg = msg[i+3:]
	}
	return strings.TrimSpace(msg)
}

func (d *diagnosis) pullHint(p pullFailure, pod *corev1.Pod, c *corev1.Container, registry string) string {
	image := c.Image
	local := d.localCluster(image)
	var hints []string
	switch p {
	case pullNotFound, pullNotFoundOrDenied:
		hints = append(hints, fmt.Sprintf("check the name and tag: docker manifest inspect %s", image))
		if registry == "docker.io" && !strings.Contains(repoPath(image), "/") {
			hints = append(hints, fmt.Sprintf("a name without a registry host is pulled from Docker Hub (docker.io/library/%s)", repoPath(image)))
		}
		if local != "" {
			hints = append(hints, local)
		} else {
			hints = append(hints, "if berth built it, push it to a registry this cluster can pull from")
		}
		if p == pullNotFoundOrDenied {
			hints = append(hints, d.secretHint(pod, registry))
		}
	case pullDenied:
		hints = append(hints, d.secretHint(pod, registry))
	case pullNeverPull:
		if local != "" {
			hints = append(hints, local)
		} else {
			hints = append(hints, fmt.Sprintf("load the image into the node's runtime, or set imagePullPolicy to IfNotPresent (%s)", d.field("imagePullPolicy")))
		}
	case pullPlatform:
		arch := "the node's architecture"
		if d.node != nil {
			arch = "linux/" + d.node.Status.NodeInfo.Architecture
		}
		hints = append(hints, fmt.Sprintf("build the image for %s too (%s)", arch, d.field("build.platforms")))
	case pullInvalidName:
		hints = append(hints, "fix the image reference in berth.yaml: lower-case repository, tag after ':', digest after '@'")
	case pullTLS:
		hints = append(hints, fmt.Sprintf("give %s a certificate the nodes trust, or configure the nodes' container runtime to accept it as an insecure registry", registry))
	case pullUnreachable:
		if isLoopback(registry) {
			hints = append(hints, fmt.Sprintf("%s inside the cluster is the node itself, not your machine: push to a registry the nodes can reach", registry))
		} else {
			hints = append(hints, fmt.Sprintf("check the registry host name %s and that the nodes can reach it (DNS, firewall, proxy)", registry))
		}
	case pullRateLimited:
		hints = append(hints, "authenticate the pulls with imagePullSecrets, or use a mirror of the image")
	default:
		hints = append(hints, fmt.Sprintf("check that %s exists and that the nodes can pull it", image))
	}
	return strings.Join(hints, "; ")
}

func (d *diagnosis) secretHint(pod *corev1.Pod, registry string) string {
	if len(pod.Spec.ImagePullSecrets) == 0 {
		return fmt.Sprintf("a private image needs credentials: kubectl create secret docker-registry regcred -n %s --docker-server=%s "+
			"--docker-username=USER --docker-password=TOKEN, then list regcred in %s", d.ns, registry, d.field("imagePullSecrets"))
	}
	names := make([]string, len(pod.Spec.ImagePullSecrets))
	for i, s := range pod.Spec.ImagePullSecrets {
		names[i] = s.Name
	}
	return fmt.Sprintf("the pod's imagePullSecrets (%s) do not grant access to %s: check their server name, user and token scope",
		strings.Join(names, ", "), registry)
}

// localCluster says how to get a locally built image onto a minikube or
// kind node, recognised by the Node berth read; "" elsewhere.
func (d *diagnosis) localCluster(image string) string {
	if d.node == nil {
		return ""
	}
	policy := fmt.Sprintf("and set imagePullPolicy to IfNotPresent (%s)", d.field("imagePullPolicy"))
	if profile, ok := d.node.Labels["minikube.k8s.io/name"]; ok {
		p := ""
		if profile != "" && profile != "minikube" {
			p = " -p " + profile
		}
		return fmt.Sprintf("on minikube, build into the cluster with builder: minikube, or load the local image with `minikube%s image load %s` %s", p, image, policy)
	}
	if rest, ok := strings.CutPrefix(d.node.Spec.ProviderID, "kind://"); ok {
		cluster := "kind"
		if parts := strings.Split(rest, "/"); len(parts) >= 2 {
			cluster = parts[1]
		}
		return fmt.Sprintf("on kind, load the local image with `kind load docker-image %s --name %s` %s", image, cluster, policy)
	}
	return ""
}

// registryOf is the registry host an image reference pulls from, by the
// Docker reference rules: the first path component when it looks like a
// host (has a dot or a port, or is localhost), else docker.io.
func registryOf(image string) string {
	first, _, found := strings.Cut(image, "/")
	if found && (strings.ContainsAny(first, ".:") || first == "localhost") {
		return first
	}
	return "docker.io"
}

// repoPath is the reference without registry, tag and digest.
func repoPath(image string) string {
	name, _, _ := strings.Cut(image, "@")
	if first, rest, found := strings.Cut(name, "/"); found && (strings.ContainsAny(first, ".:") || first == "localhost") {
		name = rest
	}
	if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
		name = name[:i]
	}
	return name
}

func isLoopback(registry string) bool {
	host, _, _ := strings.Cut(registry, ":")
	return host == "localhost" || strings.HasPrefix(host, "127.")
}
