// Package config loads berth.yaml: it parses the file with positions,
// expands ${VAR} references, checks the structure against the JSON Schema
// generated from this package's types, merges an environment overlay,
// applies defaults and runs semantic checks. Every problem is reported as an
// *Error naming FILE:LINE:COL and the field path, all problems of a file at
// once, sorted by position.
//
// The package has no cluster access and no global state; Load is safe to
// call concurrently.
package config
