package kube

import (
	"bytes"
	"encoding/base64"
	"flag"
	"strings"
	"testing"

	"k8s.io/klog/v2"
)

// TestLogTo: -v N shows klog's logs up to level N on the writer, with the
// Secret filter installed; 0 leaves klog alone. Not parallel: klog's
// settings are process-wide.
func TestLogTo(t *testing.T) {
	t.Cleanup(func() {
		var fs flag.FlagSet
		klog.InitFlags(&fs)
		_ = fs.Set("v", "0")
		klog.SetLogFilter(nil)
		klog.SetOutput(&bytes.Buffer{})
	})
	var unused bytes.Buffer
	LogTo(&unused, 0)
	if klog.V(1).Enabled() {
		t.Fatal("LogTo(w, 0) raised the verbosity")
	}

	var buf bytes.Buffer
	LogTo(&buf, 8)
	value := base64.StdEncoding.EncodeToString([]byte("planted-logto-secret"))
	klog.Background().V(8).Info("Response Body", "body", `{"kind":"Secret","data":{"k":"`+value+`"}}`)
	klog.V(6).Infof("GET %s 200 OK", "https://cluster/api")
	klog.V(9).Info("level nine")
	klog.Flush()
	got := buf.String()
	for _, want := range []string{"Response Body", "GET https://cluster/api 200 OK"} {
		if !strings.Contains(got, want) {
			t.Errorf("klog output lacks %q:\n%s", want, got)
		}
	}
	for _, not := range []string{value, "level nine"} {
		if strings.Contains(got, not) {
			t.Errorf("klog output shows %q:\n%s", not, got)
		}
	}
	if unused.Len() != 0 {
		t.Errorf("LogTo(w, 0) routed logs to w:\n%s", unused.String())
	}
}
