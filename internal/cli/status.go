package cli

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/berth-dev/berth/internal/charts"
	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/kube"
)

const statusLong = `Show the application as it runs: per service its kind, desired, ready and
up-to-date pods, the images its pods run (tag and digest), and where it is
reachable (ClusterIP, NodePort, LoadBalancer address, Ingress host and path),
with the current revision and its age. A service that is not healthy shows
why.`

const statusExample = `  berth status
  berth status -e production -o json`

// StatusOptions are the inputs of `berth status`.
type StatusOptions struct {
	genericiooptions.IOStreams
	format string
	f      *Factory
}

// AppStatus is the -o json shape of `berth status` (version 1).
type AppStatus struct {
	APIVersion string          `json:"apiVersion"`
	Kind       string          `json:"kind"`
	App        string          `json:"app"`
	Namespace  string          `json:"namespace"`
	Revision   int             `json:"revision,omitempty"`
	Status     string          `json:"status,omitempty"`
	Updated    *time.Time      `json:"updated,omitempty"`
	Healthy    bool            `json:"healthy"`
	Services   []ServiceStatus `json:"services"`
	// Charts are berth.yaml's third-party charts.
	Charts []charts.Status `json:"charts,omitempty"`
}

// ServiceStatus is one service in AppStatus.
type ServiceStatus struct {
	Name      string   `json:"name"`
	Kind      string   `json:"kind"`
	Desired   int32    `json:"desired"`
	Ready     int32    `json:"ready"`
	Updated   int32    `json:"updated"`
	Images    []string `json:"images"`
	Endpoints []string `json:"endpoints"`
	Healthy   bool     `json:"healthy"`
	Problem   string   `json:"problem,omitempty"`
}

// NewCmdStatus builds `berth status`.
func NewCmdStatus(f *Factory, runF func(context.Context, *StatusOptions) error) *cobra.Command {
	o := &StatusOptions{IOStreams: f.IOStreams, f: f}
	return &cobra.Command{
		Use:     "status",
		Short:   "Show the application's workloads, images, endpoints and revision",
		Long:    statusLong,
		Example: statusExample,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if o.format, err = outputFormat(f, "table", "json", "yaml"); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return o.Run(cmd.Context())
		},
	}
}

// Run reads the live state and prints it.
func (o *StatusOptions) Run(ctx context.Context) error {
	p, c, ns, err := o.f.ProjectOnCluster()
	if err != nil {
		return err
	}
	st := AppStatus{APIVersion: APIVersion, Kind: "AppStatus", App: p.Name, Namespace: ns, Healthy: true, Services: []ServiceStatus{}}
	// The newest revision, deployed or not: a failed deploy is the news.
	// An app without any is not healthy either: it is the error berth
	// history gives too.
	hist, err := newRecords(c, ns).History(ctx, p.Name)
	if err != nil {
		return err
	}
	if len(hist) == 0 {
		return rolloutError(o.f, o.ErrOut, &deploy.NotDeployedError{App: p.Name, Namespace: ns})
	}
	rel := hist[len(hist)-1].Release
	st.Revision, st.Status = rel.Version, rel.Info.Status.String()
	t := rel.Info.LastDeployed.Time
	st.Updated = &t
	st.Healthy = rel.Info.Status.String() == "deployed"
	names := make([]string, 0, len(p.Services))
	for n := range p.Services {
		names = append(names, n)
	}
	slices.Sort(names)
	diag := newDiagnoser(c)
	for _, name := range names {
		ss, err := serviceStatus(ctx, c, ns, name, p.Services[name])
		if err != nil {
			return err
		}
		if !ss.Healthy && ss.Problem == "" && diag != nil {
			ref := kube.Ref{Group: "apps", Version: "v1", Kind: ss.Kind, Namespace: ns, Name: name}
			if report, _, err := diag.Diagnose(ctx, kube.Progress{Ref: ref}); err == nil && report != "" {
				ss.Problem = strings.TrimSpace(report)
			}
		}
		st.Healthy = st.Healthy && ss.Healthy
		st.Services = append(st.Services, ss)
	}
	if len(p.Charts) > 0 {
		if st.Charts, err = chartInstaller(o.f, 0).Statuses(p.Charts, ns); err != nil {
			return err
		}
		for _, ch := range st.Charts {
			st.Healthy = st.Healthy && ch.Status == "deployed"
		}
	}
	if o.format != "table" {
		return printData(o.Out, o.format, st)
	}
	o.printTable(st)
	return nil
}

func (o *StatusOptions) printTable(st AppStatus) {
	fmt.Fprintf(o.Out, "app %s in namespace %s, revision %d (%s", st.App, st.Namespace, st.Revision, st.Status)
	if st.Updated != nil {
		fmt.Fprintf(o.Out, " %s ago, %s", duration.HumanDuration(time.Since(*st.Updated)), st.Updated.UTC().Format(time.RFC3339))
	}
	fmt.Fprintln(o.Out, ")")
	tw := tabwriter.NewWriter(o.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tKIND\tREADY\tUP-TO-DATE\tIMAGES\tENDPOINTS")
	for _, s := range st.Services {
		fmt.Fprintf(tw, "%s\t%s\t%d/%d\t%d\t%s\t%s\n", s.Name, s.Kind, s.Ready, s.Desired, s.Updated, strings.Join(s.Images, ","), strings.Join(s.Endpoints, ", "))
	}
	tw.Flush()
	if len(st.Charts) > 0 {
		fmt.Fprintln(o.Out)
		tw = tabwriter.NewWriter(o.Out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "CHART\tNAMESPACE\tCHART-VERSION\tSTATUS\tREVISION")
		for _, c := range st.Charts {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\n", c.Name, c.Namespace, c.Chart, c.Status, c.Revision)
		}
		tw.Flush()
	}
	for _, s := range st.Services {
		if s.Problem != "" {
			fmt.Fprintf(o.Out, "\n%s is not healthy:\n%s\n", s.Name, indentLines(s.Problem, "  "))
		}
	}
}

func indentLines(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}

// serviceStatus reads one service's workload, pods, Services and Ingress.
func serviceStatus(ctx context.Context, c *kube.Client, ns, name string, s *config.Service) (ServiceStatus, error) {
	ss := ServiceStatus{Name: name, Kind: "Deployment", Images: []string{}, Endpoints: []string{}}
	var selector *metav1.LabelSelector
	if s.Stateful {
		ss.Kind = "StatefulSet"
		sts, err := c.Clientset.AppsV1().StatefulSets(ns).Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			ss.Problem = "not deployed"
			return ss, nil
		} else if err != nil {
			return ss, fmt.Errorf("reading statefulset %s: %w", name, err)
		}
		ss.Desired, ss.Ready, ss.Updated = deref(sts.Spec.Replicas), sts.Status.ReadyReplicas, sts.Status.UpdatedReplicas
		ss.Healthy = sts.Status.ObservedGeneration >= sts.Generation && ss.Ready == ss.Desired && ss.Updated == ss.Desired
		selector = sts.Spec.Selector
	} else {
		d, err := c.Clientset.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			ss.Problem = "not deployed"
			return ss, nil
		} else if err != nil {
			return ss, fmt.Errorf("reading deployment %s: %w", name, err)
		}
		ss.Desired, ss.Ready, ss.Updated = deref(d.Spec.Replicas), d.Status.ReadyReplicas, d.Status.UpdatedReplicas
		ss.Healthy = deploymentHealthy(d)
		selector = d.Spec.Selector
	}
	if selector != nil {
		pods, err := c.Clientset.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: labels.SelectorFromSet(selector.MatchLabels).String()})
		if err != nil {
			return ss, fmt.Errorf("listing pods of %s: %w", name, err)
		}
		ss.Images = podImages(pods.Items)
	}
	for _, svcName := range []string{name, name + "-headless"} {
		svc, err := c.Clientset.CoreV1().Services(ns).Get(ctx, svcName, metav1.GetOptions{})
		if err != nil {
			continue
		}
		ss.Endpoints = append(ss.Endpoints, serviceEndpoints(svc)...)
	}
	if s.Ingress != nil {
		in, err := c.Clientset.NetworkingV1().Ingresses(ns).Get(ctx, name, metav1.GetOptions{})
		if err == nil {
			for _, rule := range in.Spec.Rules {
				host := rule.Host
				if host == "" {
					host = "*"
				}
				for _, path := range rule.HTTP.Paths {
					addr := ""
					for _, lb := range in.Status.LoadBalancer.Ingress {
						addr = " → " + lb.IP + lb.Hostname
					}
					ss.Endpoints = append(ss.Endpoints, "ingress "+host+path.Path+addr)
				}
			}
		}
	}
	return ss, nil
}

func deploymentHealthy(d *appsv1.Deployment) bool {
	want := deref(d.Spec.Replicas)
	return d.Status.ObservedGeneration >= d.Generation && d.Status.UpdatedReplicas == want &&
		d.Status.ReadyReplicas == want && d.Status.AvailableReplicas == want && d.Status.Replicas == want
}

func deref(p *int32) int32 {
	if p == nil {
		return 1
	}
	return *p
}

// podImages lists the images pods run, with the digest the node resolved
// when the status has one.
func podImages(pods []corev1.Pod) []string {
	seen := map[string]bool{}
	var out []string
	for _, pod := range pods {
		for _, cs := range pod.Status.ContainerStatuses {
			img := cs.Image
			if _, digest, ok := strings.Cut(cs.ImageID, "@"); ok && !strings.Contains(img, "@") {
				img += "@" + shortDigest(digest)
			}
			if !seen[img] {
				seen[img] = true
				out = append(out, img)
			}
		}
		if len(pod.Status.ContainerStatuses) == 0 {
			for _, ctr := range pod.Spec.Containers {
				if !seen[ctr.Image] {
					seen[ctr.Image] = true
					out = append(out, ctr.Image)
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

func shortDigest(d string) string {
	if algo, hex, ok := strings.Cut(d, ":"); ok && len(hex) > 12 {
		return algo + ":" + hex[:12]
	}
	return d
}

func serviceEndpoints(svc *corev1.Service) []string {
	var out []string
	for _, p := range svc.Spec.Ports {
		switch {
		case svc.Spec.ClusterIP == corev1.ClusterIPNone:
			out = append(out, fmt.Sprintf("headless %s.%s:%d", svc.Name, svc.Namespace, p.Port))
		default:
			out = append(out, fmt.Sprintf("%s:%d", svc.Spec.ClusterIP, p.Port))
		}
		if p.NodePort != 0 {
			out = append(out, fmt.Sprintf("nodePort %d", p.NodePort))
		}
		if svc.Spec.Type == corev1.ServiceTypeLoadBalancer {
			if len(svc.Status.LoadBalancer.Ingress) == 0 {
				out = append(out, "loadBalancer pending")
			}
			for _, lb := range svc.Status.LoadBalancer.Ingress {
				out = append(out, fmt.Sprintf("loadBalancer %s%s:%d", lb.IP, lb.Hostname, p.Port))
			}
		}
	}
	return out
}
