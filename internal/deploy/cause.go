package deploy

import (
	"context"
	"reflect"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/berth-dev/berth/internal/gitinfo"
	"github.com/berth-dev/berth/internal/render"
)

// ChangeCauseAnnotation is where a workload records why its pod template is
// what it is; the Deployment and StatefulSet controllers copy it to the
// ReplicaSet or ControllerRevision, where rollout history reads it.
const ChangeCauseAnnotation = "kubernetes.io/change-cause"

// keptCauses returns the change-cause of each workload whose pod template
// is the same in manifest as in prev (the manifest last applied), by
// service: a deploy records its cause only on the workloads whose pod
// template it changes, as kubectl's change-cause marks a rollout. The
// others keep the cause they had, so a new cause alone changes nothing.
func keptCauses(prev, manifest *render.Manifest) map[string]string {
	if prev.String() == "" {
		return nil
	}
	before := map[string]workloadTemplate{}
	for _, o := range prev.Objects() {
		if w, ok := decodeTemplate(o); ok {
			before[w.service] = w
		}
	}
	var kept map[string]string
	for _, o := range manifest.Objects() {
		w, ok := decodeTemplate(o)
		if !ok {
			continue
		}
		old, ok := before[w.service]
		if !ok || old.kind != w.kind || !reflect.DeepEqual(old.template, w.template) {
			continue
		}
		if kept == nil {
			kept = map[string]string{}
		}
		kept[w.service] = old.cause
	}
	return kept
}

// workloadTemplate is a Deployment's or StatefulSet's pod template and
// change-cause.
type workloadTemplate struct {
	kind, service, cause string
	template             any
}

func decodeTemplate(o render.Object) (workloadTemplate, bool) {
	if o.Kind != "Deployment" && o.Kind != "StatefulSet" {
		return workloadTemplate{}, false
	}
	var obj struct {
		Metadata struct {
			Name        string            `json:"name"`
			Labels      map[string]string `json:"labels"`
			Annotations map[string]string `json:"annotations"`
		} `json:"metadata"`
		Spec struct {
			Template any `json:"template"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(o.YAML, &obj); err != nil {
		return workloadTemplate{}, false
	}
	service := obj.Metadata.Labels["app.kubernetes.io/component"]
	if service == "" {
		service = obj.Metadata.Name
	}
	return workloadTemplate{kind: o.Kind, service: service, cause: obj.Metadata.Annotations[ChangeCauseAnnotation], template: obj.Spec.Template}, true
}

// Cause is why a revision exists, as berth history shows it: given (berth
// deploy --cause), else the subject of the git commit of dir, else the
// command line (berth and args).
func Cause(ctx context.Context, given, dir string, args []string) string {
	if given != "" {
		return given
	}
	if subject := gitinfo.Subject(ctx, dir); subject != "" {
		return subject
	}
	return "berth " + strings.Join(args, " ")
}
