// Package compose is berth import compose: it loads a Compose project
// with compose-go's loader (interpolation, .env, profiles, extends,
// include, several files) and converts it to a berth.yaml, listing what
// it could not translate as warnings that name the compose file and line.
package compose
