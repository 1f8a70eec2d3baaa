package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"minyi/store"
	"minyi/store/storetest"
)

// TestAPIListRejectsUnknownParams checks that GET /api/tickets rejects a
// parameter it does not read with a 400 that names it, and still accepts
// every filter it documents.
func TestAPIListRejectsUnknownParams(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAPI(t, db)
		code, body := e.do(t, "centre1", "GET", "/api/tickets?q="+url.QueryEscape("烧烤店"), nil)
		if code != http.StatusBadRequest {
			t.Fatalf("q: status %d, want 400: %v", code, body)
		}
		if msg := errMessage(body); !strings.Contains(msg, `"q"`) || !strings.Contains(msg, "/api/search") {
			t.Errorf("q: message %q names neither the parameter nor /api/search", msg)
		}
		code, body = e.do(t, "centre1", "GET", "/api/tickets?state=dispatched&stat=closed", nil)
		if code != http.StatusBadRequest {
			t.Fatalf("misspelt parameter: status %d, want 400: %v", code, body)
		}
		if msg := errMessage(body); !strings.Contains(msg, `"stat"`) {
			t.Errorf("misspelt parameter: message %q does not name stat", msg)
		}
		known := "/api/tickets?state=dispatched&unit=ps-dongguan&channel=qr&tag=x&overdue=1&urgent=1&limit=5&offset=0"
		if code, body := e.do(t, "centre1", "GET", known, nil); code != http.StatusOK {
			t.Errorf("documented filters: status %d, want 200: %v", code, body)
		}
	})
}
