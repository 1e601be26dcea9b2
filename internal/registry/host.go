package registry

import "strings"

// Host is the registry host of a login argument, as docker login reads
// it: without an https:// or http:// scheme and a trailing slash.
func Host(arg string) string {
	return strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(arg, "https://"), "http://"), "/")
}
