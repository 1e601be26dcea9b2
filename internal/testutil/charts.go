package testutil

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/repo"
)

// PackageChart writes chart "hello" at version into dir as a .tgz: a
// Deployment and a ConfigMap whose data comes from values, and with value
// volume: true a PersistentVolumeClaim RELEASE-data.
func PackageChart(t testing.TB, dir, version string) string {
	t.Helper()
	src := filepath.Join(t.TempDir(), "hello")
	files := map[string]string{
		"Chart.yaml":  "apiVersion: v2\nname: hello\nversion: " + version + "\nappVersion: \"1.0\"\n",
		"values.yaml": "message: default\nreplicas: 1\n",
		"templates/all.yaml": `apiVersion: v1
kind: ConfigMap
metadata: {name: {{ .Release.Name }}-config}
data: {message: {{ .Values.message | quote }}, chart: {{ .Chart.Version | quote }}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: {{ .Release.Name }}}
spec:
  replicas: {{ .Values.replicas }}
  selector: {matchLabels: {app: {{ .Release.Name }}}}
  template:
    metadata: {labels: {app: {{ .Release.Name }}}}
    spec:
      containers: [{name: hello, image: "busybox:1.36"}]
{{- if .Values.volume }}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: {{ .Release.Name }}-data}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
{{- end }}
`,
	}
	for name, text := range files {
		p := filepath.Join(src, name)
		_ = os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ch, err := loader.LoadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	tgz, err := chartutil.Save(ch, dir)
	if err != nil {
		t.Fatal(err)
	}
	return tgz
}

// ChartRepo serves a Helm chart repository (index.yaml and the packages of
// chart "hello" at each version) on 127.0.0.1 and returns its URL.
func ChartRepo(t testing.TB, versions ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, v := range versions {
		PackageChart(t, dir, v)
	}
	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	t.Cleanup(srv.Close)
	idx, err := repo.IndexDirectory(dir, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if err := idx.WriteFile(filepath.Join(dir, "index.yaml"), 0o644); err != nil {
		t.Fatal(err)
	}
	return srv.URL
}
