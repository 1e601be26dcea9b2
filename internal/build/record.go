package build

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"time"

	"github.com/gofrs/flock"
)

// Record is what berth remembers of a service's last build, in
// .berth/builds.json next to berth.yaml: render and deploy pin Image
// while the inputs still hash to Tag.
type Record struct {
	// Tag is the content tag of the inputs built.
	Tag string `json:"tag"`
	// Image is the full reference: REPO:TAG@DIGEST.
	Image string `json:"image"`
	// Digest of the image (an index for several platforms).
	Digest string `json:"digest"`
	// Base is the base image pinned by digest.
	Base string `json:"base,omitempty"`
	// Platforms built.
	Platforms []string `json:"platforms,omitempty"`
	// Builder that built it: berth, docker, podman, buildah, nerdctl.
	Builder string `json:"builder"`
	// Pushed is true when the image is in the registry; false when it
	// is only in the local OCI layout (.berth/oci).
	Pushed bool      `json:"pushed"`
	Time   time.Time `json:"time"`
}

// Records are the build records of one project.
type Records struct {
	Services map[string]Record `json:"services"`
}

func recordsPath(stateDir string) string { return filepath.Join(stateDir, "builds.json") }

// LoadRecords reads the build records under stateDir (none is not an
// error).
func LoadRecords(stateDir string) (*Records, error) {
	r := &Records{Services: map[string]Record{}}
	data, err := os.ReadFile(recordsPath(stateDir))
	if errors.Is(err, fs.ErrNotExist) {
		return r, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, r); err != nil {
		return nil, fmt.Errorf("%s is damaged (%v); delete it and build again", recordsPath(stateDir), err)
	}
	if r.Services == nil {
		r.Services = map[string]Record{}
	}
	return r, nil
}

// Save writes the records atomically, with a .gitignore that keeps the
// state folder out of version control.
func (r *Records) Save(stateDir string) error {
	if err := ensureStateDir(stateDir); err != nil {
		return err
	}
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(recordsPath(stateDir), append(data, '\n'))
}

// UpdateRecords writes the records in set into stateDir's records and
// leaves the other services' as they are on disk, so two berth processes
// building one project each keep what they built. The read and the write
// hold an exclusive lock on stateDir/records.lock (gofrs/flock: flock(2),
// LockFileEx on Windows).
func UpdateRecords(stateDir string, set map[string]Record) error {
	if err := ensureStateDir(stateDir); err != nil {
		return err
	}
	lock := flock.New(filepath.Join(stateDir, "records.lock"))
	if err := lock.Lock(); err != nil {
		return fmt.Errorf("locking %s: %w", lock.Path(), err)
	}
	defer lock.Unlock()
	recs, err := LoadRecords(stateDir)
	if err != nil {
		return err
	}
	maps.Copy(recs.Services, set)
	return recs.Save(stateDir)
}

// ensureStateDir creates .berth with a .gitignore of everything.
func ensureStateDir(stateDir string) error {
	if err := os.MkdirAll(stateDir, 0o755); err != nil {
		return err
	}
	gi := filepath.Join(stateDir, ".gitignore")
	if _, err := os.Stat(gi); errors.Is(err, fs.ErrNotExist) {
		return os.WriteFile(gi, []byte("# berth's build state: records, layer cache, local images\n*\n"), 0o644)
	}
	return nil
}
