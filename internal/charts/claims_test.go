package charts

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-dev/berth/internal/kube"
)

// TestClaimRef: a chart's claim is a v1 PersistentVolumeClaim in its
// namespace, the reference a delete lists and confirms.
func TestClaimRef(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name  string
		claim Claim
		want  kube.Ref
	}{
		{"in a namespace", Claim{Chart: "redis", Namespace: "shop", Name: "redis-data"},
			kube.Ref{Version: "v1", Kind: "PersistentVolumeClaim", Namespace: "shop", Name: "redis-data"}},
		{"another namespace", Claim{Chart: "ingress", Namespace: "ingress-nginx", Name: "certs"},
			kube.Ref{Version: "v1", Kind: "PersistentVolumeClaim", Namespace: "ingress-nginx", Name: "certs"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := c.claim.Ref()
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("Ref (-want +got):\n%s", diff)
			}
			if s := got.String(); s != "persistentvolumeclaim/"+c.claim.Name {
				t.Errorf("String = %q", s)
			}
		})
	}
}
