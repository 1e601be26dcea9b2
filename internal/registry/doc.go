// Package registry talks to container registries with
// go-containerregistry: credentials from the Docker config and credential
// helpers (authn.DefaultKeychain), and the checks berth makes before it
// touches a cluster, such as whether the images of a revision still exist.
// Discovery reads the local registry a cluster advertises (KEP-1755, the
// ConfigMap kube-public/local-registry-hosting), where berth pushes when
// berth.yaml names no registry.
package registry
