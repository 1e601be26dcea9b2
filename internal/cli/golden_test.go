package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"text/tabwriter"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth-dev/berth/internal/testutil"
)

// goldenApp is the application of the golden command tests: one
// Deployment behind a Service, which the sandbox rolls out in seconds.
// The image is in a registry of the test (undo checks that the images it
// restores still exist); the environment value changes, so that a second
// deploy has something to roll and undo something to restore.
const goldenApp = `apiVersion: berth/v1
name: golden
services:
  web:
    image: %s
    replicas: 2
    ports: [{name: http, port: 80}]
    env: {MODE: %s}
`

// goldenMode is one way a person or a CI job sees berth's output.
type goldenMode struct {
	name string
	// tty makes stdout and stderr terminals, as on a developer's screen:
	// colours and the live view of the health wait.
	tty  bool
	env  map[string]string
	args []string // added to every command line
}

var goldenModes = []goldenMode{
	{name: "tty", tty: true, env: map[string]string{"TERM": "xterm-256color"}},
	{name: "ci", env: map[string]string{"CI": "true"}},
	{name: "json", env: map[string]string{"CI": "true"}, args: []string{"-o", "json"}},
}

// TestGolden runs deploy, status, history and undo against the sandbox
// in three modes (a terminal, CI=true plain, -o json) and compares what
// a user sees with testdata/golden/COMMAND-MODE.golden, after scrub
// (see there) has replaced what changes from run to run. Rewrite the
// files with go test ./internal/cli -run TestGolden -update.
func TestGolden(t *testing.T) {
	t.Parallel()
	for _, mode := range goldenModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			c, ns, flags := onCluster(t)
			reg := testutil.Registry(t)
			image := reg + "/golden/web:v1"
			pushEmpty(t, image)
			file := writeConfig(t, fmt.Sprintf(goldenApp, image, "one"))
			sc := newScrubber(ns, c.Kubeconfig, file, reg)
			step := func(name string, args ...string) {
				t.Helper()
				args = append(append(append(args, "-f", file), flags...), mode.args...)
				stdout, stderr, code := runMode(t, mode, args...)
				got := fmt.Sprintf("$ berth %s\n--- exit %d\n--- stdout\n%s--- stderr\n%s",
					strings.Join(args, " "), code, stdout, stderr)
				if mode.tty {
					got = screen(got)
				}
				if name == "" {
					if code != 0 {
						t.Fatalf("%s", got)
					}
					return
				}
				testutil.Golden(t, filepath.Join("testdata", "golden", name+"-"+mode.name+".golden"), []byte(sc.scrub(got)), *update)
			}
			step("deploy", "deploy", "--timeout", "2m", "--cause", "golden one")
			if err := os.WriteFile(file, fmt.Appendf(nil, goldenApp, image, "two"), 0o644); err != nil {
				t.Fatal(err)
			}
			step("", "deploy", "--timeout", "2m", "--cause", "golden two")
			step("status", "status")
			step("history", "history")
			step("undo", "undo", "--timeout", "2m")
		})
	}
}

// runMode is run with the streams of the mode: terminals or not.
func runMode(t *testing.T, mode goldenMode, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return runStreams(t, mode.env, mode.tty, args...)
}

// scrubber replaces, in a command's output, what differs from one run to
// the next with a placeholder in capitals:
//
//   - the test's namespace, kubeconfig and berth.yaml paths, and its
//     registry's host:port: NAMESPACE, KUBECONFIG, BERTH_YAML, REGISTRY;
//   - IP addresses (a Service's cluster IP): IP;
//   - who deploys (user@host) and the process id: USER@HOST, PID;
//   - clock times, dates and timestamps (plain lines' "15:04:05 ",
//     RFC 3339): HH:MM:SS, TIME;
//   - durations and ages ("1.2s", "3m4s ago", "12s"): DURATION, AGE;
//   - generated names' hashes (web-5d4f7c9b8-x2x7z): web-HASH;
//   - resourceVersions and uids: RV, UID;
//
// A table pads its columns to their widest cell, and a scrubbed cell (an
// age) is not as wide in every run: so tables (lines that do not start
// with a space and have cells apart by two spaces or more) are aligned
// again after scrubbing, two spaces apart.
//
// The plain view of the health wait prints a line each time the cluster
// reports a change, and how many changes a watch sees depends on timing;
// so consecutive wait lines of one object are kept as their last line.
type scrubber struct {
	literal *strings.Replacer
}

func newScrubber(ns, kubeconfig, file, registry string) *scrubber {
	return &scrubber{literal: strings.NewReplacer(
		kubeconfig, "KUBECONFIG",
		file, "BERTH_YAML",
		ns, "NAMESPACE",
		registry, "REGISTRY",
		whoami(), "USER@HOST",
	)}
}

var scrubs = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`pid \d+`), "pid PID"},
	{regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)`), "TIME"},
	{regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d( [+-]\d{4} \w+)?`), "TIME"},
	{regexp.MustCompile(`(?m)^(\x1b\[[0-9;]*[A-Za-z])*\d\d:\d\d:\d\d `), "HH:MM:SS "},
	{regexp.MustCompile(`"time":"[^"]+"`), `"time":"TIME"`},
	{regexp.MustCompile(`"(duration|updated)":"[^"]+"`), `"$1":"DURATION"`},
	{regexp.MustCompile(`"resourceVersion":"[^"]+"`), `"resourceVersion":"RV"`},
	{regexp.MustCompile(`"uid":"[^"]+"`), `"uid":"UID"`},
	{regexp.MustCompile(`\b(\d+(\.\d+)?(ns|µs|ms|s|m|h))+ ago\b`), "AGE ago"},
	{regexp.MustCompile(`\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b`), "IP"},
	{regexp.MustCompile(`(^|[\s("])\d+(\.\d+)?(ms|d|h|m|s)(\d+(\.\d+)?(ms|m|s))*\b`), "${1}DURATION"},
	{regexp.MustCompile(`\b([a-z0-9-]+?)-[bcdfghjklmnpqrstvwxz2456789]{8,10}(-[bcdfghjklmnpqrstvwxz2456789]{5})?\b`), "$1-HASH"},
}

func (s *scrubber) scrub(out string) string {
	out = s.literal.Replace(out)
	for _, r := range scrubs {
		out = r.re.ReplaceAllString(out, r.with)
	}
	return realign(collapseWaitLines(out))
}

var cellGap = regexp.MustCompile(`  +`)

// realign aligns the columns of each run of table lines again.
func realign(out string) string {
	lines := strings.Split(out, "\n")
	isRow := func(l string) bool { return l != "" && l[0] != ' ' && cellGap.MatchString(l) }
	var b strings.Builder
	for i := 0; i < len(lines); {
		if !isRow(lines[i]) {
			b.WriteString(lines[i])
			i++
			if i < len(lines) {
				b.WriteString("\n")
			}
			continue
		}
		tw := tabwriter.NewWriter(&b, 0, 8, 2, ' ', 0)
		for ; i < len(lines) && isRow(lines[i]); i++ {
			fmt.Fprint(tw, cellGap.ReplaceAllString(lines[i], "\t"))
			if i+1 < len(lines) {
				fmt.Fprint(tw, "\n")
			}
		}
		tw.Flush()
	}
	return b.String()
}

// waitLine is a plain line of the health wait: "HH:MM:SS kind/name …".
var waitLine = regexp.MustCompile(`^HH:MM:SS (\S+/\S+)  `)

// collapseWaitLines keeps the last of consecutive wait lines about one
// object.
func collapseWaitLines(out string) string {
	lines := strings.Split(out, "\n")
	var kept []string
	for i, l := range lines {
		if m := waitLine.FindStringSubmatch(l); m != nil && i+1 < len(lines) {
			if n := waitLine.FindStringSubmatch(lines[i+1]); n != nil && n[1] == m[1] {
				continue
			}
		}
		kept = append(kept, l)
	}
	return strings.Join(kept, "\n")
}

// screen replays text as a terminal shows it at the end: the live view's
// cursor up (ESC[nA), clear line (ESC[2K), clear below (ESC[J) and
// carriage returns are applied, so a golden file holds the final screen
// rather than the frames drawn on the way (how many depends on timing).
// Colours (ESC[…m) stay, written as "<ESC>[…m" to be readable.
func screen(text string) string {
	var lines []string
	row := 0
	put := func(s string) {
		for len(lines) <= row {
			lines = append(lines, "")
		}
		lines[row] += s
	}
	for i := 0; i < len(text); i++ {
		ch := text[i]
		switch {
		case ch == '\n':
			row++
			for len(lines) <= row {
				lines = append(lines, "")
			}
		case ch == '\r':
			for len(lines) <= row {
				lines = append(lines, "")
			}
			lines[row] = ""
		case ch == 0x1b && i+1 < len(text) && text[i+1] == '[':
			j := i + 2
			for j < len(text) && (text[j] < 0x40 || text[j] > 0x7e) {
				j++
			}
			if j >= len(text) {
				put(text[i:])
				i = j
				continue
			}
			param, final := text[i+2:j], text[j]
			switch final {
			case 'A':
				n := 1
				fmt.Sscanf(param, "%d", &n)
				row = max(0, row-n)
			case 'K':
				for len(lines) <= row {
					lines = append(lines, "")
				}
				lines[row] = ""
			case 'J':
				if row < len(lines) {
					lines = lines[:row+1]
					lines[row] = ""
				}
			default:
				put("<ESC>[" + param + string(final))
			}
			i = j
		default:
			put(text[i : i+1])
		}
	}
	return strings.Join(lines, "\n")
}

// TestScreen: the final screen of a live view is its last frame, and
// colours stay visible.
func TestScreen(t *testing.T) {
	t.Parallel()
	in := "before\n" +
		"\x1b[2K… deployment.apps/web  0/2 ready\n\x1b[2K… service/web\n" +
		"\x1b[2A\x1b[2K✓ deployment.apps/web  2/2 ready  ok\n\x1b[J" +
		"\x1b[32mdeployed\x1b[0m golden\n" +
		"50%\r100%\n"
	want := "before\n✓ deployment.apps/web  2/2 ready  ok\n<ESC>[32mdeployed<ESC>[0m golden\n100%\n"
	if diff := cmp.Diff(want, screen(in)); diff != "" {
		t.Errorf("screen (-want +got):\n%s", diff)
	}
}

// TestScrub: what changes between runs becomes a placeholder; the rest
// stays.
func TestScrub(t *testing.T) {
	t.Parallel()
	sc := newScrubber("test-golden-ci-x7k2p", "/tmp/s/kubeconfig", "/tmp/t/berth.yaml", "127.0.0.1:40123")
	in := strings.Join([]string{
		"$ berth deploy -f /tmp/t/berth.yaml --kubeconfig /tmp/s/kubeconfig -n test-golden-ci-x7k2p",
		"19:21:07 deployment.apps/web  0/2 ready  InProgress: Deployment does not have minimum availability",
		"19:21:08 deployment.apps/web  1/2 ready  InProgress: Available: 1/2",
		"19:21:09 deployment.apps/web  2/2 ready  ok",
		"<ESC>[32mdeployed<ESC>[0m golden revision 1 in namespace test-golden-ci-x7k2p: healthy (2.3s)",
		"SERVICE  KIND        READY  IMAGES                          ENDPOINTS",
		"web      Deployment  2/2    127.0.0.1:40123/golden/web:v1  10.96.86.128:80",
		"",
		"REVISION   UPDATED                                   STATUS",
		"1          2026-12-07 19:21:09 +0000 UTC (12s ago)   deployed",
		"",
		"app golden in namespace test-golden-ci-x7k2p, revision 2 (deployed 5s ago, 2026-12-07T19:21:09Z)",
		"pod/web-7c5ddbdf54-x2x7z " + whoami() + " pid 4242",
		`{"v":1,"time":"2026-12-07T19:21:09.12Z","type":"finished","duration":"2.3s"}`,
	}, "\n")
	want := strings.Join([]string{
		"$ berth deploy -f BERTH_YAML --kubeconfig KUBECONFIG -n NAMESPACE",
		"HH:MM:SS deployment.apps/web  2/2 ready  ok",
		"<ESC>[32mdeployed<ESC>[0m golden revision 1 in namespace NAMESPACE: healthy (DURATION)",
		"SERVICE  KIND        READY  IMAGES                  ENDPOINTS",
		"web      Deployment  2/2    REGISTRY/golden/web:v1  IP:80",
		"",
		"REVISION  UPDATED         STATUS",
		"1         TIME (AGE ago)  deployed",
		"",
		"app golden in namespace NAMESPACE, revision 2 (deployed AGE ago, TIME)",
		"pod/web-HASH USER@HOST pid PID",
		`{"v":1,"time":"TIME","type":"finished","duration":"DURATION"}`,
	}, "\n")
	if diff := cmp.Diff(want, sc.scrub(in)); diff != "" {
		t.Errorf("scrub (-want +got):\n%s", diff)
	}
}

// pushEmpty pushes go-containerregistry's empty image as ref: the same
// digest on every run.
func pushEmpty(t *testing.T, ref string) {
	t.Helper()
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(r, empty.Image, remote.WithContext(t.Context())); err != nil {
		t.Fatalf("pushing %s: %v", ref, err)
	}
}
