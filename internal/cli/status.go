package cli

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/berth-dev/berth/internal/charts"
	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/kube"
	"github.com/berth-dev/berth/internal/output"
)

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
		Use:   "status",
		Short: "Show the application's workloads, images, endpoints and revision",
		Args:  noArgs,
		RunE:  runE(o, runF),
	}
}

// Complete takes the arguments and flags.
func (o *StatusOptions) Complete(_ *cobra.Command, _ []string) error {
	var err error
	o.format, err = outputFormat(o.f, "table", "json", "yaml")
	return err
}

// Run reads the live state and prints it.
func (o *StatusOptions) Run(ctx context.Context) error {
	p, c, ns, err := o.f.ProjectOnCluster()
	if err != nil {
		return err
	}
	st := AppStatus{APIVersion: output.APIVersion, Kind: "AppStatus", App: p.Name, Namespace: ns, Healthy: true, Services: []ServiceStatus{}}
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
		return output.Data(o.Out, o.format, st)
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
			fmt.Fprintf(o.Out, "\n%s is not healthy:\n%s\n", s.Name, output.Indent(s.Problem, "  "))
		}
	}
}
