package web_test

import (
	"context"
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

// TestAPIListFilterValues checks that the yes-or-no filters accept true and
// false as well as 1 and 0, and that a value the list cannot read is a 400
// naming the parameter instead of an unfiltered or silently capped list.
func TestAPIListFilterValues(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAPI(t, db)
		for i, body := range []string{"楼下有人打架", "小区门口夜间噪音"} {
			code, out := e.do(t, "centre1", "POST", "/api/items", map[string]any{"channel": "12345", "body": body})
			if code != http.StatusCreated {
				t.Fatalf("create: %d %v", code, out)
			}
			// The test service detects no urgency, so the first ticket is
			// flagged as the detector would flag it.
			if i == 0 {
				if _, err := db.ExecContext(context.Background(), `UPDATE tickets SET urgent = 1 WHERE id = ?`,
					int64(out["id"].(float64))); err != nil {
					t.Fatal(err)
				}
			}
		}
		count := func(path string) int {
			t.Helper()
			code, out := e.do(t, "centre1", "GET", path, nil)
			if code != http.StatusOK {
				t.Fatalf("%s: status %d: %v", path, code, out)
			}
			return int(out["count"].(float64))
		}
		if all := count("/api/tickets"); all != 2 {
			t.Fatalf("unfiltered list has %d tickets, want 2", all)
		}
		for _, v := range []string{"1", "true", "TRUE"} {
			if n := count("/api/tickets?urgent=" + v); n != 1 {
				t.Errorf("urgent=%s: %d tickets, want the 1 urgent one", v, n)
			}
		}
		for _, v := range []string{"0", "false", ""} {
			if n := count("/api/tickets?urgent=" + v); n != 2 {
				t.Errorf("urgent=%q: %d tickets, want both", v, n)
			}
		}
		if n := count("/api/tickets?limit=1"); n != 1 {
			t.Errorf("limit=1: %d tickets", n)
		}
		for _, bad := range []struct{ query, param string }{
			{"overdue=yes", "overdue"}, {"urgent=2", "urgent"}, {"limit=abc", "limit"}, {"limit=-1", "limit"},
			{"limit=0", "limit"}, {"limit=501", "limit"}, {"offset=-5", "offset"}, {"offset=x", "offset"},
		} {
			code, out := e.do(t, "centre1", "GET", "/api/tickets?"+bad.query, nil)
			if code != http.StatusBadRequest || !strings.Contains(errMessage(out), bad.param+"=") {
				t.Errorf("%s: status %d, message %q; want 400 naming %s", bad.query, code, errMessage(out), bad.param)
			}
		}
	})
}
