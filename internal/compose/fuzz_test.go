package compose

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	yaml "go.yaml.in/yaml/v3"

	"github.com/berth-dev/berth/internal/config"
)

// importTimeLimit is how long FuzzImport lets one import take.
const importTimeLimit = 10 * time.Second

// FuzzImport feeds arbitrary compose files to Import (the seed corpus is
// testdata/fuzz/FuzzImport). It must never panic; when compose-go
// accepts the file, berth.yaml must be one YAML document that berth
// loads and validates, failing at most on files the compose file names
// but the fuzz directory does not hold.
func FuzzImport(f *testing.F) {
	for _, file := range []string{"webdbcache/docker-compose.yml", "buildargs/compose.yaml", "healthcheck/compose.yaml", "layered/compose.yaml", "nodedev/compose.yaml", "javamysql/compose.yaml"} {
		data, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		watchdog := time.AfterFunc(importTimeLimit, func() {
			panic(fmt.Sprintf("Import took more than %v on %q", importTimeLimit, data))
		})
		defer watchdog.Stop()
		dir := t.TempDir()
		for name, content := range map[string]string{"compose.yaml": string(data), "app/Dockerfile": "FROM scratch\n", "conf/app.conf": "x=1\n"} {
			path := filepath.Join(dir, name)
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		res, err := Import(t.Context(), Options{Files: []string{filepath.Join(dir, "compose.yaml")}, OutputDir: dir, Environ: []string{"TAG=1"}})
		if err != nil {
			return
		}
		dec := yaml.NewDecoder(bytes.NewReader(res.YAML))
		var doc, second yaml.Node
		if err := dec.Decode(&doc); err != nil {
			t.Fatalf("berth.yaml is not YAML: %v\n%s", err, res.YAML)
		}
		if err := dec.Decode(&second); !errors.Is(err, io.EOF) {
			t.Fatalf("berth.yaml is more than one YAML document (%v)\n%s", err, res.YAML)
		}
		_, _, err = config.Parse(filepath.Join(dir, "berth.yaml"), res.YAML, config.Options{LookupEnv: anyVar})
		var errs config.Errors
		if err != nil && !errors.As(err, &errs) {
			t.Fatalf("loading berth.yaml: %v\n%s", err, res.YAML)
		}
		for _, e := range errs {
			if !missingFile(e.Msg) {
				t.Errorf("berth.yaml does not validate: %v\n%s", e, res.YAML)
			}
		}
	})
}

// missingFile: problems of the files a compose file names, which the
// converter reports as warnings but cannot fix.
func missingFile(msg string) bool {
	for _, s := range []string{"does not exist", "is not a directory", "is a directory"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}
