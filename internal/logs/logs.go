// Package logs prints the logs of every pod of a service, line by line with
// a pod/container prefix, and follows new pods as a rollout replaces them.
// It reads the API server's pod log endpoint, as kubectl logs does.
package logs

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"sort"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	watchtools "k8s.io/client-go/tools/watch"
)

// Options select what to print.
type Options struct {
	// Selector picks the pods (a label selector).
	Selector string
	// Container limits the output to one container; "" means all of a
	// pod's containers (and init containers that ran).
	Container string
	Follow    bool
	// Since and Tail bound the history printed (nil: all).
	Since *time.Duration
	Tail  *int64
	// Previous prints the logs of the containers' previous instances.
	Previous   bool
	Timestamps bool
}

// Streamer prints logs of the pods of one namespace.
type Streamer struct {
	Client    kubernetes.Interface
	Namespace string
	// Out receives log lines, Log notes (pods starting and ending, errors).
	Out, Log io.Writer
	// Color paints prefixes.
	Color bool
}

// ErrNoPods is returned when the selector matches no pod and Follow is off.
var ErrNoPods = errors.New("no pods")

// ErrNoLogs is returned when no container's log could be read.
var ErrNoLogs = errors.New("no container's log could be read")

// Run prints the logs. Without Follow it prints each container's log in
// turn and returns; with Follow it streams every container at once, picks
// up pods that appear, and returns when ctx ends.
func (s *Streamer) Run(ctx context.Context, o Options) error {
	pods, err := s.Client.CoreV1().Pods(s.Namespace).List(ctx, metav1.ListOptions{LabelSelector: o.Selector})
	if err != nil {
		return fmt.Errorf("listing pods: %w", err)
	}
	w := &lineWriter{out: s.Out}
	if !o.Follow {
		if len(pods.Items) == 0 {
			return ErrNoPods
		}
		items := pods.Items
		sort.Slice(items, func(i, j int) bool { return items[i].Name < items[j].Name })
		tried, failed := 0, 0
		for i := range items {
			for _, c := range containers(&items[i], o) {
				tried++
				if err := s.stream(ctx, w, &items[i], c, o, nil); err != nil {
					failed++
					fmt.Fprintf(s.Log, "%s: %v\n", prefixText(items[i].Name, c), err)
				}
			}
		}
		if failed > 0 && failed == tried {
			return ErrNoLogs
		}
		return nil
	}
	return s.follow(ctx, w, pods, o)
}

// follow streams every started container of the pods, and of pods that
// appear later, until ctx ends.
func (s *Streamer) follow(ctx context.Context, w *lineWriter, initial *corev1.PodList, o Options) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	started := map[string]int32{} // pod/container → restart count streamed
	consider := func(p *corev1.Pod, announce bool) {
		for _, c := range containers(p, o) {
			key := p.Name + "/" + c
			restarts, ok := containerStarted(p, c)
			if !ok {
				continue
			}
			if prev, seen := started[key]; seen && prev >= restarts {
				continue
			}
			_, again := started[key]
			started[key] = restarts
			if announce || again {
				fmt.Fprintf(s.Log, "%s started\n", prefixText(p.Name, c))
			}
			var since *metav1.Time
			if again {
				now := metav1.Now()
				since = &now
			}
			pod := p.DeepCopy()
			wg.Go(func() {
				if err := s.stream(ctx, w, pod, c, o, since); err != nil && ctx.Err() == nil {
					fmt.Fprintf(s.Log, "%s: %v\n", prefixText(pod.Name, c), err)
				}
			})
		}
	}
	for i := range initial.Items {
		consider(&initial.Items[i], false)
	}
	if len(initial.Items) == 0 {
		fmt.Fprintln(s.Log, "no pods yet; waiting for them")
	}
	lw := &cache.ListWatch{WatchFuncWithContext: func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
		opts.LabelSelector = o.Selector
		return s.Client.CoreV1().Pods(s.Namespace).Watch(ctx, opts)
	}}
	rw, err := watchtools.NewRetryWatcherWithContext(ctx, initial.ResourceVersion, lw)
	if err != nil {
		return fmt.Errorf("watching pods: %w", err)
	}
	defer rw.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-rw.ResultChan():
			if !ok {
				return nil
			}
			p, isPod := ev.Object.(*corev1.Pod)
			if !isPod {
				continue
			}
			switch ev.Type {
			case watch.Added, watch.Modified:
				if p.DeletionTimestamp == nil {
					consider(p, true)
				}
			case watch.Deleted:
				fmt.Fprintf(s.Log, "pod %s is gone\n", p.Name)
			}
		}
	}
}

// containers are the containers of p whose logs o asks for: o.Container,
// or the init containers that ran and every container.
func containers(p *corev1.Pod, o Options) []string {
	if o.Container != "" {
		return []string{o.Container}
	}
	var out []string
	for _, c := range p.Spec.InitContainers {
		if _, ok := containerStarted(p, c.Name); ok {
			out = append(out, c.Name)
		}
	}
	for _, c := range p.Spec.Containers {
		out = append(out, c.Name)
	}
	return out
}

// containerStarted reports whether container c of p runs or ran, and its
// restart count.
func containerStarted(p *corev1.Pod, c string) (int32, bool) {
	for _, statuses := range [][]corev1.ContainerStatus{p.Status.InitContainerStatuses, p.Status.ContainerStatuses} {
		for _, st := range statuses {
			if st.Name == c {
				return st.RestartCount, st.State.Running != nil || st.State.Terminated != nil || st.LastTerminationState.Terminated != nil
			}
		}
	}
	return 0, false
}

// stream copies one container's log to w, line by line with its prefix.
func (s *Streamer) stream(ctx context.Context, w *lineWriter, p *corev1.Pod, c string, o Options, since *metav1.Time) error {
	lo := &corev1.PodLogOptions{Container: c, Follow: o.Follow, Previous: o.Previous, Timestamps: o.Timestamps, TailLines: o.Tail, SinceTime: since}
	if o.Since != nil && since == nil {
		secs := int64(o.Since.Round(time.Second) / time.Second)
		if secs < 1 {
			secs = 1
		}
		lo.SinceSeconds = &secs
	}
	rc, err := s.Client.CoreV1().Pods(p.Namespace).GetLogs(p.Name, lo).Stream(ctx)
	if err != nil {
		var se apierrors.APIStatus
		if errors.As(err, &se) {
			return errors.New(se.Status().Message)
		}
		return err
	}
	defer rc.Close()
	prefix := s.prefix(p.Name, c)
	r := bufio.NewReader(rc)
	for {
		line, err := r.ReadString('\n')
		if line != "" {
			w.line(prefix, line)
		}
		if err == io.EOF || ctx.Err() != nil {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// prefixText is kubectl logs --prefix's: [pod/NAME/CONTAINER].
func prefixText(pod, container string) string { return "[pod/" + pod + "/" + container + "]" }

// colors are the ANSI colours of prefixes (no red: it reads as an error).
var colors = [...]string{"32", "33", "34", "35", "36", "92", "93", "94", "95", "96"}

// prefix is the prefix of a container's lines, in a colour of its own
// when colour is on.
func (s *Streamer) prefix(pod, container string) string {
	text := prefixText(pod, container) + " "
	if !s.Color {
		return text
	}
	h := fnv.New32a()
	_, _ = io.WriteString(h, pod+"/"+container)
	return "\x1b[" + colors[h.Sum32()%uint32(len(colors))] + "m" + text + "\x1b[0m"
}

// lineWriter writes whole lines, never two at once.
type lineWriter struct {
	mu  sync.Mutex
	out io.Writer
}

func (w *lineWriter) line(prefix, line string) {
	if line[len(line)-1] != '\n' {
		line += "\n"
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	_, _ = io.WriteString(w.out, prefix+line)
}
