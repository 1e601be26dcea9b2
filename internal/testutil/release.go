package testutil

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"io"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// ReleaseRecords returns, decoded to their JSON text, the Helm release
// records (Secrets owner=helm) of app in ns, as they are stored: data
// "release" is base64 of gzip of the release's JSON.
func ReleaseRecords(t *testing.T, cs kubernetes.Interface, ns, app string) []string {
	t.Helper()
	list, err := cs.CoreV1().Secrets(ns).List(t.Context(), metav1.ListOptions{LabelSelector: "owner=helm,name=" + app})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range list.Items {
		raw, err := base64.StdEncoding.DecodeString(string(s.Data["release"]))
		if err != nil {
			t.Fatalf("record %s: %v", s.Name, err)
		}
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("record %s: %v", s.Name, err)
		}
		text, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("record %s: %v", s.Name, err)
		}
		out = append(out, string(text))
	}
	if len(out) == 0 {
		t.Fatalf("no release records of %s in %s", app, ns)
	}
	return out
}
