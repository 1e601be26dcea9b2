package kube

import (
	"path/filepath"
	"testing"

	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

func TestNewConfigFlags(t *testing.T) {
	t.Parallel()
	kf := NewConfigFlags()
	if kf.KubeConfig == nil || kf.Context == nil || kf.Namespace == nil {
		t.Fatal("the everyday flags are missing")
	}
	if kf.Password != nil || kf.BearerToken != nil || kf.APIServer != nil {
		t.Error("flags the kubeconfig covers are still there")
	}
	if got := kf.WrapConfigFn(&rest.Config{}).UserAgent; got != UserAgent() {
		t.Errorf("user agent %q, want berth's %q", got, UserAgent())
	}
}

// TestRetargetFlags: a target's kubeconfig replaces the user's file; its
// context is used unless the user named one; the namespace stays.
func TestRetargetFlags(t *testing.T) {
	t.Parallel()
	str := func(p *string) string {
		if p == nil {
			return "<nil>"
		}
		return *p
	}
	for _, tc := range []struct {
		name                          string
		userContext, kubeconfig, ctx  string
		wantFile, wantContext, wantNS string
	}{
		{"target's context", "", "/t/kubeconfig", "minikube", "/t/kubeconfig", "minikube", "shop"},
		{"user's --context wins", "mine", "/t/kubeconfig", "minikube", "/t/kubeconfig", "mine", "shop"},
		{"no kubeconfig keeps the user's", "", "", "do-ams3-shop", "/home/kubeconfig", "do-ams3-shop", "shop"},
	} {
		from := NewConfigFlags()
		file, ns, uc := "/home/kubeconfig", "shop", tc.userContext
		from.KubeConfig, from.Namespace, from.Context = &file, &ns, &uc
		kf := RetargetFlags(from, tc.kubeconfig, tc.ctx)
		if str(kf.KubeConfig) != tc.wantFile || str(kf.Context) != tc.wantContext || str(kf.Namespace) != tc.wantNS {
			t.Errorf("%s: kubeconfig %s context %s namespace %s, want %s %s %s", tc.name,
				str(kf.KubeConfig), str(kf.Context), str(kf.Namespace), tc.wantFile, tc.wantContext, tc.wantNS)
		}
		if str(from.KubeConfig) != "/home/kubeconfig" {
			t.Errorf("%s: the user's flags changed", tc.name)
		}
	}
}

func TestKubeconfigFile(t *testing.T) {
	t.Parallel()
	env := map[string]string{"KUBECONFIG": "/a/config" + string(filepath.ListSeparator) + "/b/config"}
	getenv := func(k string) string { return env[k] }
	flag := "/flag/config"
	withFlag := NewConfigFlags()
	withFlag.KubeConfig = &flag
	for _, tc := range []struct {
		name  string
		flags *genericclioptions.ConfigFlags
		env   func(string) string
		want  string
	}{
		{"--kubeconfig", withFlag, getenv, "/flag/config"},
		{"first of KUBECONFIG", NewConfigFlags(), getenv, "/a/config"},
		{"kubectl's default", nil, func(string) string { return "" }, clientcmd.RecommendedHomeFile},
	} {
		if got := KubeconfigFile(tc.flags, tc.env); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
