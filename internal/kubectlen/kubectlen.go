// Package kubectlen keeps kubectl's message catalogue from loading: berth
// speaks English, and kubectl's i18n package otherwise parses its embedded
// translations while the process starts (about 40 ms, through package
// variables of kubectl commands berth imports for its rollout commands).
// Messages stay kubectl's English originals.
//
// It uses kubectl's documented hook, which must run before any i18n.T
// call: import it (blank) from the package that imports kubectl's
// commands. Go initialises it first because its dependencies are few and
// its import path sorts before k8s.io/kubectl's.
package kubectlen

import "k8s.io/kubectl/pkg/util/i18n"

func init() {
	if err := i18n.SetLoadTranslationsFunc(func() error { return nil }); err != nil {
		panic(err)
	}
}
