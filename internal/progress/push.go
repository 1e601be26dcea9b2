package progress

import (
	"fmt"
	"io"
	"sync"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
)

// Builds shows what image builds do: a line per event, prefixed with the
// service, and upload progress — a bar per image on a terminal (mpb), or
// a plain line at the start, every quarter and the end elsewhere (CI
// logs stay short and greppable).
type Builds struct {
	w    io.Writer
	now  func() time.Time
	mu   sync.Mutex
	bars *mpb.Progress
	bar  map[string]*mpb.Bar
	seen map[string]int64 // plain: the last quarter printed per service
}

// NewBuilds writes to w; live selects bars.
func NewBuilds(w io.Writer, live bool, now func() time.Time) *Builds {
	b := &Builds{w: w, now: now, bar: map[string]*mpb.Bar{}, seen: map[string]int64{}}
	if live {
		b.bars = mpb.New(mpb.WithOutput(w), mpb.WithAutoRefresh(), mpb.WithWidth(32), mpb.WithRefreshRate(150*time.Millisecond))
	}
	return b
}

// Log prints one line for a service.
func (b *Builds) Log(service, line string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	text := fmt.Sprintf("[%s] %s\n", service, line)
	if b.bars != nil {
		_, _ = b.bars.Write([]byte(text))
		return
	}
	if b.now != nil {
		text = b.now().UTC().Format("15:04:05") + " " + text
	}
	_, _ = io.WriteString(b.w, text)
}

// Push shows upload progress of a service's image.
func (b *Builds) Push(service string, u v1.Update) {
	if u.Total <= 0 {
		return
	}
	b.mu.Lock()
	if b.bars != nil {
		bar := b.bar[service]
		if bar == nil {
			bar = b.bars.AddBar(u.Total,
				mpb.PrependDecorators(decor.Name(service+" ", decor.WCSyncSpaceR)),
				mpb.AppendDecorators(decor.CountersKibiByte("% .1f / % .1f")))
			b.bar[service] = bar
		}
		bar.SetTotal(u.Total, false)
		bar.SetCurrent(u.Complete)
		b.mu.Unlock()
		return
	}
	quarter := u.Complete * 4 / u.Total
	last, started := b.seen[service]
	b.seen[service] = quarter
	b.mu.Unlock()
	switch {
	case !started && quarter < 4:
		b.Log(service, fmt.Sprintf("uploading %s", size(u.Total)))
	case quarter == 4 && last < 4:
		b.Log(service, fmt.Sprintf("uploaded %s", size(u.Total)))
	case started && quarter > last:
		b.Log(service, fmt.Sprintf("uploaded %d%% of %s", quarter*25, size(u.Total)))
	}
}

// Done completes the bars; call it before printing anything else.
func (b *Builds) Done() {
	if b.bars == nil {
		return
	}
	b.mu.Lock()
	for _, bar := range b.bar {
		bar.SetTotal(-1, true)
	}
	b.mu.Unlock()
	b.bars.Wait()
}

func size(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
