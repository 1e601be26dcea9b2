package diagnose

import (
	"context"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
)

const (
	// logLines is how many of a container's last log lines a finding shows.
	logLines = 10
	// logBytes bounds what one log request transfers: TailLines is applied
	// first, so this only cuts lines that are very long.
	logBytes = 64 << 10
	// logLineWidth bounds one shown line.
	logLineWidth = 300
	// logTimeout bounds one log request: the API server proxies it to the
	// kubelet, which may not answer at all.
	logTimeout = 5 * time.Second
	// maxLogs bounds the log requests of one diagnosis.
	maxLogs = 3
)

// logRequest asks for the logs of a container for findings[finding].
type logRequest struct {
	pod, container string
	previous       bool // the run before the current one (a crash)
	finding        int
}

// fetchLogs reads the logs the findings asked for, in parallel. A log the
// cluster cannot serve is left out.
func (d *diagnosis) fetchLogs(ctx context.Context) {
	reqs := d.logs
	if len(reqs) > maxLogs {
		reqs = reqs[:maxLogs]
	}
	lines := make([][]string, len(reqs))
	reads := make([]func(context.Context) error, len(reqs))
	for i, r := range reqs {
		reads[i] = func(ctx context.Context) error {
			lines[i] = d.readLogs(ctx, r)
			return nil
		}
	}
	_ = d.parallel(ctx, reads...)
	for i, r := range reqs {
		f := &d.findings[r.finding]
		f.Logs = lines[i]
		if formatError(f) {
			f.Hint = "the image was built for another CPU architecture than the node's: build it for the node's platform (" +
				d.field("build.platforms") + "); " + f.Hint
		}
	}
}

func (d *diagnosis) readLogs(ctx context.Context, r logRequest) []string {
	ctx, cancel := context.WithTimeout(ctx, logTimeout)
	defer cancel()
	opts := &corev1.PodLogOptions{
		Container:  r.container,
		Previous:   r.previous,
		TailLines:  ptr.To[int64](logLines),
		LimitBytes: ptr.To[int64](logBytes),
	}
	raw, err := d.cs.CoreV1().Pods(d.ns).GetLogs(r.pod, opts).DoRaw(ctx)
	if err != nil {
		return nil
	}
	return lastLines(string(raw), logLines)
}

// lastLines keeps the last n non-empty lines, each cut to logLineWidth.
func lastLines(s string, n int) []string {
	var out []string
	for l := range strings.SplitSeq(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		l = strings.TrimRight(l, " \t\r")
		if l == "" {
			continue
		}
		if len(l) > logLineWidth {
			l = l[:logLineWidth] + "…"
		}
		out = append(out, l)
	}
	if len(out) > n {
		out = out[len(out)-n:]
	}
	return out
}

// formatError reports the kernel's refusal to run a binary of another
// architecture, in the logs or the termination message.
func formatError(f *Finding) bool {
	if strings.Contains(f.Message, "exec format error") {
		return true
	}
	for _, l := range f.Logs {
		if strings.Contains(l, "exec format error") {
			return true
		}
	}
	return false
}
