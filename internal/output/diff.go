package output

import "github.com/berth-dev/berth/internal/kube"

// DiffResult is the -o json shape of berth diff.
type DiffResult struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	App        string `json:"app"`
	Namespace  string `json:"namespace"`
	// Differs is true when a deploy would change something.
	Differs bool        `json:"differs"`
	Objects []kube.Diff `json:"objects"`
}

// NewDiffResult is the DiffResult of app in namespace ns: what a deploy
// would change, object by object.
func NewDiffResult(app, ns string, diffs []kube.Diff) DiffResult {
	if diffs == nil {
		diffs = []kube.Diff{}
	}
	return DiffResult{APIVersion: APIVersion, Kind: "Diff", App: app, Namespace: ns, Differs: len(diffs) > 0, Objects: diffs}
}
