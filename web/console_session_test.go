package web_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"minyi/store"
	"minyi/store/storetest"
)

// signInRedirect returns the next parameter of a redirect to /signin, or
// fails the test when r is no such redirect.
func signInRedirect(t *testing.T, what string, r reply) string {
	t.Helper()
	if r.status != http.StatusSeeOther {
		t.Fatalf("%s: status %d, want 303", what, r.status)
	}
	u, err := url.Parse(r.location)
	if err != nil || u.Path != "/signin" {
		t.Fatalf("%s: redirect to %q, want /signin", what, r.location)
	}
	return u.Query().Get("next")
}

// TestEndedSessionFormReturnsToPage checks that a form sent after the
// session ended leads, through the sign-in page, to a page the browser can
// GET rather than to the form's POST-only address.
func TestEndedSessionFormReturnsToPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newConsoleEnv(t, db)
		s := seedConsole(t, e.svc)
		id := itoa(s.dongguan.ID)
		ticketPage := "/console/tickets/" + id

		handler := e.browser(t)
		handler.signIn("dongguan")
		csrf := formToken(t, handler.get(ticketPage).body)
		e.clock.Add(31 * time.Minute) // past the idle time-out
		form := url.Values{"csrf_token": {csrf}, "reply": {"已上门处理。"}, "back": {ticketPage}}

		post := func(path, referer string) reply {
			req, _ := http.NewRequest("POST", e.srv.URL+path, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if referer != "" {
				req.Header.Set("Referer", referer)
			}
			return handler.do(req)
		}
		tests := []struct {
			name, path, referer, want string
		}{
			{"action form, no referer", ticketPage + "/reply", "", ticketPage},
			{"rekind form, no referer", ticketPage + "/kind", "", ticketPage},
			{"alert acknowledgement", "/console/alerts/" + id + "/ack", "", "/console"},
			{"same-origin referer", ticketPage + "/reply", e.srv.URL + "/console/inbox?page=2", "/console/inbox?page=2"},
			{"foreign referer", ticketPage + "/reply", "https://evil.example/console/inbox", ticketPage},
			{"referer to a POST-only address", ticketPage + "/reply", e.srv.URL + ticketPage + "/note", ticketPage},
			{"referer to the sign-in page", ticketPage + "/reply", e.srv.URL + "/signin?next=/x", ticketPage},
		}
		for _, tc := range tests {
			if got := signInRedirect(t, tc.name, post(tc.path, tc.referer)); got != tc.want {
				t.Errorf("%s: next %q, want %q", tc.name, got, tc.want)
			}
		}

		// A GET keeps its own address, query included.
		if got := signInRedirect(t, "GET", handler.get("/console/inbox?page=2")); got != "/console/inbox?page=2" {
			t.Errorf("GET: next %q, want /console/inbox?page=2", got)
		}

		// The next address opens after sign-in, instead of a 405.
		handler.signIn("dongguan")
		if r := handler.get(ticketPage); r.status != http.StatusOK {
			t.Errorf("ticket page after sign-in: status %d", r.status)
		}
	})
}

// TestConsoleMethodNotAllowed checks the 405 of a console address opened
// with the wrong method: the console's Chinese error page for staff, the
// sign-in redirect to the ticket page without a session, and JSON under
// /api/. Each keeps the Allow header.
func TestConsoleMethodNotAllowed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newConsoleEnv(t, db)
		s := seedConsole(t, e.svc)
		ticketPage := "/console/tickets/" + itoa(s.dongguan.ID)

		handler := e.browser(t)
		handler.signIn("dongguan")
		req, _ := http.NewRequest("GET", e.srv.URL+ticketPage+"/reply", nil)
		resp, err := handler.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body := readBody(t, resp)
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("GET reply address: status %d, want 405", resp.StatusCode)
		}
		if got := resp.Header.Get("Allow"); got != "POST" {
			t.Errorf("GET reply address: Allow %q, want POST", got)
		}
		if !strings.Contains(resp.Header.Get("Content-Security-Policy"), "script-src 'self'") {
			t.Errorf("GET reply address: no console CSP: %q", resp.Header.Get("Content-Security-Policy"))
		}
		for _, want := range []string{"这个地址只接受表单提交", `href="` + ticketPage + `"`, `id="error"`} {
			if !strings.Contains(body, want) {
				t.Errorf("GET reply address: page lacks %q:\n%.800s", want, body)
			}
		}
		if strings.Contains(body, "Method Not Allowed\n") {
			t.Errorf("GET reply address: plain-text 405")
		}

		// A page that serves only GET gives a general message.
		csrf := formToken(t, handler.get(ticketPage).body)
		r := handler.post("/console/inbox", url.Values{"csrf_token": {csrf}})
		if r.status != http.StatusMethodNotAllowed || !strings.Contains(r.body, "这个地址不接受这种请求方式") {
			t.Errorf("POST inbox: status %d, page:\n%.600s", r.status, r.body)
		}

		anonymous := e.browser(t)
		if got := signInRedirect(t, "anonymous GET reply address", anonymous.get(ticketPage+"/reply")); got != ticketPage {
			t.Errorf("anonymous GET reply address: next %q, want %q", got, ticketPage)
		}

		req, _ = http.NewRequest("DELETE", e.srv.URL+"/api/me", nil)
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var apiBody struct {
			Error struct{ Code, Message string }
		}
		if err := json.Unmarshal([]byte(readBody(t, resp)), &apiBody); err != nil {
			t.Errorf("DELETE /api/me: body is not JSON: %v", err)
		}
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("DELETE /api/me: status %d, want 405", resp.StatusCode)
		}
		if got := resp.Header.Get("Allow"); got != "GET, HEAD" {
			t.Errorf("DELETE /api/me: Allow %q, want \"GET, HEAD\"", got)
		}
		if apiBody.Error.Code != "method_not_allowed" {
			t.Errorf("DELETE /api/me: error code %q, want method_not_allowed", apiBody.Error.Code)
		}
	})
}

func readBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestAlertPollIsNotActivity checks that the centre's alert poll leaves the
// idle time-out running, and that it gets 401 JSON, not the sign-in page,
// once the session has ended.
func TestAlertPollIsNotActivity(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newConsoleEnv(t, db)
		centre := e.browser(t)
		centre.signIn("centre1")
		page := centre.get("/console/triage")
		if !strings.Contains(page.body, `data-next="/console/triage"`) {
			t.Errorf("triage page: alert bar lacks data-next:\n%.1500s", page.body)
		}

		// Polls every few minutes for 27 minutes: none of them counts.
		for i := 0; i < 9; i++ {
			e.clock.Add(3 * time.Minute)
			if r := centre.get("/console/alerts"); r.status != http.StatusOK {
				t.Fatalf("poll %d: status %d, want 200", i, r.status)
			}
		}
		e.clock.Add(4 * time.Minute) // 31 minutes after the last page
		r := centre.get("/console/alerts")
		if r.status != http.StatusUnauthorized {
			t.Fatalf("poll after idle time-out: status %d, want 401; location %q", r.status, r.location)
		}
		if !strings.Contains(r.body, `"unauthenticated"`) {
			t.Errorf("poll after idle time-out: body %q, want the unauthenticated JSON error", r.body)
		}
		if got := signInRedirect(t, "page after idle time-out", centre.get("/console/triage")); got != "/console/triage" {
			t.Errorf("page after idle time-out: next %q", got)
		}

		// A page request still counts as activity.
		centre.signIn("centre1")
		for i := 0; i < 3; i++ {
			e.clock.Add(20 * time.Minute)
			if r := centre.get("/console/triage"); r.status != http.StatusOK {
				t.Fatalf("page %d: status %d, want 200", i, r.status)
			}
		}
	})
}
