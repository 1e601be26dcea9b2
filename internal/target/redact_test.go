package target

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestTokenNeverShown: an API (or a proxy in front of it; faked here, as
// this machine cannot reach DigitalOcean) that echoes the request's
// Authorization header in its error messages does not put the token in
// berth's errors, hints or log lines.
func TestTokenNeverShown(t *testing.T) {
	t.Parallel()
	const token = "dop_v1_planted0123456789abcdef"
	for _, status := range []int{401, 403, 422, 429, 500, 404} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_, _ = w.Write([]byte(`{"id":"x","message":"request with ` + r.Header.Get("Authorization") + ` failed"}`))
		}))
		t.Cleanup(srv.Close)
		var log bytes.Buffer
		d, err := NewDigitalOcean(token, srv.URL, time.Millisecond, nil, "shop", &log)
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = d.EnsureCluster(t.Context())
		if err == nil {
			t.Fatalf("%d: no error", status)
		}
		text := err.Error() + hintOf(err) + log.String()
		if strings.Contains(text, token) {
			t.Errorf("%d: the token shows: %s", status, text)
		}
		if !strings.Contains(err.Error(), "(token)") {
			t.Errorf("%d: the echo is gone altogether, so the test proves nothing: %v", status, err)
		}
		d.logf("cluster %s: %s", "shop", "state "+token)
		if strings.Contains(log.String(), token) {
			t.Errorf("a log line shows the token: %s", log.String())
		}
	}
}

func hintOf(err error) string {
	if h, ok := err.(interface{ Hint() string }); ok {
		return h.Hint()
	}
	return ""
}
