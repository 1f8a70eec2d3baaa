package web

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"minyi/org"
	"minyi/ticket"
	"minyi/workflow"
)

// Permission names what a route needs. Every route declares one.
type Permission string

// The permissions.
const (
	PermPublic     Permission = "public"
	PermItemCreate Permission = "item:create"
	PermTicketList Permission = "ticket:list"
	PermTicketRead Permission = "ticket:read"
	PermUnitList   Permission = "unit:list"
	PermKPIRead    Permission = "kpi:read"
	PermSelf       Permission = "self:read"
)

// ActionPermission is the permission of a ticket action route.
func ActionPermission(a ticket.Action) Permission { return Permission("ticket:" + string(a)) }

// rolePermissions is the access matrix: what each role may do. Ticket actions
// are further checked by the ticket domain against state and unit.
var rolePermissions = map[ticket.Role][]Permission{
	ticket.RoleCentre: {PermItemCreate, PermTicketList, PermTicketRead, PermUnitList, PermKPIRead, PermSelf,
		ActionPermission(ticket.ActTriage), ActionPermission(ticket.ActDispatch), ActionPermission(ticket.ActApprove),
		ActionPermission(ticket.ActReject), ActionPermission(ticket.ActCallback), ActionPermission(ticket.ActClose),
		ActionPermission(ticket.ActReopen), ActionPermission(ticket.ActMerge), ActionPermission(ticket.ActInvalidate),
		ActionPermission(ticket.ActTransferOut), ActionPermission(ticket.ActFlagUrgent),
		ActionPermission(ticket.ActSupervise), ActionPermission(ticket.ActGrantExtension),
		ActionPermission(ticket.ActDenyExtension), ActionPermission(ticket.ActInviteCohandler),
		PermConsoleTriage, PermConsoleReview, PermConsoleSupervision, PermAlertRead, PermAlertAck, PermOfficerRead,
		PermTicketContact, PermRoutingQuality, PermHotRead, ActionPermission(workflow.ActUnmerge),
		ActionPermission(workflow.ActRekind), PermTicketPhoneHint, ActionPermission(workflow.ActDismissDuplicate)},
	ticket.RoleHandler: {PermTicketList, PermTicketRead, PermUnitList, PermSelf, PermOfficerRead, PermTicketContact,
		ActionPermission(ticket.ActAccept), ActionPermission(ticket.ActReply), ActionPermission(ticket.ActReturn),
		ActionPermission(ticket.ActRequestExtension), ActionPermission(ticket.ActInviteCohandler),
		ActionPermission(ticket.ActNote)},
	ticket.RoleLeader: {PermTicketList, PermTicketRead, PermUnitList, PermKPIRead, PermSelf,
		ActionPermission(ticket.ActSupervise), PermConsoleSupervision, PermOfficerRead, PermRoutingQuality, PermHotRead},
	ticket.RoleAuditor: {PermUnitList, PermSelf, PermAuditRead},
	ticket.RoleAdmin:   {PermItemCreate, PermUnitList, PermKPIRead, PermSelf, PermCodeManage},
}

// Allowed reports whether role holds permission p.
func Allowed(role ticket.Role, p Permission) bool {
	if p == PermPublic {
		return true
	}
	for _, q := range rolePermissions[role] {
		if q == p {
			return true
		}
	}
	return false
}

// Known reports whether p is PermPublic or held by at least one role, that is,
// whether the access matrix names it.
func Known(p Permission) bool {
	if p == PermPublic {
		return true
	}
	for role := range rolePermissions {
		if Allowed(role, p) {
			return true
		}
	}
	return false
}

// AuthOptions configures sign-in and sessions. The zero value is usable.
type AuthOptions struct {
	IdleTimeout     time.Duration    // a session unused this long ends; default 30 minutes
	AbsoluteTimeout time.Duration    // a session this old ends; default 12 hours
	ChallengeTTL    time.Duration    // time to enter the second factor; default 5 minutes
	AfterSignIn     string           // where a sign-in without ?next= lands; default /console
	Now             func() time.Time // the clock; tests inject one
	AccountThrottle *org.Throttle    // failed sign-ins per account; default org.AccountThrottle
	AddressThrottle *org.Throttle    // failed sign-ins per client address; default org.AddressThrottle
}

func (o AuthOptions) withDefaults() AuthOptions {
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = 30 * time.Minute
	}
	if o.AbsoluteTimeout <= 0 {
		o.AbsoluteTimeout = 12 * time.Hour
	}
	if o.ChallengeTTL <= 0 {
		o.ChallengeTTL = 5 * time.Minute
	}
	if o.AfterSignIn == "" {
		o.AfterSignIn = "/console"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.AccountThrottle == nil {
		o.AccountThrottle = &org.AccountThrottle
	}
	if o.AddressThrottle == nil {
		o.AddressThrottle = &org.AddressThrottle
	}
	return o
}

// authState is the server's sign-in state: options, the API-key HMAC key
// (read once from the database), and a bound on concurrent password hashes,
// each of which holds 64 MiB.
type authState struct {
	opts    AuthOptions
	keyMu   sync.Mutex
	key     []byte
	hashing chan struct{}
}

func newAuthState(o AuthOptions) *authState {
	return &authState{opts: o.withDefaults(), hashing: make(chan struct{}, 2)}
}

func (s *Server) now() time.Time { return s.auth.opts.Now() }

// apiKeySecret returns the HMAC key of API keys, loading it on first use.
func (s *Server) apiKeySecret(ctx context.Context) ([]byte, error) {
	s.auth.keyMu.Lock()
	defer s.auth.keyMu.Unlock()
	if s.auth.key == nil {
		k, err := org.AuthKey(ctx, s.db, s.vault())
		if err != nil {
			return nil, err
		}
		s.auth.key = k
	}
	return s.auth.key, nil
}

// Cookie names.
const (
	sessionCookie   = "minyi_session"
	challengeCookie = "minyi_signin"
	preCSRFCookie   = "minyi_csrf" // double-submit token of the sign-in forms
	csrfField       = "csrf_token"
	csrfHeader      = "X-CSRF-Token"
)

// identity is who a request acts as and how that was proved.
type identity struct {
	account   org.Account
	key       *org.APIKey  // set for API-key requests
	session   *org.Session // set for cookie requests
	sessionID string
}

type identityKey struct{}

// CSRFToken returns the CSRF token of the request's session, for a hidden
// csrf_token field in every form (or the X-CSRF-Token header of a script).
// It is empty for requests without a session.
func CSRFToken(ctx context.Context) string {
	id, _ := ctx.Value(identityKey{}).(*identity)
	if id == nil || id.session == nil {
		return ""
	}
	return id.session.CSRF
}

// authorize authenticates the request and checks permission p. API routes
// (/api/...) take an API key (Authorization: Bearer) or a session cookie;
// page routes take only a session and send a browser without one to
// /signin. A cookie request that is not GET or HEAD must carry the session's
// CSRF token. A password alone never gets here: sessions exist only after the
// second factor. A rejected permission or CSRF check is recorded in the access
// log as request.denied.
func (s *Server) authorize(p Permission, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		api := strings.HasPrefix(r.URL.Path, "/api/")
		background := backgroundRoutes[r.Pattern]
		id, err := s.authenticate(w, r, api)
		if errors.Is(err, errUnauthenticated) && !api && !background {
			http.Redirect(w, r, "/signin?next="+url.QueryEscape(s.signInNext(r)), http.StatusSeeOther)
			return
		}
		if err != nil {
			// The caller of a background route is a script, which needs the
			// status rather than a sign-in page, so it gets the API's JSON error.
			s.authError(w, r, api || background, err)
			return
		}
		r = r.WithContext(withSessionMeta(r.Context(), r, id))
		if !safeMethod(r.Method) {
			if err := limitUpload(w, r); err != nil {
				s.rejectRequest(w, r, api, id, err)
				return
			}
			if r.MultipartForm != nil {
				defer r.MultipartForm.RemoveAll()
			}
		}
		if id.session != nil && !safeMethod(r.Method) {
			if err := checkCSRF(r, id.session.CSRF); err != nil {
				s.deny(w, r, api, id, p, err)
				return
			}
		}
		if !Allowed(id.account.Role, p) {
			s.deny(w, r, api, id, p, errPermission)
			return
		}
		if id.key != nil && !id.key.Allows(string(p)) {
			s.deny(w, r, api, id, p, &scopeError{perm: p})
			return
		}
		ctx := context.WithValue(r.Context(), accountKey{}, id.account)
		ctx = context.WithValue(ctx, identityKey{}, id)
		next(w, r.WithContext(ctx))
	}
}

// backgroundRoutes are the page routes ("METHOD /path" as registered) that a
// page's script calls on a timer, without the user acting. They do not count
// as activity: authenticate leaves the session's last-seen time alone for
// them, so a page left open still reaches the idle time-out. Without a valid
// session they return 401 JSON instead of the sign-in redirect, so the
// script can send the browser to the sign-in page itself.
var backgroundRoutes = map[string]bool{"GET /console/alerts": true}

// signInNext returns the address that the sign-in page of an unauthenticated
// page request returns to: an address that a browser can GET. A GET or HEAD
// of a page returns to the address itself. Any other method cannot be
// repeated by a redirect, and its route (such as the POST of a ticket action)
// may serve no GET, so it returns to the page the form was on: the Referer's
// path when it is on this host and a route serves GET there, else the ticket
// page for /console/tickets/{id}/..., else the console home. The console
// sends Referrer-Policy: no-referrer, so its own forms arrive without a
// Referer and take one of the fallbacks.
func (s *Server) signInNext(r *http.Request) string {
	if (r.Method == http.MethodGet || r.Method == http.MethodHead) && s.servesGet(r.URL.Path) {
		return r.URL.RequestURI()
	}
	if ref, err := url.Parse(r.Referer()); err == nil && ref.Host == r.Host && ref.Host != "" &&
		(ref.Scheme == "http" || ref.Scheme == "https") && ref.User == nil {
		if next := ref.RequestURI(); safeNextPath(next) && !strings.HasPrefix(next, "/api/") && s.servesGet(ref.Path) {
			return next
		}
	}
	if page, ok := ticketPageOf(r.URL.Path); ok {
		return page
	}
	return "/console"
}

// servesGet reports whether a route other than the catch-all serves GET at path.
func (s *Server) servesGet(path string) bool {
	probe := &http.Request{Method: http.MethodGet, URL: &url.URL{Path: path}, Header: http.Header{}}
	_, pattern := s.mux.Handler(probe)
	return pattern != "" && pattern != "/"
}

// ticketPageOf returns the ticket page of a path under
// /console/tickets/{id}/, such as the address of an action form.
func ticketPageOf(path string) (string, bool) {
	rest, ok := strings.CutPrefix(path, "/console/tickets/")
	if !ok {
		return "", false
	}
	id, _, _ := strings.Cut(rest, "/")
	if n, err := strconv.ParseInt(id, 10, 64); err != nil || n <= 0 {
		return "", false
	}
	return "/console/tickets/" + id, true
}

// authenticate finds the request's identity, or returns errUnauthenticated.
// It records the session's last-seen time unless the request is to one of
// the backgroundRoutes.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request, api bool) (*identity, error) {
	ctx := r.Context()
	if h := r.Header.Get("Authorization"); api && h != "" {
		token, ok := bearerToken(h)
		if !ok {
			return nil, errUnauthenticated
		}
		return s.authenticateKey(ctx, token)
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil, errUnauthenticated
	}
	sess, err := org.SessionByID(ctx, s.db, c.Value)
	if errors.Is(err, org.ErrNotFound) {
		s.clearCookie(w, r, sessionCookie, "/")
		return nil, errUnauthenticated
	}
	if err != nil {
		return nil, err
	}
	now := s.now()
	if now.Sub(sess.LastSeen) > s.auth.opts.IdleTimeout || now.Sub(sess.Created) > s.auth.opts.AbsoluteTimeout {
		if err := org.DeleteSession(ctx, s.db, c.Value); err != nil {
			return nil, err
		}
		s.clearCookie(w, r, sessionCookie, "/")
		return nil, errUnauthenticated
	}
	// One write a minute at most keeps the idle clock without a write per request.
	if now.Sub(sess.LastSeen) > time.Minute && !backgroundRoutes[r.Pattern] {
		if err := org.TouchSession(ctx, s.db, c.Value, now); err != nil {
			return nil, err
		}
	}
	return &identity{account: sess.Account, session: &sess, sessionID: c.Value}, nil
}

// bearerToken returns the credentials of an Authorization header of the
// Bearer scheme. The scheme name is case-insensitive (RFC 7235, section 2.1).
func bearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return strings.TrimSpace(token), true
}

// authenticateKey checks an API key, or an account token issued before API
// keys existed (org.IssueToken), which acts with every permission of its role.
// A key or token that matches no active account returns errInvalidAPIKey,
// whatever part of it was wrong.
func (s *Server) authenticateKey(ctx context.Context, token string) (*identity, error) {
	if strings.HasPrefix(token, "myk_") {
		secret, err := s.apiKeySecret(ctx)
		if err != nil {
			return nil, err
		}
		acct, key, err := org.AccountByAPIKey(ctx, s.db, secret, token)
		if errors.Is(err, org.ErrNotFound) {
			return nil, errInvalidAPIKey
		}
		if err != nil {
			return nil, err
		}
		return &identity{account: acct, key: &key}, nil
	}
	// NOTE: account tokens remain for the tests and scripts that use them; API
	// keys replace them (minyi user key), and this branch goes when they have.
	acct, err := org.AccountByToken(ctx, s.db, token)
	if errors.Is(err, org.ErrNotFound) {
		return nil, errInvalidAPIKey
	}
	if err != nil {
		return nil, err
	}
	return &identity{account: acct}, nil
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// checkCSRF compares the request's token (header or form field) with want,
// and rejects a cross-site Origin outright.
func checkCSRF(r *http.Request, want string) error {
	// A browser sends "Origin: null" under Referrer-Policy: no-referrer and
	// from sandboxed frames; the token below still decides those.
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		u, err := url.Parse(o)
		if err != nil || u.Host != r.Host {
			return errCSRF
		}
	}
	got := r.Header.Get(csrfHeader)
	if got == "" {
		got = r.PostFormValue(csrfField)
	}
	if want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return errCSRF
	}
	return nil
}

// rejectRequest writes the error response to a request that authorize
// rejected after it authenticated id. A signed-in staff member gets the
// console's error page, with its navigation and request id. API requests and
// requests without a session go to authError.
func (s *Server) rejectRequest(w http.ResponseWriter, r *http.Request, api bool, id *identity, err error) {
	if api || id == nil || id.session == nil {
		s.authError(w, r, api, err)
		return
	}
	// The account goes into the context for the page's navigation only, and
	// the route's handler does not run.
	ctx := context.WithValue(r.Context(), accountKey{}, id.account)
	ctx = context.WithValue(ctx, identityKey{}, id)
	s.consoleError(w, r.WithContext(ctx), err)
}

// authError writes an error as JSON for an API request and as a sign-in
// page for a page request.
func (s *Server) authError(w http.ResponseWriter, r *http.Request, api bool, err error) {
	if api {
		writeError(w, r, s.log, err)
		return
	}
	status := http.StatusInternalServerError
	switch {
	case errors.Is(err, errCSRF), errors.Is(err, errPermission):
		status = http.StatusForbidden
	case errors.Is(err, errUnauthenticated):
		status = http.StatusUnauthorized
	case errors.Is(err, errBadRequest):
		status = http.StatusBadRequest
		if errors.Is(err, errUploadTooLarge) {
			status = http.StatusRequestEntityTooLarge
		}
	default:
		s.log.Error("request failed", "request_id", RequestID(r.Context()), "path", r.URL.Path, "error", err)
	}
	msg := map[int]string{http.StatusForbidden: "forbidden", http.StatusUnauthorized: "unauthenticated",
		http.StatusBadRequest: "upload", http.StatusRequestEntityTooLarge: "upload"}[status]
	if errors.Is(err, errCSRF) {
		msg = "csrf"
	}
	if msg == "" {
		msg = "internal"
	}
	s.renderAuthPage(w, r, status, "error", pageData{Error: msg})
}

// clientAddr returns the client's IP address for sign-in throttling and the
// audit log, from X-Forwarded-For when the server trusts a proxy.
func (s *Server) clientAddr(r *http.Request) string {
	return requestAddr(r, s.citizenOpts.TrustProxy)
}

// requestAddr returns the client's IP address. With trustProxy it is the last
// X-Forwarded-For entry, the address that the proxy in front of the server
// received the request from, when that entry is an IP address. Otherwise it
// is the peer address of the connection.
func requestAddr(r *http.Request, trustProxy bool) string {
	if trustProxy {
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			parts := strings.Split(xff, ",")
			if ip := net.ParseIP(strings.TrimSpace(parts[len(parts)-1])); ip != nil {
				return ip.String()
			}
		}
	}
	return peerAddr(r)
}

// peerAddr returns the IP address of the connection's peer.
func peerAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// secureCookies reports whether cookies must be Secure: always over TLS and
// for every client not on the loopback interface. Only the local demo on
// http://127.0.0.1 gets cookies without Secure; a browser on another host
// reaching minyi over plain HTTP cannot sign in at all, by design.
func secureCookies(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	ip := net.ParseIP(peerAddr(r))
	return ip == nil || !ip.IsLoopback()
}

func (s *Server) setCookie(w http.ResponseWriter, r *http.Request, name, value, path string, maxAge time.Duration) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: path, MaxAge: int(maxAge / time.Second),
		HttpOnly: true, Secure: secureCookies(r), SameSite: http.SameSiteLaxMode})
}

func (s *Server) clearCookie(w http.ResponseWriter, r *http.Request, name, path string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: path, MaxAge: -1,
		HttpOnly: true, Secure: secureCookies(r), SameSite: http.SameSiteLaxMode})
}

var (
	errUnauthenticated = errors.New("sign-in required: send Authorization: Bearer KEY, or sign in at /signin")
	errInvalidAPIKey   = &invalidKeyError{}
	errPermission      = errors.New("your role does not have this permission")
	errCSRF            = fmt.Errorf("missing or invalid CSRF token: %w", errPermission)
)

// scopeError is the rejection of an API key whose account's role holds the
// permission but whose scopes do not. It unwraps to errPermission, so it gets
// 403, but its message names the key's scopes rather than the role.
type scopeError struct{ perm Permission }

func (e *scopeError) Error() string {
	return fmt.Sprintf("this API key's scopes do not include %s; ask an administrator for a key with that scope", e.perm)
}

func (e *scopeError) Unwrap() error { return errPermission }

// invalidKeyError is the rejection of an API key or account token that
// matches no active account. It unwraps to errUnauthenticated, so it gets
// 401, but its message names the key rather than asking for a sign-in.
type invalidKeyError struct{}

func (*invalidKeyError) Error() string {
	return "invalid API key: it is unknown or revoked, or its account is disabled; ask an administrator for a new key"
}

func (*invalidKeyError) Unwrap() error { return errUnauthenticated }
