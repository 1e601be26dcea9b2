package build

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"
)

// largeSize is the sparse file TestLargeFileStreamed builds in: over 2
// GiB, so 32-bit sizes would wrap, and far above the memory bound.
const largeSize = 2<<30 + 12345

// largeMemoryBound is the most heap TestLargeFileStreamed lets a build of
// that file use: a file is streamed (hashed, tarred, compressed in 1 MiB
// blocks), never held in memory.
const largeMemoryBound = 64 << 20

// TestLargeFileStreamed builds a 2 GiB sparse file (no disk space, every
// byte still read) and checks that the layer holds it whole while the
// heap never grew by more than largeMemoryBound. It runs alone (not
// parallel) so the heap it samples is its own.
func TestLargeFileStreamed(t *testing.T) {
	if testing.Short() {
		t.Skip("reads and compresses 2 GiB")
	}
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "big.bin"))
	if err != nil {
		t.Fatal(err)
	}
	tail := []byte("the end of a large file\n")
	if _, err := f.WriteAt(tail, largeSize-int64(len(tail))); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	peak := sampleHeap(t)
	start := time.Now()
	df, err := parseDockerfile("Dockerfile", []byte("FROM scratch\nCOPY big.bin /data/\n"), nil, "", "linux/amd64")
	if err != nil {
		t.Fatal(err)
	}
	bctx, err := LoadContext(dir)
	if err != nil {
		t.Fatal(err)
	}
	img, err := assembleScratch(t, df, bctx)
	if err != nil {
		t.Fatal(err)
	}
	built := time.Since(start)
	grown := peak() - int64(before.HeapInuse)
	t.Logf("built a layer of a %d MiB file in %v; heap grew by at most %d MiB", largeSize>>20, built.Round(time.Millisecond), grown>>20)
	if grown > largeMemoryBound {
		t.Errorf("the heap grew by %d MiB building a %d MiB file; want at most %d MiB (streamed)", grown>>20, largeSize>>20, largeMemoryBound>>20)
	}

	// The layer holds the whole file, byte for byte.
	layers, err := img.Layers()
	if err != nil || len(layers) != 1 {
		t.Fatalf("layers %v, %v", layers, err)
	}
	rc, err := layers[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			t.Fatal("the layer lacks data/big.bin")
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Name != "data/big.bin" {
			continue
		}
		sum := sha256.New()
		n, err := io.Copy(sum, tr)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := bctx.Lookup("big.bin")
		if n != largeSize || h.Size != largeSize || hex.EncodeToString(sum.Sum(nil)) != want.Sum {
			t.Errorf("data/big.bin: %d bytes (header %d), sha256 %x; want %d bytes, %s", n, h.Size, sum.Sum(nil), int64(largeSize), want.Sum)
		}
		return
	}
}

// sampleHeap samples HeapInuse every few milliseconds until the test ends
// or the returned function is called; that returns the highest sample.
func sampleHeap(t *testing.T) func() int64 {
	var mu sync.Mutex
	var peak int64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			mu.Lock()
			peak = max(peak, int64(m.HeapInuse))
			mu.Unlock()
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	})
	var once sync.Once
	stop := func() int64 {
		once.Do(func() { close(done); wg.Wait() })
		mu.Lock()
		defer mu.Unlock()
		return peak
	}
	t.Cleanup(func() { stop() })
	return stop
}
