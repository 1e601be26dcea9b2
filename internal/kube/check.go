package kube

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Check sends every object to the API server as a server-side dry-run
// apply (dryRun=All) before anything is written: the API server runs
// defaulting, validation, admission (webhooks and policies), quota and
// allocation (node ports, cluster IPs) as for the real apply, and stores
// nothing. Field conflicts count as refusals too, as the real apply would
// meet them (with opts.Force and opts.TakeFrom).
//
// It returns each object's result (what the apply would do, with the
// object it would leave) in the objects' order; when the server would
// refuse any object, a *RefusedError that names every one of them.
func (c *Client) Check(ctx context.Context, objs []*unstructured.Unstructured, opts ApplyOptions) ([]Result, error) {
	if opts.Parallel <= 0 {
		opts.Parallel = 32
	}
	opts.DryRun = DryRunServer
	known, err := c.listExisting(ctx, objs, opts.Selector)
	if err != nil {
		return nil, err
	}
	results := make([]Result, len(objs))
	var (
		mu       sync.Mutex
		refusals []error
	)
	g := new(errgroup.Group)
	g.SetLimit(opts.Parallel)
	for i, o := range objs {
		g.Go(func() error {
			r, err := c.applyOne(ctx, o, opts, known)
			if err == nil {
				results[i] = r
				return nil
			}
			if ctx.Err() != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			refusals = append(refusals, refusal(o, err))
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if len(refusals) > 0 {
		sort.Slice(refusals, func(i, j int) bool { return refusals[i].Error() < refusals[j].Error() })
		return nil, &RefusedError{Refusals: refusals, Total: len(objs)}
	}
	return results, nil
}

// RefusedError is a rollout stopped before its first write because the
// API server would refuse some of its objects.
type RefusedError struct {
	// Refusals are *ConflictError and *ObjectError values, one an object.
	Refusals []error
	Total    int
}

func (e *RefusedError) Error() string {
	if len(e.Refusals) == 1 {
		return e.Refusals[0].Error() + "; nothing was applied"
	}
	lines := make([]string, len(e.Refusals))
	for i, r := range e.Refusals {
		lines[i] = "  " + r.Error()
	}
	return fmt.Sprintf("the API server would refuse %d of %d objects; nothing was applied:\n%s", len(e.Refusals), e.Total, strings.Join(lines, "\n"))
}

// As finds a refusal of target's type (a *ConflictError, an
// *ObjectError). It is not Unwrap() []error: the refusals are one error
// with one header.
func (e *RefusedError) As(target any) bool {
	for _, r := range e.Refusals {
		if errors.As(r, target) {
			return true
		}
	}
	return false
}

// Hint gives the way out of each kind of refusal, once.
func (e *RefusedError) Hint() string {
	var hints []string
	for _, r := range e.Refusals {
		var h interface{ Hint() string }
		if errors.As(r, &h) && h.Hint() != "" && !slices.Contains(hints, h.Hint()) {
			hints = append(hints, h.Hint())
		}
	}
	return strings.Join(hints, "\n")
}

// ObjectError is one object the API server refuses: the field it names,
// the value berth sent there, and its reason.
type ObjectError struct {
	Ref Ref
	// Service is berth's service the object belongs to ("" for app-level
	// objects such as Secrets and StorageClasses).
	Service string
	// Field is the API field (".spec.ports[0].nodePort"), "" when the
	// server names none; Value is berth's value there.
	Field, Value string
	// Reason is the API server's message.
	Reason string
	Err    error
}

func (e *ObjectError) Error() string {
	s := e.Ref.String() + ": "
	if e.Field != "" {
		s += e.Field
		if e.Value != "" {
			s += " = " + e.Value
		}
		s += ": "
	}
	return s + e.Reason
}

func (e *ObjectError) Unwrap() error { return e.Err }

// Hint says how to fix the usual refusals.
func (e *ObjectError) Hint() string {
	in := "berth.yaml"
	if e.Service != "" {
		in = "berth.yaml's services." + e.Service
	}
	switch {
	case strings.Contains(e.Reason, "provided port is already allocated"):
		return fmt.Sprintf("node port %s is held by another Service of the cluster (kubectl get services -A | grep %s finds it): pick a free one in %s (ports[].nodePort, 30000-32767), or leave nodePort out and Kubernetes assigns one", e.Value, e.Value, in)
	case strings.Contains(e.Reason, "provided port is not in the valid range"):
		return "node ports must be in the cluster's node port range (30000-32767 unless the cluster says otherwise): change ports[].nodePort in " + in
	case strings.Contains(e.Reason, "exceeded quota"):
		return "a ResourceQuota of the namespace is used up (kubectl describe resourcequota -n " + e.Ref.Namespace + "): lower the resources or replicas in " + in + ", or ask for a larger quota"
	case strings.Contains(e.Reason, "admission webhook") || strings.Contains(e.Reason, "ValidatingAdmissionPolicy") || strings.Contains(e.Reason, "denied request"):
		return "a policy of the cluster refuses the object: change what its message names in " + in + " (berth render shows the object), or ask the cluster's administrators (kubectl get validatingadmissionpolicies,validatingwebhookconfigurations)"
	case strings.Contains(e.Reason, "field is immutable"):
		return "this field cannot change on a live object: change it back in " + in + ", or delete the object (kubectl delete " + strings.ToLower(e.Ref.Kind) + " " + e.Ref.Name + " -n " + e.Ref.Namespace + ") and deploy again"
	case apierrors.IsForbidden(e.Err):
		return "the cluster does not let berth's credentials do this: check the user's RBAC (kubectl auth can-i patch " + strings.ToLower(e.Ref.Kind) + "s -n " + e.Ref.Namespace + ")"
	}
	return "fix what the message names in " + in + " (berth render shows the object berth sends)"
}

// refusal describes why the API server refused obj.
func refusal(obj *unstructured.Unstructured, err error) error {
	var ce *ConflictError
	if errors.As(err, &ce) {
		return ce
	}
	ref := RefOf(obj)
	oe := &ObjectError{Ref: ref, Service: obj.GetLabels()["app.kubernetes.io/component"], Reason: err.Error(), Err: err}
	var se apierrors.APIStatus
	if errors.As(err, &se) {
		st := se.Status()
		oe.Reason = st.Message
		if st.Details != nil {
			for _, cause := range st.Details.Causes {
				if cause.Field == "" || cause.Type == metav1.CauseTypeFieldManagerConflict {
					continue
				}
				oe.Field = "." + strings.TrimPrefix(cause.Field, ".")
				oe.Reason = cause.Message
				if v, ok := FieldValue(obj.Object, cause.Field); ok {
					oe.Value = v
					// The server's message repeats the value:
					// "Invalid value: 30080: provided port is already allocated".
					oe.Reason = strings.TrimPrefix(oe.Reason, "Invalid value: "+v+": ")
					oe.Reason = strings.TrimPrefix(oe.Reason, "Invalid value: \""+v+"\": ")
				}
				break
			}
		}
		// The server's message names the object once more.
		if st.Details != nil && st.Details.Kind != "" {
			oe.Reason = strings.TrimPrefix(oe.Reason, fmt.Sprintf("%s %q is invalid: ", st.Details.Kind, ref.Name))
		}
	}
	return oe
}

// FieldValue reads the value at an API field path such as
// "spec.ports[0].nodePort" or "metadata.labels[app]" from an object, as
// text.
func FieldValue(obj map[string]any, path string) (string, bool) {
	var cur any = obj
	for _, part := range strings.Split(strings.TrimPrefix(path, "."), ".") {
		name, rest, _ := strings.Cut(part, "[")
		if name != "" {
			m, ok := cur.(map[string]any)
			if !ok {
				return "", false
			}
			if cur, ok = m[name]; !ok {
				return "", false
			}
		}
		for rest != "" {
			idx, after, ok := strings.Cut(rest, "]")
			if !ok {
				return "", false
			}
			rest = strings.TrimPrefix(after, "[")
			switch v := cur.(type) {
			case []any:
				n, err := strconv.Atoi(idx)
				if err != nil || n < 0 || n >= len(v) {
					return "", false
				}
				cur = v[n]
			case map[string]any:
				if cur, ok = v[idx]; !ok {
					return "", false
				}
			default:
				return "", false
			}
		}
	}
	switch v := cur.(type) {
	case string:
		return v, true
	case int64:
		return strconv.FormatInt(v, 10), true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(v), true
	case nil:
		return "", false
	}
	return fmt.Sprint(cur), true
}
