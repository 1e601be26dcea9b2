package build

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestExposedPorts reads EXPOSE of the target stage's chain, ARG and ENV
// expanded, whatever else the Dockerfile does (RUN and COPY --from are
// fine here: nothing is built).
func TestExposedPorts(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, dockerfile, target string
		args                     map[string]string
		want                     []string
		err                      string
	}{
		{name: "none", dockerfile: "FROM busybox\nCMD [\"sh\"]\n"},
		{name: "plain", dockerfile: "FROM node:22\nRUN npm ci\nEXPOSE 3000\n", want: []string{"3000/tcp"}},
		{name: "protocols and ranges", dockerfile: "FROM x\nEXPOSE 53/udp 8000-8001 9090/TCP\n", want: []string{"53/udp", "8000/tcp", "8001/tcp", "9090/tcp"}},
		{name: "arg and env", dockerfile: "FROM x\nARG PORT=8080\nENV METRICS=9100\nEXPOSE $PORT ${METRICS}\n", args: map[string]string{"PORT": "8081"}, want: []string{"8081/tcp", "9100/tcp"}},
		{name: "last stage by default", dockerfile: "FROM maven AS builder\nEXPOSE 5005\nRUN mvn install\nFROM eclipse-temurin:17\nEXPOSE 8080\nCOPY --from=builder /app /app\n", want: []string{"8080/tcp"}},
		{name: "the chain of the target", dockerfile: "FROM node AS base\nEXPOSE 3000\nFROM base AS dev\nEXPOSE 9229\nFROM nginx\nEXPOSE 80\n", target: "dev", want: []string{"3000/tcp", "9229/tcp"}},
		{name: "an unset variable", dockerfile: "FROM x\nEXPOSE 80 $NOPE\n", want: []string{"80/tcp"}, err: "Dockerfile:2: EXPOSE $NOPE: expands to nothing"},
		{name: "not a port", dockerfile: "FROM x\nEXPOSE http 81\n", want: []string{"81/tcp"}, err: "Dockerfile:2: EXPOSE http: \"http\" is not a port number"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := writeTree(t, map[string]string{"Dockerfile": tc.dockerfile})
			df, _ := ParseDockerfile(filepath.Join(dir, "Dockerfile"), tc.args, tc.target, "linux/amd64")
			if df == nil {
				t.Fatal("not parsed")
			}
			got, err := df.ExposedPorts()
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ports (-want +got):\n%s", diff)
			}
			switch {
			case tc.err == "" && err != nil:
				t.Errorf("error %v", err)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Errorf("error %v, want one with %q", err, tc.err)
			}
		})
	}
}
