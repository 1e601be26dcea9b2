package build

import (
	"slices"
	"strings"
)

// Builders are the builder names build.builder and Options.Builder
// accept, in the order help lists them.
func Builders() []string {
	return []string{BuilderAuto, BuilderBerth, BuilderDocker, BuilderPodman, BuilderBuildah, BuilderNerdctl, BuilderMinikube}
}

// IsBuilder reports whether name is one of Builders.
func IsBuilder(name string) bool { return slices.Contains(Builders(), name) }

// BuilderList words Builders as help does: "auto, berth, … or minikube".
func BuilderList() string {
	b := Builders()
	return strings.Join(b[:len(b)-1], ", ") + " or " + b[len(b)-1]
}
