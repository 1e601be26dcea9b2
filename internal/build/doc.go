// Package build computes and produces the images of services that berth
// builds from source. This release computes content-addressed tags: the
// same build inputs always give the same tag, so a render or deploy never
// points at a stale image.
package build
