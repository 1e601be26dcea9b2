package build

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestSettings reads the config a Dockerfile's own lines set without
// building it: ARG defaults and build args expanded, EXPOSE in the order
// of its lines, RUN and COPY --from skipped, only the stages of the target's
// chain.
func TestSettings(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, dockerfile string
		args             map[string]string
		exposed, env     []string
	}{
		{"expose and env", "FROM node:22\nENV PORT=80\nEXPOSE 80\n", nil, []string{"80/tcp"}, []string{"PORT=80"}},
		{"legacy env form", "FROM node:22\nENV PORT 3001\n", nil, nil, []string{"PORT=3001"}},
		// BuildKit's parser sorts the ports of one line.
		{"line order", "FROM nginx\nEXPOSE 8443 80/udp\nEXPOSE 81\n", nil, []string{"80/udp", "8443/tcp", "81/tcp"}, nil},
		{"arg default", "FROM nginx\nARG PORT=8081\nENV PORT=${PORT}\nEXPOSE $PORT\n", nil, []string{"8081/tcp"}, []string{"PORT=8081"}},
		{"build arg", "FROM nginx\nARG PORT=8081\nEXPOSE $PORT\n", map[string]string{"PORT": "9000"}, []string{"9000/tcp"}, nil},
		{"global arg", "ARG PORT=7000\nFROM nginx\nARG PORT\nEXPOSE ${PORT}\n", nil, []string{"7000/tcp"}, nil},
		{"env from env", "FROM nginx\nENV BASE=5000\nENV PORT=$BASE\n", nil, nil, []string{"BASE=5000", "PORT=5000"}},
		{
			"the target's chain only, RUN skipped",
			"FROM golang AS build\nEXPOSE 1234\nENV PORT=1\nRUN go build -o /app .\n" +
				"FROM gcr.io/distroless/static\nCOPY --from=build /app /app\nEXPOSE 8080\nENTRYPOINT [\"/app\"]\n",
			nil, []string{"8080/tcp"}, nil,
		},
		{"no ports", "FROM mcr.microsoft.com/dotnet/runtime:8.0\nWORKDIR /app\nCOPY . .\nENTRYPOINT [\"dotnet\", \"Worker.dll\"]\n", nil, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := writeTree(t, map[string]string{"Dockerfile": tc.dockerfile})
			df, err := ParseDockerfile(filepath.Join(dir, "Dockerfile"), tc.args, "", "linux/amd64")
			var de *DaemonError
			if err != nil && !errors.As(err, &de) {
				t.Fatal(err)
			}
			s, err := df.Settings()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.exposed, s.Exposed); diff != "" {
				t.Errorf("Exposed (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.env, s.Config.Env); diff != "" {
				t.Errorf("Env (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSettingsBadExpose(t *testing.T) {
	t.Parallel()
	dir := writeTree(t, map[string]string{"Dockerfile": "FROM nginx\nEXPOSE http\n"})
	df, err := ParseDockerfile(filepath.Join(dir, "Dockerfile"), nil, "", "linux/amd64")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := df.Settings(); err == nil || !strings.Contains(err.Error(), `Dockerfile:2: EXPOSE http`) || !strings.Contains(err.Error(), `"http" is not a port number`) {
		t.Errorf("Settings() error = %v", err)
	}
}
