// Package render turns a loaded project into Kubernetes manifests through
// the embedded Helm chart (charts/app) and Helm's own engine, loader and
// manifest sorter. Rendering is pure: project and image references in,
// manifest bytes out; no cluster access, deterministic order, no
// timestamps. The output is byte-identical to `helm template` of the chart
// that Export writes.
package render
