// Package target knows the places berth up deploys to: the current kube
// context (kube), a minikube profile on a laptop (driven through the
// minikube command line) and DigitalOcean Kubernetes (through godo).
//
// Each is a Target, chosen by berth.yaml's target with New. A Target
// prepares its cluster and returns the project as it deploys there (a copy:
// the loaded project is never changed), how to reach the cluster and how
// to get built images to it (a Publisher); after the deploy it tells where
// the app is reachable; berth down goes through its Down. Adding a target
// is one file with a type implementing Target, and its name in New and in
// berth.yaml's schema.
package target

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"k8s.io/client-go/kubernetes"

	"github.com/berth-dev/berth/internal/build"
	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/registry"
)

// Target is a place berth deploys to.
type Target interface {
	// Prepare readies the target's cluster (checks, starts or creates it,
	// when asked to) and returns what deploying p there takes. It never
	// changes p.
	Prepare(ctx context.Context, p *config.Project) (*Prepared, error)
	// Endpoints says where the services of p, deployed in namespace ns of
	// the cluster cs, are reachable, in service order. Services that are
	// not reachable from outside are left out.
	Endpoints(ctx context.Context, p *config.Project, cs kubernetes.Interface, ns string) ([]Endpoint, error)
	// Down reaches the target's cluster, has o.RemoveApp delete the app
	// there, then removes what the target made for it (the cluster, with
	// o.Cluster).
	Down(ctx context.Context, p *config.Project, o DownOptions) error
}

// Planner is a Target that can say what Prepare would create, and its
// price, without changing anything (DigitalOcean).
type Planner interface {
	// Plan reads what exists and prices what Prepare would create.
	Plan(ctx context.Context) (*Plan, error)
}

// Prepared is what deploying a project to a prepared target takes.
type Prepared struct {
	// Project is the project as the target deploys it: a copy of the one
	// given to Prepare, with the target's registry, storage classes or
	// charts filled in.
	Project *config.Project
	// Access is how to reach the cluster.
	Access Access
	// Registry is how to reach the registry the images go to (the
	// target's credentials and plain-HTTP hosts added to Options.Registry).
	Registry registry.Access
	// Publisher gets built images to the cluster.
	Publisher Publisher
}

// Access is how to reach a target's cluster: a kube context, in a
// kubeconfig file. An empty field keeps what the kube flags say (the
// zero Access is the current kube context).
type Access struct {
	// Kubeconfig is the kubeconfig file the target saved the context in.
	Kubeconfig string
	// Context is the kube context of the target's cluster.
	Context string
}

// Publisher gets the images berth builds to where a target's cluster
// pulls them from. berth up builds the services with the builder Builder
// returns, then hands the results to Publish.
type Publisher interface {
	// Builder returns a copy of b set up for the target (its registry
	// access, builds inside the cluster) and whether it pushes what it
	// builds to the registry.
	Builder(b build.Builder) (builder *build.Builder, push bool)
	// Summary says what publishing services does, for the step line.
	Summary(services []string) string
	// Publish gets the built images to the cluster and returns the
	// project to deploy (p, or a changed copy) and service → image
	// reference.
	Publish(ctx context.Context, p *config.Project, results []build.Result) (*config.Project, map[string]string, error)
}

// Endpoint is where a service is reachable: URLs, addresses, node ports,
// ingress hosts.
type Endpoint struct {
	// Service is the service's name in berth.yaml.
	Service string
	// Where lists its URLs and addresses.
	Where []string
}

// DownOptions say what Target.Down removes.
type DownOptions struct {
	// Cluster also deletes the cluster, when the target made it; targets
	// that never delete their cluster return ErrKeepsCluster.
	Cluster bool
	// Volumes also deletes the cluster's volumes (with Cluster).
	Volumes bool
	// RemoveApp deletes the app from the cluster reached through a;
	// confirmed says the user has confirmed the teardown already. It is
	// not called when the cluster does not exist.
	RemoveApp func(ctx context.Context, a Access, confirmed bool) error
}

// ErrKeepsCluster is returned by Down with DownOptions.Cluster for a
// target whose cluster berth does not delete (kube, minikube).
var ErrKeepsCluster = errors.New("this target does not delete its cluster")

// Options are what targets are given besides berth.yaml: the flags of
// berth up and down, and how to talk to the user.
type Options struct {
	// Log receives progress, notes and warnings (stderr); nil discards.
	Log io.Writer
	// Step announces a stage of the work; nil writes the line to Log.
	Step func(format string, args ...any)
	// Yes answers every question with yes (--yes).
	Yes bool
	// Confirm asks a yes/no question; nil cannot ask (an error unless Yes).
	Confirm func(question string) (bool, error)
	// ConfirmTyped asks for a typed word (a cluster's name) before
	// something that cannot be undone; nil cannot ask.
	ConfirmTyped func(question, want string) error
	// Getenv reads the environment (os.Getenv when nil).
	Getenv func(string) string
	// Home is the user's home folder (for doctl's config).
	Home string
	// LookPath finds executables (exec.LookPath when nil).
	LookPath func(string) (string, error)
	// Registry is how berth reaches registries (--insecure-registry...).
	Registry registry.Access
	// Kubeconfig is the file a target saves its kube context in.
	Kubeconfig string
	// LBTimeout bounds the wait for load balancer addresses (0: no wait).
	LBTimeout time.Duration

	// Start starts a minikube profile that is not running.
	Start bool
	// RegistryAddon ships images through minikube's registry addon
	// instead of loading them.
	RegistryAddon bool
	// AccessToken is the DigitalOcean API token (else from the
	// environment or doctl's config).
	AccessToken string
}

// New returns the target berth.yaml's target names (kube when it names
// none). It only looks things up (the minikube binary, the DigitalOcean
// token); it changes nothing.
func New(p *config.Project, o Options) (Target, error) {
	o = o.withDefaults()
	var t Target
	var err error
	switch kind := p.Target.String(); kind {
	case config.TargetKube:
		t = newKube(o)
	case config.TargetMinikube:
		t, err = newMinikube(p.Target.Minikube, o)
	case config.TargetDigitalOcean:
		t, err = newDOKS(p, o)
	default:
		err = fmt.Errorf("unknown target %q", kind)
	}
	if err != nil {
		return nil, err // not a Target holding a nil pointer
	}
	return t, nil
}

func (o Options) withDefaults() Options {
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.Step == nil {
		log := o.Log
		o.Step = func(format string, args ...any) { fmt.Fprintf(log, format+"\n", args...) }
	}
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	return o
}

// confirm asks question unless Yes.
func (o Options) confirm(question string) (bool, error) {
	switch {
	case o.Yes:
		return true, nil
	case o.Confirm == nil:
		return false, fmt.Errorf("%s (nobody to ask: answer yes with --yes)", question)
	}
	return o.Confirm(question)
}

// Error is a target problem with what to do about it.
type Error struct {
	Err error
	// Fix says what to do.
	Fix string
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Hint is the way out the CLI prints under the error.
func (e *Error) Hint() string { return e.Fix }
