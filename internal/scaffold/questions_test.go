package scaffold

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestQuestions answers berth init's questions in turn, as the terminal
// does ("" is Enter: the default).
func TestQuestions(t *testing.T) {
	t.Parallel()
	detected := Project{Name: "web", Port: 3000, PortFrom: "Dockerfile EXPOSE", Replicas: 2, Expose: "ClusterIP"}
	tests := []struct {
		name    string
		p       Project
		answers []string
		want    Project
		asked   []string // "Text [Default]"
		wantErr string
	}{
		{
			name: "Enter keeps everything", p: detected, answers: []string{"", "", "", "", ""}, want: detected,
			asked: []string{"App name [web]", "Port the app listens on (none: a worker) [3000]", "Replicas [2]", "Expose as ClusterIP, NodePort or LoadBalancer [ClusterIP]", "Registry for built images (e.g. ghcr.io/OWNER) [none]"},
		},
		{
			name: "every value answered", p: detected, answers: []string{"api", "8080", "3", "NodePort", "ghcr.io/me"},
			want:  Project{Name: "api", Port: 8080, PortFrom: "your answer", Replicas: 3, Expose: "NodePort", Registry: "ghcr.io/me"},
			asked: []string{"App name [web]", "Port the app listens on (none: a worker) [3000]", "Replicas [2]", "Expose as ClusterIP, NodePort or LoadBalancer [ClusterIP]", "Registry for built images (e.g. ghcr.io/OWNER) [none]"},
		},
		{
			name: "a worker is not asked how to expose it", p: detected, answers: []string{"", "none", "", ""},
			want:  Project{Name: "web", PortFrom: "your answer", Replicas: 2},
			asked: []string{"App name [web]", "Port the app listens on (none: a worker) [3000]", "Replicas [2]", "Registry for built images (e.g. ghcr.io/OWNER) [none]"},
		},
		{
			name: "a worker given a port", p: Project{Name: "jobs", Replicas: 1, Expose: "ClusterIP", Registry: "reg.example"}, answers: []string{"", "9000", "", "", "none"},
			want:  Project{Name: "jobs", Port: 9000, PortFrom: "your answer", Replicas: 1, Expose: "ClusterIP", Registry: "reg.example"},
			asked: []string{"App name [jobs]", "Port the app listens on (none: a worker) [none]", "Replicas [1]", "Expose as ClusterIP, NodePort or LoadBalancer [ClusterIP]", "Registry for built images (e.g. ghcr.io/OWNER) [reg.example]"},
		},
		{name: "port 0 is none", p: detected, answers: []string{"", "0", "", ""}, want: Project{Name: "web", PortFrom: "your answer", Replicas: 2},
			asked: []string{"App name [web]", "Port the app listens on (none: a worker) [3000]", "Replicas [2]", "Registry for built images (e.g. ghcr.io/OWNER) [none]"}},
		{name: "not a port", p: detected, answers: []string{"", "http"}, wantErr: `port: "http" is not a port number (1-65535) or none`},
		{name: "port out of range", p: detected, answers: []string{"", "70000"}, wantErr: `port: "70000" is not a port number (1-65535) or none`},
		{name: "no replicas", p: detected, answers: []string{"", "", "0"}, wantErr: `Replicas: "0" is not a positive number`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := tt.p
			var asked []string
			var err error
			for q := range p.Questions() {
				asked = append(asked, q.Text+" ["+q.Default+"]")
				a := tt.answers[len(asked)-1]
				if a == "" {
					a = q.Default
				}
				if err = q.Answer(a); err != nil {
					break
				}
			}
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err %v, want %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.asked, asked); diff != "" {
				t.Errorf("asked (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want, p); diff != "" {
				t.Errorf("project (-want +got):\n%s", diff)
			}
		})
	}
}
