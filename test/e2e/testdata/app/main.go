// Command server is the app of berth's end-to-end tests (test/e2e): a tiny
// HTTP server on :8080 whose behaviour the environment chooses.
//
//	VERSION=v1        GET / answers "v1\n"
//	READY_STATUS=503  GET /readyz answers 503 (default 200)
//	CRASH=1           prints a line and exits 1 at start
//	ALLOC=64Mi        allocates (and touches) that much memory, 1Mi at a time
//	DATA_DIR=/data    GET/PUT /files/NAME read and write files there
//
// GET /log?msg=TEXT prints TEXT on stdout (for berth logs -f). Every
// request is logged.
package main

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

func main() {
	log.SetFlags(0)
	log.SetOutput(os.Stdout)
	version := os.Getenv("VERSION")
	if os.Getenv("CRASH") == "1" {
		log.Printf("crashing on purpose: CRASH=1 (version %s)", version)
		os.Exit(1)
	}
	var held [][]byte
	if a := os.Getenv("ALLOC"); a != "" {
		held = allocate(a)
	}
	ready := http.StatusOK
	if s := os.Getenv("READY_STATUS"); s != "" {
		ready, _ = strconv.Atoi(s)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, version) })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(ready) })
	mux.HandleFunc("GET /log", func(w http.ResponseWriter, r *http.Request) {
		log.Print(r.URL.Query().Get("msg"))
	})
	if dir := os.Getenv("DATA_DIR"); dir != "" {
		mux.HandleFunc("PUT /files/{name}", func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			if err := os.WriteFile(filepath.Join(dir, r.PathValue("name")), b, 0o644); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
			}
		})
		mux.HandleFunc("GET /files/{name}", func(w http.ResponseWriter, r *http.Request) {
			http.ServeFile(w, r, filepath.Join(dir, r.PathValue("name")))
		})
	}
	log.Printf("server %s listening on :8080", version)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/readyz" {
			log.Printf("%s %s", r.Method, r.URL.Path)
		}
		mux.ServeHTTP(w, r)
	})
	log.Fatal(http.ListenAndServe(":8080", h))
	runtime.KeepAlive(held)
}

// allocate holds size (e.g. 64Mi) of memory, touching every page, and
// says how far it got.
func allocate(size string) [][]byte {
	mib, err := strconv.Atoi(strings.TrimSuffix(size, "Mi"))
	if err != nil {
		log.Fatalf("ALLOC=%s: want NNMi", size)
	}
	if mib == 0 {
		return nil
	}
	var held [][]byte
	for i := 1; i <= mib; i++ {
		b := make([]byte, 1<<20)
		for j := range b {
			b[j] = byte(j)
		}
		held = append(held, b)
		if i%8 == 0 {
			log.Printf("allocated %dMi", i)
		}
		time.Sleep(5 * time.Millisecond)
	}
	log.Printf("allocated %dMi, holding it", len(held))
	return held
}
