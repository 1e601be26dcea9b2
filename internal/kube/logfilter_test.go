package kube

import (
	"bytes"
	"encoding/base64"
	"flag"
	"strings"
	"testing"

	"k8s.io/klog/v2"
)

func TestRedactBody(t *testing.T) {
	const pw = "cGxhbnRlZC1sb2ctc2VjcmV0" // base64 of planted-log-secret
	secret := `{"kind":"Secret","apiVersion":"v1","metadata":{"name":"db","annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"data\":{\"password\":\"` + pw + `\"}}"}},"data":{"password":"` + pw + `"},"stringData":{"token":"planted-log-secret"},"type":"Opaque"}`
	for _, tc := range []struct {
		name, body string
		keep       []string // must still be there
	}{
		{"secret", secret, []string{`"name":"db"`, `"password":"(redacted)"`}},
		{"apply request (data before kind)", `{"apiVersion":"v1","data":{"password":"` + pw + `"},"kind":"Secret","metadata":{"name":"db"}}`, []string{`"password":"(redacted)"`}},
		{"list", `{"kind":"SecretList","apiVersion":"v1","items":[{"metadata":{"name":"db"},"data":{"password":"` + pw + `"}}]}`, []string{`"name":"db"`}},
		{"watch event", `{"type":"ADDED","object":` + secret + `}`, []string{`"type":"ADDED"`}},
		{"truncated", `{"apiVersion":"v1","data":{"password":"` + pw[:10] + ` [truncated 2000 chars]`, []string{`"data":{"(redacted)"`}},
		{"truncated, two maps", `{"items":[{"data":{"a":"` + pw + `"},"kind":"Secret"},{"stringData":{"b":"planted-log-secret"}},{"data":{"c":"x`, []string{`"kind":"Secret"`}},
		{"truncated last-applied", `{"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"data\":{\"password\":\"` + pw, nil},
		{"hex dump", "00000000  6b 38 73 00 0a 0c 0a 02  76 31 12 06 53 65 63 72  |" + pw + "|", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := RedactBody(tc.body)
			if strings.Contains(got, pw[:10]) || strings.Contains(got, "planted-log-secret") {
				t.Errorf("RedactBody left the value:\n%s", got)
			}
			for _, k := range tc.keep {
				if !strings.Contains(got, k) {
					t.Errorf("RedactBody dropped %s:\n%s", k, got)
				}
			}
		})
	}
	// Other objects are left as they are.
	cm := `{"kind":"ConfigMap","data":{"a":"b"}}`
	if got := RedactBody(cm); got != cm {
		t.Errorf("ConfigMap changed: %s", got)
	}
}

// TestLogFilterKlog: with the filter installed, client-go's structured
// body logs at -v 8 show no Secret value.
func TestLogFilterKlog(t *testing.T) {
	var fs flag.FlagSet
	klog.InitFlags(&fs)
	_ = fs.Set("v", "8")
	_ = fs.Set("logtostderr", "false")
	var buf bytes.Buffer
	klog.SetOutput(&buf)
	klog.SetLogFilter(LogFilter{})
	t.Cleanup(func() {
		klog.SetLogFilter(nil)
		_ = fs.Set("v", "0")
		klog.SetOutput(&bytes.Buffer{})
	})
	value := base64.StdEncoding.EncodeToString([]byte("planted-klog-secret"))
	klog.Background().V(8).Info("Response Body", "body", `{"kind":"Secret","data":{"k":"`+value+`"}}`)
	klog.V(8).Infof("body %s", `{"kind":"Secret","data":{"k":"`+value+`"}}`)
	klog.Flush()
	if strings.Contains(buf.String(), value) || !strings.Contains(buf.String(), "Response Body") {
		t.Errorf("klog output:\n%s", buf.String())
	}
}
