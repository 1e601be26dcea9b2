package diagnose

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The messages below are what kubelets with containerd, CRI-O and Docker
// (cri-dockerd, as on minikube) report; the sandbox tests play a few of
// them through the API server.
func TestClassifyPull(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, reason, msg string
		want              pullFailure
	}{
		{"containerd not found", "ErrImagePull",
			`rpc error: code = NotFound desc = failed to pull and unpack image "registry.example.com/web:1": failed to resolve reference "registry.example.com/web:1": registry.example.com/web:1: not found`, pullNotFound},
		{"manifest unknown", "ErrImagePull",
			`rpc error: code = Unknown desc = reading manifest 1 in quay.io/acme/web: manifest unknown`, pullNotFound},
		{"docker hub", "ErrImagePull",
			`failed to resolve reference "docker.io/library/nginxx:latest": pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed`, pullNotFoundOrDenied},
		{"401", "ImagePullBackOff",
			`failed to authorize: failed to fetch anonymous token: unexpected status from GET request to https://ghcr.io/token?scope=repository%3Aacme%2Fapi%3Apull&service=ghcr.io: 401 Unauthorized`, pullDenied},
		{"403", "ErrImagePull", `unexpected status from HEAD request to https://europe-docker.pkg.dev/v2/p/r/web/manifests/1: 403 Forbidden`, pullDenied},
		{"platform", "ErrImagePull",
			`failed to pull and unpack image "docker.io/acme/web:1": no match for platform in manifest: not found`, pullPlatform},
		{"never pull", "ErrImageNeverPull", `Container image "web:dev" is not present with pull policy of Never`, pullNeverPull},
		{"invalid", "InvalidImageName", `Failed to apply default image tag "Web:Dev": couldn't parse image name "Web:Dev": invalid reference format: repository name must be lowercase`, pullInvalidName},
		{"tls", "ErrImagePull", `failed to do request: Head "https://registry.local:5000/v2/web/manifests/dev": tls: failed to verify certificate: x509: certificate signed by unknown authority`, pullTLS},
		{"plain http", "ErrImagePull", `failed to do request: Head "https://192.168.49.1:5000/v2/web/manifests/dev": http: server gave HTTP response to HTTPS client`, pullTLS},
		{"dns", "ErrImagePull", `failed to do request: Head "https://registy.example.com/v2/web/manifests/1": dial tcp: lookup registy.example.com: no such host`, pullUnreachable},
		{"rate limit", "ErrImagePull", `429 Too Many Requests - Server message: toomanyrequests: You have reached your pull rate limit.`, pullRateLimited},
		{"unknown", "ImagePullBackOff", `Back-off pulling image "web:1"`, pullUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := classifyPull(tt.reason, tt.msg); got != tt.want {
				t.Errorf("classifyPull = %v (%s), want %v (%s)", got, got.says(), tt.want, tt.want.says())
			}
		})
	}
}

func TestPullCause(t *testing.T) {
	t.Parallel()
	tests := []struct{ msg, want string }{
		{`Back-off pulling image "r.io/web:1": ErrImagePull: rpc error: code = NotFound desc = failed to pull and unpack image "r.io/web:1": failed to resolve reference "r.io/web:1": r.io/web:1: not found`,
			"r.io/web:1: not found"},
		{`Failed to pull image "r.io/web:1": rpc error: code = Unknown desc = failed to pull and unpack image "r.io/web:1": failed to resolve reference "r.io/web:1": failed to authorize: 401 Unauthorized`,
			"failed to authorize: 401 Unauthorized"},
		{`Back-off pulling image "r.io/web:1"`, ""},
		{`Error response from daemon: manifest for web:dev not found: manifest unknown`, "Error response from daemon: manifest for web:dev not found: manifest unknown"},
	}
	for _, tt := range tests {
		if got := pullCause(tt.msg); got != tt.want {
			t.Errorf("pullCause(%q)\n got %q\nwant %q", tt.msg, got, tt.want)
		}
	}
}

func TestRegistryAndRepo(t *testing.T) {
	t.Parallel()
	tests := []struct{ image, registry, repo string }{
		{"nginx", "docker.io", "nginx"},
		{"web:dev", "docker.io", "web"},
		{"acme/web:1", "docker.io", "acme/web"},
		{"ghcr.io/acme/web:1", "ghcr.io", "acme/web"},
		{"localhost:5000/web:dev", "localhost:5000", "web"},
		{"localhost/web", "localhost", "web"},
		{"registry.example.com:443/team/web@sha256:0123", "registry.example.com:443", "team/web"},
		{"web@sha256:0123", "docker.io", "web"},
	}
	for _, tt := range tests {
		got := [2]string{registryOf(tt.image), repoPath(tt.image)}
		if diff := cmp.Diff([2]string{tt.registry, tt.repo}, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.image, diff)
		}
	}
}
