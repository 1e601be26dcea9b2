package scaffold

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestApply(t *testing.T) {
	t.Parallel()
	detected := Project{Lang: "go", Name: "shop", Port: 8080, PortFrom: "Dockerfile EXPOSE", Replicas: 2, Expose: "ClusterIP", Registry: "old", CI: "old"}
	tests := []struct {
		name string
		o    Overrides
		want Project
	}{
		{
			name: "no flags keep what was detected",
			want: Project{Lang: "go", Name: "shop", Port: 8080, PortFrom: "Dockerfile EXPOSE", Replicas: 2, Expose: "ClusterIP"},
		},
		{
			name: "every flag",
			o:    Overrides{Name: "api", Port: 3000, Replicas: 3, Expose: "LoadBalancer", Registry: "ghcr.io/me", CI: "github"},
			want: Project{Lang: "go", Name: "api", Port: 3000, PortFrom: "--port", Replicas: 3, Expose: "LoadBalancer", Registry: "ghcr.io/me", CI: "github"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := detected
			p.Apply(tt.o)
			if diff := cmp.Diff(tt.want, p); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestDetectedAndPortNote(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		p            Project
		detected     int
		wantDetected string
		wantNote     string
	}{
		{
			name: "detected port kept", p: Project{Lang: "go", Name: "shop", Port: 8080, PortFrom: "Dockerfile EXPOSE"}, detected: 8080,
			wantDetected: `detected: go project "shop", port 8080 (Dockerfile EXPOSE)`,
		},
		{
			name: "another port", p: Project{Lang: "node", Name: "web", Port: 3000, PortFrom: "--port"}, detected: 8080,
			wantDetected: `detected: node project "web", port 3000 (--port)`, wantNote: "using port 3000 (--port)",
		},
		{
			name: "nothing found: a worker", p: Project{Lang: "unknown", Name: "jobs"},
			wantDetected: `detected: unknown project "jobs", no port`,
			wantNote:     "no port found (no EXPOSE, ENV PORT or listener in the source): jobs is a worker with no Service; add ports: to berth.yaml if it serves",
		},
		{
			name: "answered none: a worker", p: Project{Lang: "go", Name: "jobs", PortFrom: "your answer"}, detected: 8080,
			wantDetected: `detected: go project "jobs", no port`,
			wantNote:     "no port (your answer): jobs is a worker with no Service; add ports: to berth.yaml if it serves",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.p.Detected(); got != tt.wantDetected {
				t.Errorf("Detected:\n got %q\nwant %q", got, tt.wantDetected)
			}
			if got := tt.p.PortNote(tt.detected); got != tt.wantNote {
				t.Errorf("PortNote:\n got %q\nwant %q", got, tt.wantNote)
			}
		})
	}
}
