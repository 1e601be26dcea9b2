package config

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDistance(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "abc", 3},
		{"abc", "", 3},
		{"image", "image", 0},
		{"Image", "image", 0},           // ASCII case is free
		{"TARGETPORT", "targetPort", 0}, // …everywhere in the word
		{"imge", "image", 1},            // deletion
		{"imagee", "image", 1},          // insertion
		{"imaqe", "image", 1},           // substitution
		{"imgae", "image", 1},           // swap of neighbours counts once
		{"raedinses", "readiness", 2},   // two swaps
		{"ab", "ba", 1},                 // swap at the start
		{"abc", "ca", 3},                // OSA: no edit of a swapped pair
		{"kitten", "sitting", 3},        // the classic
		{"port", "ports", 1},            // plural
		{"request", "requests", 1},
		{"mountpath", "mountPath", 0},
		{"dockerFile", "dockerfile", 0},
		{"ÄRGER", "ärger", 1}, // only ASCII folds
		{"naïve", "naive", 1}, // runes, not bytes
		{"日本語", "日本", 1},
		{"replicas", "autoscale", 7}, // unrelated
		{"storageClass", "storageClasses", 2},
	}
	var want, got []string
	for _, tt := range tests {
		// Both ways round: the distance is symmetric.
		want = append(want, fmt.Sprintf("%q %q %d", tt.a, tt.b, tt.want), fmt.Sprintf("%q %q %d", tt.b, tt.a, tt.want))
		got = append(got, fmt.Sprintf("%q %q %d", tt.a, tt.b, distance(tt.a, tt.b)), fmt.Sprintf("%q %q %d", tt.b, tt.a, distance(tt.b, tt.a)))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("distance (-want +got):\n%s", diff)
	}
}

func TestSuggest(t *testing.T) {
	t.Parallel()
	serviceFields := []string{"annotations", "args", "autoscale", "build", "command", "configFiles", "env", "envFrom",
		"expose", "image", "imagePullPolicy", "imagePullSecrets", "ingress", "labels", "nodeSelector", "podAnnotations",
		"ports", "probes", "replicas", "resources", "stateful", "strategy", "tolerations", "volumes"}
	tests := []struct {
		s          string
		candidates []string
		want       string
	}{
		{"imgae", serviceFields, "image"},
		{"replica", serviceFields, "replicas"},
		{"port", serviceFields, "ports"},
		{"volume", serviceFields, "volumes"},
		{"Image", serviceFields, "image"},
		{"imagepullpolicy", serviceFields, "imagePullPolicy"},
		{"configfiles", serviceFields, "configFiles"},
		{"readyness", []string{"liveness", "readiness", "startup"}, "readiness"},
		{"nodeport", []string{"ClusterIP", "NodePort", "LoadBalancer", "Headless", "None"}, "NodePort"},
		{"udp", []string{"TCP", "UDP", "SCTP"}, "UDP"},
		{"sometimes", []string{"IfNotPresent", "Always", "Never"}, ""},
		{"owner", []string{"apiVersion", "environments", "name", "namespace", "registry", "secrets", "services", "storageClasses", "target"}, ""},
		{"servics", []string{"apiVersion", "environments", "name", "namespace", "registry", "secrets", "services", "storageClasses", "target"}, "services"},
		{"image", nil, ""},
		{"image", []string{}, ""},
		{"", []string{"a", "bc"}, "a"},
		// Ties go to the first candidate at the smallest distance.
		{"cat", []string{"bat", "hat", "cut"}, "bat"},
		{"cat", []string{"cart", "cat"}, "cat"},
	}
	var want, got []string
	for _, tt := range tests {
		want = append(want, fmt.Sprintf("%q → %q", tt.s, tt.want))
		got = append(got, fmt.Sprintf("%q → %q", tt.s, suggest(tt.s, tt.candidates)))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("suggest (-want +got):\n%s", diff)
	}
}

// TestSuggestNotTooFar lists names for which a suggestion would mislead:
// the threshold len(s)/2+2 lets half of a short word change.
func TestSuggestNotTooFar(t *testing.T) {
	t.Parallel()
	var problems []string
	for _, tt := range []struct {
		s          string
		candidates []string
	}{
		{"worker", []string{"web", "api"}}, // an overlay naming a service that is not there
		{"db", []string{"web", "api"}},
		{"redis", []string{"web", "api"}},
		{"tls", []string{"host", "path"}},
		{"cpu", []string{"min", "max"}},
		{"staging", []string{"production"}}, // -e staging with only production defined
		{"frontend", []string{"backend"}},   // another service
		{"size", []string{"name", "subPath"}},
	} {
		if got := suggest(tt.s, tt.candidates); got != "" {
			problems = append(problems, fmt.Sprintf("suggest(%q, %q) = %q, want no suggestion", tt.s, tt.candidates, got))
		}
	}
	knownBug(t, "suggest proposes unrelated short names (worker → web)", problems)
}
