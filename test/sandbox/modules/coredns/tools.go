//go:build tools

// Package tools pins the CoreDNS command built by scripts/sandbox.
package tools

import _ "github.com/coredns/coredns"
