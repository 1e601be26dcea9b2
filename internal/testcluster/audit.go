package testcluster

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// AuditEvent is the part of a kube-apiserver audit event (audit.k8s.io/v1,
// level Metadata) that tests look at.
type AuditEvent struct {
	Verb       string `json:"verb"`
	RequestURI string `json:"requestURI"`
	User       struct {
		Username string `json:"username"`
	} `json:"user"`
	ImpersonatedUser *struct {
		Username string `json:"username"`
	} `json:"impersonatedUser"`
	ObjectRef *struct {
		Resource  string `json:"resource"`
		Namespace string `json:"namespace"`
		Name      string `json:"name"`
	} `json:"objectRef"`
	ResponseStatus *struct {
		Code int `json:"code"`
	} `json:"responseStatus"`
}

// String is verb and request URI, for messages.
func (e AuditEvent) String() string {
	code := 0
	if e.ResponseStatus != nil {
		code = e.ResponseStatus.Code
	}
	return fmt.Sprintf("%s %s (%d)", e.Verb, e.RequestURI, code)
}

// AuditLog is the API server's audit log: scripts/sandbox logs every write
// request (create, update, patch, delete, deletecollection; leases left
// out) at Metadata level.
func (c *Cluster) AuditLog() string { return filepath.Join(c.Dir, "logs", "audit.log") }

// AuditWrites returns the write requests in the audit log made as the
// impersonated user (kubectl and berth's --as), so that a test can tell its
// own requests from those of the tests running beside it.
func (c *Cluster) AuditWrites(t testing.TB, impersonated string) []AuditEvent {
	t.Helper()
	f, err := os.Open(c.AuditLog())
	if err != nil {
		t.Fatalf("the sandbox's audit log: %v (is scripts/sandbox starting kube-apiserver with --audit-log-path?)", err)
	}
	defer f.Close()
	var out []AuditEvent
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	for sc.Scan() {
		var e AuditEvent
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("audit log line %q: %v", sc.Text(), err)
		}
		if e.ImpersonatedUser != nil && e.ImpersonatedUser.Username == impersonated {
			out = append(out, e)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
