package kube

import (
	"path/filepath"

	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// NewConfigFlags are kubectl's everyday connection flags (--kubeconfig,
// --context, -n, --cluster, --user, --as, --request-timeout) without the
// rest, which only clutter --help (the kubeconfig file covers them).
// kubectl's code that berth runs on them (rollout) writes as berth.
func NewConfigFlags() *genericclioptions.ConfigFlags {
	kf := genericclioptions.NewConfigFlags(true)
	kf.CacheDir, kf.CertFile, kf.KeyFile, kf.BearerToken = nil, nil, nil, nil
	kf.ImpersonateUID, kf.ImpersonateGroup, kf.ImpersonateUserExtra = nil, nil, nil
	kf.Username, kf.Password, kf.CAFile, kf.APIServer = nil, nil, nil, nil
	kf.TLSServerName, kf.Insecure, kf.DisableCompression, kf.ProxyURL = nil, nil, nil, nil
	kf.WrapConfigFn = func(c *rest.Config) *rest.Config {
		c.UserAgent = UserAgent()
		return c
	}
	return kf
}

// RetargetFlags returns new flags for another kubeconfig file and context
// (a cluster a target prepared), keeping from's namespace, cluster, user,
// impersonation and timeout. A context given on the command line (from's)
// wins over context; an empty kubeconfig or context keeps from's.
func RetargetFlags(from *genericclioptions.ConfigFlags, kubeconfig, context string) *genericclioptions.ConfigFlags {
	kf := NewConfigFlags()
	kf.KubeConfig, kf.Context, kf.Namespace = from.KubeConfig, from.Context, from.Namespace
	kf.ClusterName, kf.AuthInfoName, kf.Impersonate, kf.Timeout = from.ClusterName, from.AuthInfoName, from.Impersonate, from.Timeout
	if kubeconfig != "" {
		kf.KubeConfig = &kubeconfig
	}
	if context != "" && (kf.Context == nil || *kf.Context == "") {
		kf.Context = &context
	}
	return kf
}

// KubeconfigFile is the file a new context is saved into (a cluster a
// target made): flags' --kubeconfig, else the first file of KUBECONFIG
// (read through getenv), else ~/.kube/config, as kubectl writes.
func KubeconfigFile(flags *genericclioptions.ConfigFlags, getenv func(string) string) string {
	if flags != nil && flags.KubeConfig != nil && *flags.KubeConfig != "" {
		return *flags.KubeConfig
	}
	if list := filepath.SplitList(getenv("KUBECONFIG")); len(list) > 0 && list[0] != "" {
		return list[0]
	}
	return clientcmd.RecommendedHomeFile
}
