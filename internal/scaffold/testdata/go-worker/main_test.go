package main

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// A listener in a test is not the app's.
func TestFake(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	_ = http.ListenAndServe(":7070", nil)
}
