package build

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/berth-dev/berth/internal/testutil"
)

// dockerfileTimeLimit is how long FuzzDockerfile lets parsing, planning
// and writing the layers of one input take.
const dockerfileTimeLimit = 10 * time.Second

// FuzzDockerfile parses arbitrary Dockerfiles (with a fuzzed --target and
// build arg), plans them over a base config and a hostile build context
// (symlinks out of it, a secret next to it, an archive that climbs out)
// and writes the planned layers. It must never panic or hang; errors name
// the Dockerfile; a plan's entries stay inside the image root, copy only
// files of the context, and the layers never hold the secret; the config
// grows only by what the expansion budget allows.
func FuzzDockerfile(f *testing.F) {
	root := testutil.RepoRoot(f)
	for _, glob := range []string{"examples/*/Dockerfile", "examples/*/*/Dockerfile", "templates/Dockerfile.*.tmpl", "internal/*/testdata/*/Dockerfile", "internal/*/testdata/*/*/Dockerfile"} {
		files, err := filepath.Glob(filepath.Join(root, glob))
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data, "", "")
		}
	}
	ctxDir, _ := hostileContext(f)
	bctx, err := LoadContext(ctxDir)
	if err != nil {
		f.Fatal(err)
	}
	base := &v1.ConfigFile{Config: v1.Config{Env: []string{"PATH=/usr/local/bin:/usr/bin:/bin"}, Cmd: []string{"sh"}}}
	epoch := time.Unix(0, 0)
	f.Fuzz(func(t *testing.T, data []byte, target, arg string) {
		watchdog := time.AfterFunc(dockerfileTimeLimit, func() {
			panic(fmt.Sprintf("the Dockerfile took more than %v: %q (target %q, arg %q)", dockerfileTimeLimit, data, target, arg))
		})
		defer watchdog.Stop()
		df, err := parseDockerfile("Dockerfile", data, map[string]string{"A": arg}, target, "linux/amd64")
		if err != nil {
			var de *DaemonError
			if df != nil && !errors.As(err, &de) {
				t.Fatalf("a Dockerfile with error %v", err)
			}
			checkDockerfileError(t, err)
			return
		}
		pl, err := df.Plan(base, bctx, []string{"dir"}, epoch)
		if err != nil {
			if pl != nil {
				t.Fatalf("a plan with error %v", err)
			}
			checkDockerfileError(t, err)
			return
		}
		grown := 0
		for _, kv := range pl.Config.Env {
			grown += len(kv)
		}
		for k, v := range pl.Config.Labels {
			grown += len(k) + len(v) + 1
		}
		if limit := maxExpansionTotal + 2*len(data) + 2*len(arg) + 64; grown > limit {
			t.Fatalf("ENV and LABEL hold %d bytes, more than the expansion budget allows (%d)", grown, limit)
		}
		for _, lp := range pl.Layers {
			for _, e := range lp.Entries {
				checkEntry(t, bctx, e)
			}
			var buf bytes.Buffer
			if err := writeEntries(tar.NewWriter(&buf), bctx, normalise(lp.Entries), epoch); err != nil {
				continue
			}
			checkLayer(t, buf.Bytes())
		}
	})
}

func checkDockerfileError(t *testing.T, err error) {
	t.Helper()
	if msg := err.Error(); !strings.HasPrefix(msg, "Dockerfile") {
		t.Fatalf("error does not name the Dockerfile: %v", err)
	}
}

// checkEntry: a planned entry is a clean path below the image root, and
// what it copies is an entry of the build context.
func checkEntry(t *testing.T, bctx *Context, e entry) {
	t.Helper()
	if e.Name == "" || e.Name != path.Clean(e.Name) || path.IsAbs(e.Name) || e.Name == ".." || strings.HasPrefix(e.Name, "../") {
		t.Fatalf("entry name %q is not a clean path below the root", e.Name)
	}
	for _, src := range []*File{e.Src, e.Archive} {
		if src == nil {
			continue
		}
		if f, ok := bctx.Lookup(src.Rel); !ok || f != src {
			t.Fatalf("entry %s copies %q, which is not an entry of the build context", e.Name, src.Rel)
		}
	}
}

// checkLayer: the layer's members stay below the root and none holds the
// secret planted outside the context.
func checkLayer(t *testing.T, layer []byte) {
	t.Helper()
	if bytes.Contains(layer, []byte(secretText)) {
		t.Fatal("a layer holds the secret from outside the build context")
	}
	tr := tar.NewReader(bytes.NewReader(layer))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("reading the layer back: %v", err)
		}
		if name := path.Clean(h.Name); path.IsAbs(h.Name) || name == ".." || strings.HasPrefix(name, "../") {
			t.Fatalf("layer member %q leads outside the root", h.Name)
		}
	}
}
