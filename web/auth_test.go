package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"minyi/org"
	"minyi/privacy"
	"minyi/store"
	"minyi/web"
	"minyi/workflow"
)

// testClock is an adjustable clock for session time-outs and throttles.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// authEnv is a server on a real database whose accounts have passwords and
// TOTP secrets.
type authEnv struct {
	srv     *httptest.Server
	web     *web.Server
	db      *store.DB
	svc     *workflow.Service
	clock   *testClock
	secrets map[string]string
	prot    *privacy.Protector // the server's keys, which seal the TOTP secrets
}

const testPassword = "correct-horse-42"

// newAuthEnv starts a server; opts.Now is replaced by the env's clock.
func newAuthEnv(t *testing.T, db *store.DB, opts web.AuthOptions, withPasswords ...string) *authEnv {
	t.Helper()
	return newAuthEnvCitizen(t, db, opts, web.CitizenOptions{}, withPasswords...)
}

// newAuthEnvCitizen is newAuthEnv with citizen options, which also hold
// whether the server trusts X-Forwarded-For.
func newAuthEnvCitizen(t *testing.T, db *store.DB, opts web.AuthOptions, citizen web.CitizenOptions,
	withPasswords ...string) *authEnv {
	t.Helper()
	ctx := context.Background()
	svc, p := newPoliceService(t, db, workflow.Options{Tagger: fixedTagger{}})
	keys, _ := privacy.GenerateKeys()
	prot, err := privacy.NewProtector(keys)
	if err != nil {
		t.Fatal(err)
	}
	e := &authEnv{db: db, svc: svc, clock: &testClock{now: time.Now()}, secrets: map[string]string{}, prot: prot}
	for _, name := range withPasswords {
		if err := org.SetPassword(ctx, db, name, testPassword); err != nil {
			t.Fatal(err)
		}
		secret, _ := org.NewTOTPSecret()
		if err := org.SetTOTPSecret(ctx, db, prot.Vault(), name, secret); err != nil {
			t.Fatal(err)
		}
		e.secrets[name] = secret
	}
	opts.Now = e.clock.Now
	if opts.AfterSignIn == "" {
		opts.AfterSignIn = "/account" // the auth tests do not depend on the console
	}
	e.web = web.New(web.Options{Service: svc, DB: db, Profile: p, Auth: opts, Protector: prot, Citizen: citizen,
		KPI: func(context.Context, time.Time, time.Time, string) (any, error) { return map[string]int{"ok": 1}, nil }})
	e.srv = httptest.NewServer(e.web)
	t.Cleanup(e.srv.Close)
	return e
}

// code returns the account's TOTP code at the env's clock, shifted by steps.
func (e *authEnv) code(t *testing.T, name string, steps int64) string {
	t.Helper()
	c, err := org.TOTPCode(e.secrets[name], org.TOTPStep(e.clock.Now())+steps)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// browser is an HTTP client with cookies that does not follow redirects.
type browser struct {
	t      *testing.T
	e      *authEnv
	c      *http.Client
	jar    *cookiejar.Jar
	header http.Header // added to every request
}

func (e *authEnv) browser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, e: e, jar: jar, c: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type reply struct {
	status   int
	body     string
	location string
}

func (b *browser) do(req *http.Request) reply {
	b.t.Helper()
	for k, v := range b.header {
		req.Header[k] = v
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, body: string(body), location: resp.Header.Get("Location")}
}

func (b *browser) get(path string) reply {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.e.srv.URL+path, nil)
	return b.do(req)
}

func (b *browser) post(path string, form url.Values) reply {
	b.t.Helper()
	req, _ := http.NewRequest("POST", b.e.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// postJSON posts to an API route with the session cookie and the given CSRF header.
func (b *browser) postJSON(path, csrf, body string) reply {
	b.t.Helper()
	req, _ := http.NewRequest("POST", b.e.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if csrf != "" {
		req.Header.Set("X-CSRF-Token", csrf)
	}
	return b.do(req)
}

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func formToken(t *testing.T, page string) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no csrf_token in page:\n%s", page)
	}
	return m[1]
}

// password runs the first sign-in step and returns the reply.
func (b *browser) password(name, password string) reply {
	b.t.Helper()
	tok := formToken(b.t, b.get("/signin").body)
	return b.post("/signin", url.Values{"csrf_token": {tok}, "name": {name}, "password": {password}})
}

// signIn signs in with password and the current TOTP code and returns the
// session's CSRF token read from the account page.
func (b *browser) signIn(name string) string {
	b.t.Helper()
	r := b.password(name, testPassword)
	if r.status != http.StatusOK || !strings.Contains(r.body, `action="/signin/code"`) {
		b.t.Fatalf("password step: %d\n%s", r.status, r.body)
	}
	r = b.post("/signin/code", url.Values{"csrf_token": {formToken(b.t, r.body)}, "code": {b.e.code(b.t, name, 0)}})
	if r.status != http.StatusSeeOther || r.location != "/account" {
		b.t.Fatalf("code step: %d %q\n%s", r.status, r.location, r.body)
	}
	page := b.get("/account")
	if page.status != http.StatusOK {
		b.t.Fatalf("account page: %d", page.status)
	}
	return formToken(b.t, page.body)
}

// cookie returns the value of the named cookie the browser would send to /signin/code,
// which sees both the site-wide cookies and the sign-in ones.
func (b *browser) cookie(name string) string {
	u, _ := url.Parse(b.e.srv.URL + "/signin/code")
	for _, c := range b.jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}
