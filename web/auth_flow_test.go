package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"minyi/org"
	"minyi/store"
	"minyi/store/storetest"
	"minyi/web"
	"minyi/workflow"
)

func TestSignInAndOut(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAuthEnv(t, db, web.AuthOptions{}, "dongguan")
		b := e.browser(t)
		if r := b.get("/account"); r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/signin?next=") {
			t.Fatalf("account without session: %d %q", r.status, r.location)
		}
		if r := b.password("dongguan", "wrong-password-1"); r.status != http.StatusUnauthorized || !strings.Contains(r.body, "账号或密码错误") {
			t.Fatalf("wrong password: %d", r.status)
		}
		r := b.password("dongguan", testPassword)
		if r.status != http.StatusOK || !strings.Contains(r.body, "验证码") {
			t.Fatalf("password step: %d", r.status)
		}
		tok := formToken(t, r.body)
		bad := b.post("/signin/code", url.Values{"csrf_token": {tok}, "code": {"000000"}})
		if bad.status != http.StatusUnauthorized || b.cookie("minyi_session") != "" {
			t.Fatalf("wrong code: %d, session %q", bad.status, b.cookie("minyi_session"))
		}
		used := e.code(t, "dongguan", 0)
		ok := b.post("/signin/code", url.Values{"csrf_token": {tok}, "code": {used}})
		if ok.status != http.StatusSeeOther || b.cookie("minyi_session") == "" {
			t.Fatalf("right code: %d", ok.status)
		}
		page := b.get("/account")
		if page.status != http.StatusOK || !strings.Contains(page.body, "东关派出所值班") {
			t.Fatalf("account page: %d", page.status)
		}
		csrf := formToken(t, page.body)
		if r := b.get("/api/me"); r.status != http.StatusOK || !strings.Contains(r.body, `"dongguan"`) {
			t.Fatalf("api/me with session: %d %s", r.status, r.body)
		}

		// The same code, replayed by another browser that knows the password, is refused.
		other := e.browser(t)
		r = other.password("dongguan", testPassword)
		replay := other.post("/signin/code", url.Values{"csrf_token": {formToken(t, r.body)}, "code": {used}})
		if replay.status != http.StatusUnauthorized || other.cookie("minyi_session") != "" {
			t.Fatalf("replayed code: %d", replay.status)
		}

		// Sign-out needs the session's CSRF token, and ends the session on the server.
		session := b.cookie("minyi_session")
		if r := b.post("/signout", url.Values{}); r.status != http.StatusForbidden {
			t.Fatalf("sign-out without CSRF token: %d", r.status)
		}
		if r := b.post("/signout", url.Values{"csrf_token": {csrf}}); r.status != http.StatusSeeOther {
			t.Fatalf("sign-out: %d", r.status)
		}
		if r := b.get("/account"); r.status != http.StatusSeeOther {
			t.Fatalf("account after sign-out: %d", r.status)
		}
		stale := e.browser(t)
		u, _ := url.Parse(e.srv.URL)
		stale.jar.SetCookies(u, []*http.Cookie{{Name: "minyi_session", Value: session}})
		if r := stale.get("/api/me"); r.status != http.StatusUnauthorized {
			t.Fatalf("old session cookie after sign-out: %d", r.status)
		}
	})
}

func TestLanguageAndHeaders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAuthEnv(t, db, web.AuthOptions{})
		b := e.browser(t)
		resp, err := http.Get(e.srv.URL + "/signin")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		csp := resp.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "unsafe") {
			t.Fatalf("CSP %q", csp)
		}
		if r := b.get("/signin"); !strings.Contains(r.body, "工作人员登录") {
			t.Fatal("default language is not Chinese")
		}
		if r := b.get("/signin?lang=en"); !strings.Contains(r.body, "Staff sign-in") {
			t.Fatal("?lang=en does not switch to English")
		}
		if r := b.get("/signin"); !strings.Contains(r.body, "Staff sign-in") {
			t.Fatal("the lang cookie is not remembered")
		}
		if strings.Contains(b.get("/signin").body, "http") {
			t.Fatal("the sign-in page refers to an outside resource")
		}
	})
}

func TestNoRouteWithPasswordAlone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAuthEnv(t, db, web.AuthOptions{}, "centre1")
		b := e.browser(t)
		if r := b.password("centre1", testPassword); r.status != http.StatusOK {
			t.Fatalf("password step: %d", r.status)
		}
		challenge := b.cookie("minyi_signin")
		if challenge == "" {
			t.Fatal("the password step set no challenge cookie")
		}
		// Present the challenge as the session cookie as well: it must not count.
		u, _ := url.Parse(e.srv.URL)
		b.jar.SetCookies(u, []*http.Cookie{{Name: "minyi_session", Value: challenge}})
		for _, rt := range e.web.Routes() {
			if rt.Permission == web.PermPublic {
				continue
			}
			path := strings.ReplaceAll(rt.Pattern, "{id}", "1")
			if strings.Contains(path, "{") {
				t.Fatalf("route %s has a path parameter this test does not fill", rt.Pattern)
			}
			req, _ := http.NewRequest(rt.Method, e.srv.URL+path, strings.NewReader("{}"))
			r := b.do(req)
			// The alert poll is a script's request, so it gets 401 like the API.
			api := strings.HasPrefix(path, "/api/") || path == "/console/alerts"
			if (api && r.status != http.StatusUnauthorized) || (!api && r.status != http.StatusSeeOther) {
				t.Errorf("%s %s with a password alone: %d", rt.Method, rt.Pattern, r.status)
			}
		}
	})
}

func TestCSRF(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAuthEnv(t, db, web.AuthOptions{}, "dongguan")
		ctx := context.Background()
		tk, _, err := e.svc.Submit(ctx, workflow.Submission{Channel: "qr", Body: "夜间噪音", CodeUnit: "ps-dongguan"})
		if err != nil {
			t.Fatal(err)
		}
		b := e.browser(t)
		csrf := b.signIn("dongguan")
		path := "/api/tickets/" + itoa(tk.ID) + "/accept"
		for _, c := range []struct{ name, token, origin string }{
			{"no token", "", ""},
			{"wrong token", csrf[:len(csrf)-2] + "xx", ""},
			{"right token, foreign origin", csrf, "http://evil.example"},
		} {
			req, _ := http.NewRequest("POST", e.srv.URL+path, nil)
			if c.token != "" {
				req.Header.Set("X-CSRF-Token", c.token)
			}
			if c.origin != "" {
				req.Header.Set("Origin", c.origin)
			}
			if r := b.do(req); r.status != http.StatusForbidden {
				t.Errorf("%s: %d", c.name, r.status)
			}
		}
		if st, _ := ticketRow(t, db, tk.ID); st != "dispatched" {
			t.Fatalf("after refused posts: state %v", st)
		}
		if r := b.postJSON(path, csrf, ""); r.status != http.StatusOK {
			t.Fatalf("with the token: %d %s", r.status, r.body)
		}
		// The sign-in form's own token is checked too.
		fresh := e.browser(t)
		fresh.get("/signin")
		r := fresh.post("/signin", url.Values{"name": {"dongguan"}, "password": {testPassword}})
		if r.status != http.StatusForbidden || fresh.cookie("minyi_signin") != "" {
			t.Fatalf("sign-in form without token: %d", r.status)
		}
	})
}

func TestSessionTimeouts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAuthEnv(t, db, web.AuthOptions{IdleTimeout: 30 * time.Minute, AbsoluteTimeout: 2 * time.Hour},
			"centre1")
		b := e.browser(t)
		b.signIn("centre1")
		steps := []struct {
			after time.Duration
			want  int
		}{
			{29 * time.Minute, http.StatusOK}, // within idle time; touches the session
			{29 * time.Minute, http.StatusOK}, // idle clock restarted at the last request
			{31 * time.Minute, 401},           // idle too long
		}
		for i, s := range steps {
			e.clock.Add(s.after)
			if r := b.get("/api/me"); r.status != s.want {
				t.Fatalf("idle step %d: %d, want %d", i, r.status, s.want)
			}
		}
		if r := b.get("/account"); r.status != http.StatusSeeOther {
			t.Fatalf("page after idle time-out: %d", r.status)
		}
		b.signIn("centre1")
		for i := 0; i < 5; i++ { // 5 × 25 min = 125 min > 2 h, never idle
			e.clock.Add(25 * time.Minute)
			want := http.StatusOK
			if i == 4 {
				want = http.StatusUnauthorized
			}
			if r := b.get("/api/me"); r.status != want {
				t.Fatalf("absolute step %d: %d, want %d", i, r.status, want)
			}
		}
	})
}

func TestLockout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		acctPolicy := org.Throttle{Free: 2, BaseDelay: time.Second, MaxDelay: 8 * time.Second, LockAfter: 5,
			LockFor: 10 * time.Minute, Window: time.Hour}
		addrPolicy := org.Throttle{Free: 8, BaseDelay: time.Second, MaxDelay: 8 * time.Second, LockAfter: 10,
			LockFor: 10 * time.Minute, Window: time.Hour}
		e := newAuthEnv(t, db, web.AuthOptions{AccountThrottle: &acctPolicy, AddressThrottle: &addrPolicy},
			"dongguan", "binjiang", "centre1")
		b := e.browser(t)
		steps := []struct {
			name     string
			password string
			advance  time.Duration
			want     int
		}{
			{"failure 1", "wrong-password-1", 0, 401},
			{"failure 2", "wrong-password-2", 0, 401},
			{"failure 3: two are free", "wrong-password-3", 0, 401},
			{"too soon after 3 failures", testPassword, 0, 429},
			{"failure 4 after the 1 s delay", "wrong-password-4", time.Second, 401},
			{"the delay has grown to 2 s", testPassword, time.Second, 429},
			{"failure 5 locks", "wrong-password-5", time.Second, 401},
			{"locked: even the right password", testPassword, time.Minute, 429},
			{"lock over", testPassword, 10 * time.Minute, 200},
		}
		for _, s := range steps {
			e.clock.Add(s.advance)
			r := b.password("dongguan", s.password)
			if r.status != s.want {
				t.Fatalf("%s: %d, want %d\n%s", s.name, r.status, s.want, r.body)
			}
		}
		// TOTP failures count too: three wrong codes, then a delay.
		tok := formToken(t, b.password("binjiang", testPassword).body)
		for i, want := range []int{401, 401, 401, 429} {
			r := b.post("/signin/code", url.Values{"csrf_token": {tok}, "code": {"000000"}})
			if r.status != want {
				t.Fatalf("code attempt %d: %d, want %d", i+1, r.status, want)
			}
		}
		// A fresh hour: ten failures from one address, each under another
		// name, lock the address for every account.
		e.clock.Add(time.Hour + time.Minute)
		for i := 0; i < 10; i++ {
			e.clock.Add(10 * time.Second)
			b.password("nobody"+itoa(int64(i)), "wrong-password")
		}
		if r := b.password("centre1", testPassword); r.status != http.StatusTooManyRequests {
			t.Fatalf("locked address, fresh account: %d", r.status)
		}
	})
}

// ticketRow re-reads a ticket's state and version from the database.
func ticketRow(t *testing.T, db *store.DB, id int64) (string, int64) {
	t.Helper()
	var state string
	var version int64
	if err := db.QueryRowContext(context.Background(), `SELECT state, version FROM tickets WHERE id = ?`, id).
		Scan(&state, &version); err != nil {
		t.Fatal(err)
	}
	return state, version
}

// TestAddressThrottleTrustProxy fails sign-ins through one proxy connection
// for two forwarded client addresses. With --trust-proxy, locking one client
// address leaves the other free. Without it, X-Forwarded-For is ignored and
// every client shares the connection's lock.
func TestAddressThrottleTrustProxy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		acctPolicy := org.Throttle{Free: 100, BaseDelay: time.Second, MaxDelay: time.Second, LockAfter: 1000,
			LockFor: time.Minute, Window: time.Hour}
		addrPolicy := org.Throttle{Free: 3, BaseDelay: time.Second, MaxDelay: 8 * time.Second, LockAfter: 5,
			LockFor: 10 * time.Minute, Window: time.Hour}
		for _, trust := range []bool{true, false} {
			e := newAuthEnvCitizen(t, db, web.AuthOptions{AccountThrottle: &acctPolicy, AddressThrottle: &addrPolicy},
				web.CitizenOptions{TrustProxy: trust}, "centre1")
			attacker, citizen := e.browser(t), e.browser(t)
			attacker.header = http.Header{"X-Forwarded-For": {"203.0.113.7"}}
			citizen.header = http.Header{"X-Forwarded-For": {"198.51.100.20"}}
			for i := 0; i < 5; i++ {
				e.clock.Add(10 * time.Second)
				attacker.password("nobody"+itoa(int64(i)), "wrong-password")
			}
			if r := attacker.password("centre1", testPassword); r.status != http.StatusTooManyRequests {
				t.Errorf("trust %v: locked forwarded address: %d, want 429", trust, r.status)
			}
			want := http.StatusOK
			if !trust {
				want = http.StatusTooManyRequests
			}
			if r := citizen.password("centre1", testPassword); r.status != want {
				t.Errorf("trust %v: another forwarded address: %d, want %d", trust, r.status, want)
			}
			// The next round starts with no failures on record.
			if _, err := db.ExecContext(context.Background(), `DELETE FROM auth_failures`); err != nil {
				t.Fatal(err)
			}
		}
	})
}
