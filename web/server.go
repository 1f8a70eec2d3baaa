package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"minyi/audit"
	"minyi/org"
	"minyi/privacy"
	"minyi/profile"
	"minyi/store"
	"minyi/workflow"
)

// KPIFunc computes the KPI report for a date range and unit, as JSON-ready data.
type KPIFunc func(ctx context.Context, from, to time.Time, unitID string) (any, error)

// Options configures a Server.
type Options struct {
	Service *workflow.Service
	DB      *store.DB
	Profile *profile.Profile
	KPI     KPIFunc
	Logger  *slog.Logger
	Auth    AuthOptions
	Citizen CitizenOptions // citizen pages and QR codes; zero values take defaults
	Voice   VoiceOptions   // voice input on the citizen form; nil Recognizer keeps recordings for staff
	Audit   *audit.Log     // the access log the auditor pages read; nil leaves them without a checkpoint
	// Protector holds the personal-data keys. Its vault seals TOTP secrets
	// and the API-key HMAC key, and a key derived from it signs device
	// cookies. Nil makes TOTP sign-in and API keys fail with org.ErrNoVault
	// and signs device cookies with a random key that lasts as long as the process.
	Protector *privacy.Protector
	// GroupCommit, when set, records the items of POST /api/items, which
	// channels send in bursts, in shared transactions. Nil records each item
	// in a transaction of its own.
	GroupCommit *workflow.GroupCommitter
}

// Server is the HTTP handler of minyi.
type Server struct {
	svc    *workflow.Service
	db     *store.DB
	prof   *profile.Profile
	kpi    KPIFunc
	log    *slog.Logger
	mux    *http.ServeMux
	routes []Route
	auth   *authState

	citizenOpts CitizenOptions
	audit       *audit.Log
	protector   *privacy.Protector
	group       *workflow.GroupCommitter
	// staffPrefixes are the first path segments of the routes that need a
	// permission, API routes aside, such as "console".
	staffPrefixes map[string]bool
}

// New builds the server and its routes.
func New(o Options) *Server {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	s := &Server{svc: o.Service, db: o.DB, prof: o.Profile, kpi: o.KPI, log: o.Logger, mux: http.NewServeMux(),
		auth: newAuthState(o.Auth)}
	s.citizenOpts = o.Citizen
	s.audit = o.Audit
	s.protector = o.Protector
	s.group = o.GroupCommit
	for _, table := range [][]Route{s.apiRoutes(), s.authRoutes(), s.citizenRoutes(), s.consoleRoutes(),
		s.searchRoutes(), s.voiceRoutes(o.Voice), s.routingRoutes(), s.contactRoutes(),
		s.auditRoutes()} {
		for _, rt := range table {
			s.handle(rt)
		}
	}
	// "/" matches every request that no route above matches, whatever its
	// method, so it is not in s.routes.
	s.staffPrefixes = staffPrefixes(s.routes)
	s.mux.HandleFunc("/", s.noRoute)
	return s
}

// vault returns the vault that seals server secrets, or nil without keys.
func (s *Server) vault() *privacy.Vault {
	if s.protector == nil {
		return nil
	}
	return s.protector.Vault()
}

// Routes returns every registered route with its permission, for review and tests.
func (s *Server) Routes() []Route { return append([]Route(nil), s.routes...) }

func (s *Server) handle(rt Route) {
	s.routes = append(s.routes, rt)
	h := rt.Handler
	if rt.Permission != PermPublic {
		h = s.authorize(rt.Permission, h)
	}
	s.mux.HandleFunc(rt.Method+" "+rt.Pattern, h)
}

// ServeHTTP assigns a request id, logs the request once, and dispatches it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	id := r.Header.Get("X-Request-Id")
	if id == "" || len(id) > 64 {
		id = newRequestID()
	}
	w.Header().Set("X-Request-Id", id)
	ctx := context.WithValue(r.Context(), requestIDKey{}, id)
	ctx = audit.WithMeta(ctx, audit.Meta{RequestID: id, ClientAddr: s.clientAddr(r)})
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	if err := rejectNUL(r); err != nil {
		writeError(rec, r.WithContext(ctx), s.log, err)
	} else {
		s.mux.ServeHTTP(rec, r.WithContext(ctx))
	}
	// Rejected requests are logged at Info, so that an operator sees failed
	// sign-ins and clients sending bad requests without turning on Debug.
	level := slog.LevelDebug
	switch {
	case rec.status >= 500:
		level = slog.LevelError
	case rec.status >= 400:
		level = slog.LevelInfo
	}
	s.log.Log(ctx, level, "request", "request_id", id, "method", r.Method, "path", r.URL.Path,
		"status", rec.status, "duration_ms", time.Since(start).Milliseconds())
}

// maxFormCheckBytes bounds the url-encoded bodies rejectNUL reads; larger
// ones are left to the handlers' own limits.
const maxFormCheckBytes = 1 << 20

// rejectNUL refuses a request whose query or url-encoded form carries a NUL
// character. No person types one, and PostgreSQL text cannot store it, so it
// would otherwise surface as a 500 from whatever query receives it.
func rejectNUL(r *http.Request) error {
	errNUL := fmt.Errorf("%w: the request contains a NUL character", errBadRequest)
	if strings.Contains(r.URL.RawQuery, "%00") || strings.ContainsRune(r.URL.Path, 0) {
		return errNUL
	}
	ct := r.Header.Get("Content-Type")
	if r.Body == nil || !strings.HasPrefix(ct, "application/x-www-form-urlencoded") ||
		r.ContentLength < 0 || r.ContentLength > maxFormCheckBytes {
		return nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxFormCheckBytes+1))
	r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return nil // the handler reads the same short body and reports the error itself
	}
	if bytes.Contains(body, []byte("%00")) || bytes.IndexByte(body, 0) >= 0 {
		return errNUL
	}
	return nil
}

type requestIDKey struct{}

// RequestID returns the request id carried by ctx.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

func newRequestID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

type accountKey struct{}

// AccountFrom returns the signed-in account of a request.
func AccountFrom(ctx context.Context) (org.Account, bool) {
	a, ok := ctx.Value(accountKey{}).(org.Account)
	return a, ok
}
