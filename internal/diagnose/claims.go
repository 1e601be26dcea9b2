package diagnose

import (
	"context"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// selectedNodeAnnotation is set on a claim by the scheduler once it picked
// a Node for a pod using it; a WaitForFirstConsumer class provisions then.
const selectedNodeAnnotation = "volume.kubernetes.io/selected-node"

// claim diagnoses a PersistentVolumeClaim on its own.
func (d *diagnosis) claim(ctx context.Context) error {
	pvc, err := d.cs.CoreV1().PersistentVolumeClaims(d.ns).Get(ctx, d.name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	object := "persistentvolumeclaim/" + pvc.Name
	d.relate(object, pvc.UID)
	if pvc.Status.Phase == corev1.ClaimBound {
		return nil
	}
	fields := "involvedObject.kind=PersistentVolumeClaim,involvedObject.name=" + pvc.Name + ",type=Warning"
	if err := d.parallel(ctx, d.readEvents(metav1.ListOptions{FieldSelector: fields}), d.readClasses); err != nil {
		return err
	}
	if f := d.claimFinding(pvc); f != nil {
		d.add(*f)
		d.cover(object, "ProvisioningFailed")
	}
	return d.finish(ctx)
}

// claimFindings explains the workload's claims that are not bound, and the
// claims its pods mount that do not exist.
func (d *diagnosis) claimFindings() []Finding {
	var out []Finding
	for _, name := range d.mounted {
		if d.claimsRead && !slices.ContainsFunc(d.claims, func(c corev1.PersistentVolumeClaim) bool { return c.Name == name }) {
			out = append(out, Finding{
				Object:  "persistentvolumeclaim/" + name,
				Reason:  "PVCMissing",
				Message: fmt.Sprintf("The pods mount claim %s, which does not exist in namespace %s.", name, d.ns),
				Hint:    "berth creates a claim for each volume in berth.yaml; check the claim name the workload mounts, or create the claim",
			})
		}
	}
	for i := range d.claims {
		if f := d.claimFinding(&d.claims[i]); f != nil {
			out = append(out, *f)
			d.cover(f.Object, "ProvisioningFailed")
		}
	}
	return out
}

// claimFinding explains a claim that is not bound, or returns nil when it
// is bound or waits for nothing but its turn.
func (d *diagnosis) claimFinding(pvc *corev1.PersistentVolumeClaim) *Finding {
	object := "persistentvolumeclaim/" + pvc.Name
	switch pvc.Status.Phase {
	case corev1.ClaimBound:
		return nil
	case corev1.ClaimLost:
		return &Finding{
			Object:   object,
			Reason:   "PVCLost",
			Message:  fmt.Sprintf("Claim %s lost its PersistentVolume %s.", pvc.Name, pvc.Spec.VolumeName),
			Hint:     fmt.Sprintf("the volume was deleted and its data is gone unless backed up: delete the claim (kubectl delete pvc %s -n %s) and deploy again for a new one", pvc.Name, d.ns),
			Terminal: true,
		}
	}
	failed := d.newestEvent(object, "ProvisioningFailed", "", "")
	pending := func(msg, hint string, terminal bool) *Finding {
		return &Finding{Object: object, Reason: "PVCPending", Message: msg, Hint: hint, Terminal: terminal}
	}
	recreate := fmt.Sprintf("a claim's class cannot change, so delete the claim first: kubectl delete pvc %s -n %s", pvc.Name, d.ns)
	class := pvc.Spec.StorageClassName
	switch {
	case class == nil:
		if !d.classesRead || defaultClass(d.classes) != "" {
			return nil // the default class is given to the claim shortly
		}
		return pending(
			strings.TrimSpace(fmt.Sprintf("Claim %s names no StorageClass and the cluster has no default one, so no volume is made for it. %s", pvc.Name, d.classList())),
			"set the volume's storageClass in berth.yaml to one of the cluster's classes, or make one the default: "+
				"kubectl annotate storageclass NAME storageclass.kubernetes.io/is-default-class=true "+
				"(on minikube: minikube addons enable default-storageclass storage-provisioner)",
			true)
	case *class == "":
		return pending(
			fmt.Sprintf(`Claim %s asks for no StorageClass (storageClassName: ""), so it binds only to an existing PersistentVolume, and none matches it.`, pvc.Name),
			"create a matching PersistentVolume, or give the volume a storageClass in berth.yaml; "+recreate,
			false)
	}
	sc := d.findClass(*class)
	if sc == nil && (d.classesRead || failed != nil && strings.Contains(failed.Message, "not found")) {
		hint := "use one of the cluster's classes as the volume's storageClass in berth.yaml, or leave it out for the default; " + recreate
		if d.classesRead && len(d.classes) == 0 {
			hint = "install a volume provisioner and its StorageClass (on minikube: minikube addons enable storage-provisioner); " + recreate
		}
		return pending(strings.TrimSpace(fmt.Sprintf("Claim %s asks for StorageClass %s, which does not exist. %s", pvc.Name, *class, d.classList())), hint, true)
	}
	if sc == nil {
		if failed == nil {
			return nil
		}
		return pending(fmt.Sprintf("Claim %s gets no volume: %s", pvc.Name, failed.Message), "check the StorageClass and its provisioner", false)
	}
	if sc.VolumeBindingMode != nil && *sc.VolumeBindingMode == storagev1.VolumeBindingWaitForFirstConsumer && pvc.Annotations[selectedNodeAnnotation] == "" {
		return nil // provisioned once a pod using it is scheduled
	}
	msg := fmt.Sprintf("Claim %s waits for a volume from StorageClass %s (provisioner %s)", pvc.Name, sc.Name, sc.Provisioner)
	if failed != nil {
		msg += ": " + strings.TrimSuffix(failed.Message, ".") + "."
	} else {
		msg += "; no error reported yet."
	}
	return pending(msg, fmt.Sprintf("check that the provisioner %s runs and read its logs", sc.Provisioner), false)
}

func (d *diagnosis) findClass(name string) *storagev1.StorageClass {
	for i := range d.classes {
		if d.classes[i].Name == name {
			return &d.classes[i]
		}
	}
	return nil
}

// classList names the cluster's StorageClasses for a message.
func (d *diagnosis) classList() string {
	if !d.classesRead {
		return ""
	}
	if len(d.classes) == 0 {
		return "The cluster has no StorageClass."
	}
	def := defaultClass(d.classes)
	names := make([]string, 0, len(d.classes))
	for _, c := range d.classes {
		n := c.Name
		if n == def {
			n += " (default)"
		}
		names = append(names, n)
	}
	slices.Sort(names)
	return "The cluster has: " + strings.Join(names, ", ") + "."
}

// defaultClass is the name of the default StorageClass, or "".
func defaultClass(classes []storagev1.StorageClass) string {
	for _, c := range classes {
		if c.Annotations["storageclass.kubernetes.io/is-default-class"] == "true" ||
			c.Annotations["storageclass.beta.kubernetes.io/is-default-class"] == "true" {
			return c.Name
		}
	}
	return ""
}
