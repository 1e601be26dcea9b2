package testutil

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
)

// DOAPI stands in for the DigitalOcean API, which tests cannot reach. It
// speaks the real JSON of the endpoints berth uses (kubernetes clusters,
// options, kubeconfig, registry, registry integration, sizes), keeps
// clusters and the registry in memory, records every request, and serves
// Kubeconfig as every cluster's kubeconfig, so the deploy half of a test
// is real.
type DOAPI struct {
	URL   string
	Token string
	// Kubeconfig is served by /v2/kubernetes/clusters/ID/kubeconfig.
	Kubeconfig []byte
	// FailFirst answers the first FailFirst requests with FailStatus
	// (429 or 5xx) to exercise retries.
	FailFirst  int
	FailStatus int
	// ProvisioningPolls is how many GETs of a new cluster answer
	// "provisioning" before "running".
	ProvisioningPolls int

	mu       sync.Mutex
	requests []DORequest
	clusters []map[string]any
	registry map[string]any
	polls    map[string]int
}

// DORequest is one request the fake API received.
type DORequest struct {
	Method, Path string
	Body         string
}

// NewDOAPI starts the fake API.
func NewDOAPI(t testing.TB, token string) *DOAPI {
	t.Helper()
	d := &DOAPI{Token: token, polls: map[string]int{}, ProvisioningPolls: 1}
	srv := httptest.NewServer(http.HandlerFunc(d.serve))
	t.Cleanup(srv.Close)
	d.URL = srv.URL + "/"
	return d
}

// Requests returns what was asked, in order.
func (d *DOAPI) Requests() []DORequest {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]DORequest(nil), d.requests...)
}

// Count counts requests with this method and path.
func (d *DOAPI) Count(method, path string) int {
	n := 0
	for _, r := range d.Requests() {
		if r.Method == method && r.Path == path {
			n++
		}
	}
	return n
}

// AddCluster makes a running cluster exist.
func (d *DOAPI) AddCluster(id, name, region string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.clusters = append(d.clusters, map[string]any{"id": id, "name": name, "region": region, "version": "1.37.2-do.0", "status": map[string]any{"state": "running"}, "tags": []string{"k8s"}})
}

// SetRegistry makes the account's registry exist.
func (d *DOAPI) SetRegistry(name string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.registry = map[string]any{"name": name, "region": "ams3", "created_at": "2026-01-01T00:00:00Z"}
}

func doError(w http.ResponseWriter, status int, id, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"id":%q,"message":%q,"request_id":"test"}`, id, msg)
}

func doJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (d *DOAPI) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	d.mu.Lock()
	d.requests = append(d.requests, DORequest{Method: r.Method, Path: r.URL.Path, Body: string(body)})
	n := len(d.requests)
	d.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer "+d.Token {
		doError(w, http.StatusUnauthorized, "Unauthorized", "Unable to authenticate you")
		return
	}
	if n <= d.FailFirst {
		w.Header().Set("Retry-After", "0")
		doError(w, d.FailStatus, "service_unavailable", "try again")
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	path := strings.TrimSuffix(r.URL.Path, "/")
	switch {
	case r.Method == http.MethodGet && path == "/v2/kubernetes/clusters":
		doJSON(w, 200, map[string]any{"kubernetes_clusters": d.clusters, "links": map[string]any{}, "meta": map[string]any{"total": len(d.clusters)}})
	case r.Method == http.MethodPost && path == "/v2/kubernetes/clusters":
		var req map[string]any
		if err := json.Unmarshal(body, &req); err != nil {
			doError(w, 400, "bad_request", err.Error())
			return
		}
		c := map[string]any{"id": fmt.Sprintf("c%04d", len(d.clusters)+1), "name": req["name"], "region": req["region"],
			"version": "1.37.2-do.0", "node_pools": req["node_pools"], "tags": req["tags"], "status": map[string]any{"state": "provisioning", "message": "provisioning"}}
		d.clusters = append(d.clusters, c)
		doJSON(w, 201, map[string]any{"kubernetes_cluster": c})
	case r.Method == http.MethodGet && strings.HasSuffix(path, "/destroy_with_associated_resources"):
		doJSON(w, 200, map[string]any{"volumes": []any{map[string]any{"id": "vol-1", "name": "pvc-data"}}, "volume_snapshots": []any{},
			"load_balancers": []any{map[string]any{"id": "lb-1", "name": "a1b2c3"}}})
	case r.Method == http.MethodDelete && strings.HasSuffix(path, "/destroy_with_associated_resources/selective"):
		id := strings.TrimSuffix(strings.TrimPrefix(path, "/v2/kubernetes/clusters/"), "/destroy_with_associated_resources/selective")
		d.clusters = slices.DeleteFunc(d.clusters, func(c map[string]any) bool { return c["id"] == id })
		w.WriteHeader(http.StatusNoContent)
	case r.Method == http.MethodGet && strings.HasPrefix(path, "/v2/kubernetes/clusters/") && strings.HasSuffix(path, "/kubeconfig"):
		w.Header().Set("Content-Type", "application/yaml")
		_, _ = w.Write(d.Kubeconfig)
	case r.Method == http.MethodGet && strings.HasPrefix(path, "/v2/kubernetes/clusters/"):
		id := strings.TrimPrefix(path, "/v2/kubernetes/clusters/")
		for _, c := range d.clusters {
			if c["id"] == id {
				d.polls[id]++
				if d.polls[id] > d.ProvisioningPolls {
					c["status"] = map[string]any{"state": "running"}
				}
				doJSON(w, 200, map[string]any{"kubernetes_cluster": c})
				return
			}
		}
		doError(w, 404, "not_found", "The resource you were accessing could not be found.")
	case r.Method == http.MethodGet && path == "/v2/kubernetes/options":
		doJSON(w, 200, map[string]any{"options": map[string]any{
			"regions":  []any{map[string]any{"name": "Amsterdam 3", "slug": "ams3"}, map[string]any{"name": "New York 1", "slug": "nyc1"}},
			"versions": []any{map[string]any{"slug": "1.37.2-do.0", "kubernetes_version": "1.37.2"}},
			"sizes":    []any{map[string]any{"name": "s-2vcpu-4gb", "slug": "s-2vcpu-4gb"}, map[string]any{"name": "s-4vcpu-8gb", "slug": "s-4vcpu-8gb"}},
		}})
	case r.Method == http.MethodGet && path == "/v2/sizes":
		doJSON(w, 200, map[string]any{"sizes": []any{
			map[string]any{"slug": "s-2vcpu-4gb", "memory": 4096, "vcpus": 2, "disk": 80, "price_monthly": 24.0, "price_hourly": 0.03571, "available": true},
			map[string]any{"slug": "s-4vcpu-8gb", "memory": 8192, "vcpus": 4, "disk": 160, "price_monthly": 48.0, "price_hourly": 0.07143, "available": true},
		}, "links": map[string]any{}, "meta": map[string]any{"total": 2}})
	case r.Method == http.MethodGet && path == "/v2/registry":
		if d.registry == nil {
			doError(w, 404, "not_found", "registry not found")
			return
		}
		doJSON(w, 200, map[string]any{"registry": d.registry})
	case r.Method == http.MethodPost && path == "/v2/registry":
		var req map[string]any
		_ = json.Unmarshal(body, &req)
		d.registry = map[string]any{"name": req["name"], "region": req["region"], "created_at": "2026-01-01T00:00:00Z"}
		doJSON(w, 201, map[string]any{"registry": d.registry})
	case r.Method == http.MethodPost && path == "/v2/kubernetes/registry":
		w.WriteHeader(http.StatusNoContent)
	default:
		doError(w, 404, "not_found", "no route "+r.Method+" "+path)
	}
}
