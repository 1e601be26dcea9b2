// Package kube is berth's cluster I/O: one Client per command (one
// discovery, a cached RESTMapper, QPS sized for parallel apply), server-side
// apply by dependency level with kubectl's result vocabulary (created,
// configured, unchanged), pruning that never deletes volumes unless asked,
// and waiting for readiness with kstatus (github.com/fluxcd/cli-utils).
package kube
