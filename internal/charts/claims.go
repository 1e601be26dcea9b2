package charts

import (
	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/kube"
)

// Ref is the claim as a reference to the PersistentVolumeClaim.
func (c Claim) Ref() kube.Ref {
	return kube.Ref{Version: "v1", Kind: "PersistentVolumeClaim", Namespace: c.Namespace, Name: c.Name}
}

// ClaimRefs are the claims of Claims as references: those a delete lists
// and confirms with the app's (deploy.DeleteOptions.AlsoClaims) before
// helm uninstall deletes them.
func (in *Installer) ClaimRefs(charts map[string]*config.Chart, defaultNS string) ([]kube.Ref, error) {
	claims, err := in.Claims(charts, defaultNS)
	if err != nil {
		return nil, err
	}
	out := make([]kube.Ref, len(claims))
	for i, cl := range claims {
		out[i] = cl.Ref()
	}
	return out, nil
}
