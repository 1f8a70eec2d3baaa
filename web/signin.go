package web

import (
	"crypto/subtle"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"minyi/org"
)

//go:embed templates/auth/*.html templates/auth/*.css
var authFiles embed.FS

// authPages holds one template set per sign-in page, each with the shared layout.
var authPages = func() map[string]*template.Template {
	base := template.Must(template.New("layout.html").Funcs(template.FuncMap{
		"t": func(lang, key string) string { return authText(lang, key) },
	}).ParseFS(authFiles, "templates/auth/layout.html"))
	pages := map[string]*template.Template{}
	for _, name := range []string{"signin", "code", "account", "error"} {
		pages[name] = template.Must(template.Must(base.Clone()).ParseFS(authFiles, "templates/auth/"+name+".html"))
	}
	return pages
}()

// authCSP is the Content-Security-Policy of the sign-in pages: nothing but
// the page itself and its one style sheet, no scripts, no framing.
const authCSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; " +
	"frame-ancestors 'none'; base-uri 'none'"

// pageData is the content of a sign-in page.
type pageData struct {
	Lang    string
	Error   string // a text key
	Notice  string // a text key
	Detail  string
	Name    string
	Next    string
	CSRF    string
	Account org.Account
	Path    string // the current path, for the language switch
}

// authRoutes is the route table of sign-in, sign-out and the account page.
func (s *Server) authRoutes() []Route {
	return []Route{
		{"GET", "/signin", PermPublic, s.signinPage},
		{"POST", "/signin", PermPublic, s.signinPassword},
		{"POST", "/signin/code", PermPublic, s.signinCode},
		{"POST", "/signout", PermSelf, s.signout},
		{"GET", "/account", PermSelf, s.accountPage},
		{"GET", "/auth/style.css", PermPublic, s.authStyle},
	}
}

func (s *Server) authStyle(w http.ResponseWriter, r *http.Request) {
	b, err := authFiles.ReadFile("templates/auth/style.css")
	if err != nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, _ = w.Write(b)
}

// lang picks the page language: ?lang= (remembered in a cookie), the cookie,
// or Simplified Chinese.
func (s *Server) lang(w http.ResponseWriter, r *http.Request) string {
	if l := r.URL.Query().Get("lang"); l == "zh" || l == "en" {
		http.SetCookie(w, &http.Cookie{Name: "lang", Value: l, Path: "/", MaxAge: 365 * 24 * 3600,
			Secure: secureCookies(r), SameSite: http.SameSiteLaxMode})
		return l
	}
	if c, err := r.Cookie("lang"); err == nil && c.Value == "en" {
		return "en"
	}
	return "zh"
}

func (s *Server) renderAuthPage(w http.ResponseWriter, r *http.Request, status int, page string, d pageData) {
	d.Lang = s.lang(w, r)
	d.Path = r.URL.Path
	if r.Method != http.MethodGet {
		d.Path = "/signin"
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", authCSP)
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := authPages[page].ExecuteTemplate(w, "layout.html", d); err != nil {
		s.log.Error("render sign-in page", "request_id", RequestID(r.Context()), "page", page, "error", err)
	}
}

// preCSRF returns the double-submit token of the sign-in forms, setting its
// cookie when the browser has none.
func (s *Server) preCSRF(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(preCSRFCookie); err == nil && len(c.Value) >= 32 {
		return c.Value
	}
	tok := newRequestID() + newRequestID() + newRequestID() + newRequestID()
	s.setCookie(w, r, preCSRFCookie, tok, "/signin", 12*time.Hour)
	return tok
}

// checkPreCSRF checks a sign-in form's double-submit token.
func checkPreCSRF(r *http.Request) error {
	c, err := r.Cookie(preCSRFCookie)
	if err != nil || len(c.Value) < 32 {
		return errCSRF
	}
	return checkCSRF(r, c.Value)
}

// safeNext returns next when it is a path on this site, else the default.
func (s *Server) safeNext(next string) string {
	if !safeNextPath(next) {
		return s.auth.opts.AfterSignIn
	}
	return next
}

// safeNextPath reports whether next is a path on this site other than the
// sign-in pages, so that a sign-in may redirect to it.
func safeNextPath(next string) bool {
	return strings.HasPrefix(next, "/") && !strings.HasPrefix(next, "//") && !strings.ContainsAny(next, "\\\r\n") &&
		!strings.HasPrefix(next, "/signin")
}

func (s *Server) signinPage(w http.ResponseWriter, r *http.Request) {
	next := s.safeNext(r.URL.Query().Get("next"))
	if _, err := s.authenticate(w, r, false); err == nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	d := pageData{Next: next, CSRF: s.preCSRF(w, r)}
	if r.URL.Query().Get("signed_out") == "1" {
		d.Notice = "signed_out"
	}
	s.renderAuthPage(w, r, http.StatusOK, "signin", d)
}

// throttled checks both throttles of a sign-in and renders the rejection when one applies.
func (s *Server) throttled(w http.ResponseWriter, r *http.Request, page string, d pageData, name string) bool {
	now := s.now()
	for _, c := range []struct {
		p   *org.Throttle
		key string
	}{{s.auth.opts.AccountThrottle, "account:" + name}, {s.auth.opts.AddressThrottle, "addr:" + s.clientAddr(r)}} {
		err := org.CheckThrottle(r.Context(), s.db, *c.p, c.key, now)
		var te *org.ErrThrottled
		if errors.As(err, &te) {
			wait := int(te.Until.Sub(now).Seconds()) + 1
			w.Header().Set("Retry-After", strconv.Itoa(wait))
			d.Error, d.Detail = "throttled", waitText(s.lang(w, r), wait)
			if te.Locked {
				d.Error = "locked"
			}
			s.log.Warn("sign-in throttled", "request_id", RequestID(r.Context()), "locked", te.Locked)
			if err := s.throttledSignIn(r, name, d.Error); err != nil {
				s.authError(w, r, false, err)
				return true
			}
			s.renderAuthPage(w, r, http.StatusTooManyRequests, page, d)
			return true
		}
		if err != nil {
			s.authError(w, r, false, err)
			return true
		}
	}
	return false
}

// recordFailure counts a failed sign-in against the account and the address,
// and records it in the access log in the same transaction. acct is the zero
// Account for an unknown name.
func (s *Server) recordFailure(r *http.Request, name string, acct org.Account, reason string) error {
	return s.signInFailed(r, acct, name, reason, true)
}

// dummyHash is checked for unknown names, so they cost as long as known ones.
var dummyHash = sync.OnceValue(func() string {
	h, _ := org.HashPassword("minyi dummy password", org.DefaultPasswordParams)
	return h
})

// checkPassword runs one argon2id check, at most two at a time.
func (s *Server) checkPassword(r *http.Request, hash, password string) error {
	select {
	case s.auth.hashing <- struct{}{}:
	case <-r.Context().Done():
		return r.Context().Err()
	}
	defer func() { <-s.auth.hashing }()
	if hash == "" {
		_ = org.CheckPassword(dummyHash(), password)
		return org.ErrBadPassword
	}
	return org.CheckPassword(hash, password)
}

// signinPassword checks the password, then either starts the second factor
// (a TOTP challenge) or, with a matching client certificate, the session.
func (s *Server) signinPassword(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := checkPreCSRF(r); err != nil {
		s.authError(w, r, false, err)
		return
	}
	name := strings.TrimSpace(r.PostFormValue("name"))
	d := pageData{Name: name, Next: s.safeNext(r.PostFormValue("next")), CSRF: s.preCSRF(w, r)}
	if s.throttled(w, r, "signin", d, name) {
		return
	}

	acct, err := org.AccountByName(ctx, s.db, name)
	var creds org.Credentials
	if err == nil && !acct.Disabled {
		creds, err = org.CredentialsOf(ctx, s.db, acct.ID)
	}
	if err != nil && !errors.Is(err, org.ErrNotFound) {
		s.authError(w, r, false, err)
		return
	}
	if err := s.checkPassword(r, creds.PasswordHash, r.PostFormValue("password")); err != nil || acct.Disabled {
		if !errors.Is(err, org.ErrBadPassword) && err != nil {
			s.authError(w, r, false, err)
			return
		}
		if err := s.recordFailure(r, name, acct, "bad password"); err != nil {
			s.authError(w, r, false, err)
			return
		}
		d.Error = "bad_password"
		s.renderAuthPage(w, r, http.StatusUnauthorized, "signin", d)
		return
	}

	if fp := peerCertFingerprint(r); fp != "" && creds.CertSHA256 != "" &&
		subtle.ConstantTimeCompare([]byte(fp), []byte(creds.CertSHA256)) == 1 {
		s.startSession(w, r, acct, "cert", d.Next)
		return
	}
	if !creds.HasTOTP {
		if err := s.signInFailed(r, acct, name, "no second factor", false); err != nil {
			s.authError(w, r, false, err)
			return
		}
		d.Error = "no_factor"
		s.renderAuthPage(w, r, http.StatusForbidden, "signin", d)
		return
	}
	ch, err := org.CreateChallenge(ctx, s.db, acct.ID, s.now())
	if err != nil {
		s.authError(w, r, false, err)
		return
	}
	s.setCookie(w, r, challengeCookie, ch, "/signin", s.auth.opts.ChallengeTTL)
	s.renderAuthPage(w, r, http.StatusOK, "code", d)
}

// signinCode checks the TOTP code of a challenge and starts the session.
func (s *Server) signinCode(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := checkPreCSRF(r); err != nil {
		s.authError(w, r, false, err)
		return
	}
	d := pageData{Next: s.safeNext(r.PostFormValue("next")), CSRF: s.preCSRF(w, r)}
	c, err := r.Cookie(challengeCookie)
	var acct org.Account
	if err == nil {
		acct, err = org.ChallengeAccount(ctx, s.db, c.Value, s.now().Add(-s.auth.opts.ChallengeTTL))
	}
	if err != nil {
		if !errors.Is(err, org.ErrNotFound) && !errors.Is(err, http.ErrNoCookie) {
			s.authError(w, r, false, err)
			return
		}
		if err := s.signInFailed(r, org.Account{}, "", "sign-in code expired", false); err != nil {
			s.authError(w, r, false, err)
			return
		}
		d.Error = "expired"
		s.renderAuthPage(w, r, http.StatusUnauthorized, "signin", d)
		return
	}

	d.Name = acct.Name
	if s.throttled(w, r, "code", d, acct.Name) {
		return
	}
	err = org.VerifyTOTP(ctx, s.db, s.vault(), acct.ID, r.PostFormValue("code"), s.now())
	if errors.Is(err, org.ErrBadCode) {
		if err := s.recordFailure(r, acct.Name, acct, "bad code"); err != nil {
			s.authError(w, r, false, err)
			return
		}
		d.Error = "bad_code"
		s.renderAuthPage(w, r, http.StatusUnauthorized, "code", d)
		return
	}
	if err != nil {
		s.authError(w, r, false, err)
		return
	}
	if err := org.DeleteChallenge(ctx, s.db, c.Value); err != nil {
		s.authError(w, r, false, err)
		return
	}
	s.clearCookie(w, r, challengeCookie, "/signin")
	s.startSession(w, r, acct, "totp", d.Next)
}

// startSession creates the session after both factors and redirects to next.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, acct org.Account, method, next string) {
	ctx := r.Context()
	now := s.now()
	for _, key := range []string{"account:" + acct.Name, "addr:" + s.clientAddr(r)} {
		if err := org.ClearFailures(ctx, s.db, key, now); err != nil {
			s.authError(w, r, false, err)
			return
		}
	}
	o := s.auth.opts
	// Sign-ins are rare enough to sweep ended sessions and stale challenges here.
	if err := org.DeleteExpiredAuth(ctx, s.db, now.Add(-o.IdleTimeout), now.Add(-o.AbsoluteTimeout),
		now.Add(-o.ChallengeTTL)); err != nil {
		s.authError(w, r, false, err)
		return
	}
	id, err := s.createSession(ctx, acct, method, now)
	if err != nil {
		s.authError(w, r, false, err)
		return
	}
	// The cookie lives as long as the absolute time-out; the server ends it sooner when idle.
	s.setCookie(w, r, sessionCookie, id, "/", o.AbsoluteTimeout)
	s.log.Info("signed in", "request_id", RequestID(ctx), "staff_id", acct.ID, "method", method)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) signout(w http.ResponseWriter, r *http.Request) {
	id, _ := r.Context().Value(identityKey{}).(*identity)
	if id != nil && id.sessionID != "" {
		if err := s.deleteSession(r.Context(), id); err != nil {
			s.authError(w, r, false, err)
			return
		}
	}
	s.clearCookie(w, r, sessionCookie, "/")
	http.Redirect(w, r, "/signin?signed_out=1", http.StatusSeeOther)
}

func (s *Server) accountPage(w http.ResponseWriter, r *http.Request) {
	acct, _ := AccountFrom(r.Context())
	s.renderAuthPage(w, r, http.StatusOK, "account", pageData{Account: acct, CSRF: CSRFToken(r.Context())})
}

// waitText formats a wait in seconds, or in whole minutes from two minutes up.
func waitText(lang string, seconds int) string {
	n, unit := seconds, "wait_seconds"
	if seconds >= 120 {
		n, unit = (seconds+59)/60, "wait_minutes"
	}
	return fmt.Sprintf(authText(lang, unit), n)
}

// authText returns the sign-in text key in lang; Simplified Chinese first.
func authText(lang, key string) string {
	if lang == "en" {
		if v, ok := authTextsEN[key]; ok {
			return v
		}
	}
	if v, ok := authTextsZH[key]; ok {
		return v
	}
	return fmt.Sprintf("[%s]", key)
}
