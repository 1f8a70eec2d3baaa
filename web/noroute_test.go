package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"minyi/store"
	"minyi/store/storetest"
)

// TestUnknownPaths checks the responses to paths that no route serves: the
// console's 404 page for signed-in staff, a Chinese 404 page for everyone
// else, the JSON error under /api/, and 405 for a known path with another method.
func TestUnknownPaths(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newConsoleEnv(t, db)
		centre := e.browser(t)
		centre.signIn("centre1")
		csrf := formToken(t, centre.get("/console/triage").body)
		anonymous := e.browser(t)

		const consoleNotFound = "没有找到要查看的内容，或您无权查看。"
		const plainNotFound = "页面不存在"
		tests := []struct {
			name       string
			run        func() reply
			wantStatus int
			want       string // text the page must contain
			notWant    string // text the page must not contain
		}{
			{"staff, unknown console page", func() reply { return centre.get("/console/nonexistent") },
				http.StatusNotFound, consoleNotFound, "404 page not found"},
			{"staff, unknown console action", func() reply {
				return centre.post("/console/tickets/70/bogus", url.Values{"csrf_token": {csrf}})
			}, http.StatusNotFound, consoleNotFound, "404 page not found"},
			{"anonymous, unknown console page", func() reply { return anonymous.get("/console/nonexistent") },
				http.StatusNotFound, plainNotFound, consoleNotFound},
			{"anonymous, unknown console action", func() reply {
				return anonymous.post("/console/tickets/70/bogus", url.Values{})
			}, http.StatusNotFound, plainNotFound, consoleNotFound},
			{"staff, unknown citizen path", func() reply { return centre.get("/nonexistent") },
				http.StatusNotFound, plainNotFound, consoleNotFound},
		}
		for _, tc := range tests {
			r := tc.run()
			if r.status != tc.wantStatus {
				t.Errorf("%s: status %d, want %d", tc.name, r.status, tc.wantStatus)
			}
			if !strings.Contains(r.body, tc.want) {
				t.Errorf("%s: page lacks %q:\n%.600s", tc.name, tc.want, r.body)
			}
			if strings.Contains(r.body, tc.notWant) {
				t.Errorf("%s: page contains %q", tc.name, tc.notWant)
			}
		}

		for _, path := range []string{"/api/nonexistent", "/api/tickets/70/bogus"} {
			resp, err := http.Get(e.srv.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			var body struct {
				Error struct{ Code, Message string }
			}
			err = json.NewDecoder(resp.Body).Decode(&body)
			resp.Body.Close()
			if err != nil {
				t.Errorf("GET %s: body is not JSON: %v", path, err)
			}
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s: status %d, want 404", path, resp.StatusCode)
			}
			if body.Error.Code != "not_found" {
				t.Errorf("GET %s: error code %q, want not_found", path, body.Error.Code)
			}
		}

		req, _ := http.NewRequest(http.MethodDelete, e.srv.URL+"/form", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("DELETE /form: status %d, want 405", resp.StatusCode)
		}
		if got := resp.Header.Get("Allow"); got != "GET, HEAD, POST" {
			t.Errorf("DELETE /form: Allow %q, want \"GET, HEAD, POST\"", got)
		}
	})
}
